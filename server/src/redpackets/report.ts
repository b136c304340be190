// Spend per store, guide, reason and day with the orders that followed, and the monthly reconciliation
// export per store (XLSX, and GBK CSV for Excel on Chinese Windows).
import type { RedPacketSpend, RedPacketStatus, SpendRow } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, eq, gte, inArray, lt, notInArray } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { members, orders, redPackets, staff, stores } from '../db/schema.ts'
import { shanghaiDate, shanghaiMonthRange, shanghaiTime } from '../lib/china-time.ts'
import { forbidden, notFound } from '../plugins/errors.ts'
import { attributedRevenue, DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../sends/attribution.ts'
import { loadSettings } from './service.ts'

const DAY_MS = 86_400_000

/** A supervisor sees their own store, an admin any (or all); a guide none. */
function storeScope(session: Session, storeId: string | undefined): string | undefined {
  if (session.role === 'guide')
    throw forbidden('red-packet spend is for supervisors and admins')
  if (session.role === 'supervisor') {
    if (storeId !== undefined && storeId !== session.storeId)
      throw notFound(`store ${storeId} not found among your stores`)
    return session.storeId ?? ''
  }
  return storeId
}

/** What left the merchant and stayed out. */
const PAID_STATUSES: RedPacketStatus[] = ['sent', 'received']
const paid = (status: RedPacketStatus) => PAID_STATUSES.includes(status)

/** The packets created in a store's (or every store's) month. */
function inMonth(storeId: string | undefined, month: string) {
  const { from, to } = shanghaiMonthRange(month)
  return and(gte(redPackets.createdAt, from), lt(redPackets.createdAt, to), storeId === undefined ? undefined : eq(redPackets.storeId, storeId))
}

async function packetsOf(db: AsyncDbOrTx, storeId: string | undefined, month: string) {
  return db.select({
    id: redPackets.id,
    mchBillno: redPackets.mchBillno,
    storeId: redPackets.storeId,
    storeName: stores.name,
    guideUserid: redPackets.guideUserid,
    guideName: staff.name,
    memberId: redPackets.memberId,
    memberName: members.name,
    orderId: redPackets.orderId,
    amount: redPackets.amount,
    reasonCode: redPackets.reasonCode,
    remark: redPackets.remark,
    status: redPackets.status,
    createdAt: redPackets.createdAt,
    sentAt: redPackets.sentAt,
    receivedAt: redPackets.receivedAt,
    refundedAt: redPackets.refundedAt,
    failedAt: redPackets.failedAt,
  }).from(redPackets).innerJoin(stores, eq(stores.id, redPackets.storeId)).innerJoin(staff, eq(staff.userid, redPackets.guideUserid)).innerJoin(members, eq(members.id, redPackets.memberId)).where(inMonth(storeId, month)).orderBy(asc(redPackets.createdAt), asc(redPackets.id)).all()
}

type PacketLine = Awaited<ReturnType<typeof packetsOf>>[number]

/**
 * Orders that followed a paid packet, credited like sends (sends/attribution.ts): last touch, the same member,
 * paid within the attribution window after the packet was sent, cancelled and refunded orders left out,
 * revenue net of partial refunds. Returns packet id → {orders, revenue}.
 */
async function followedOrders(db: AsyncDbOrTx, packets: PacketLine[], scope: { storeId: string | undefined, month: string }, windowDays: number): Promise<Map<number, { orders: number, revenue: number }>> {
  const credited = new Map<number, { orders: number, revenue: number }>()
  // Each member's paid packets, latest first: the first one before an order is its last touch.
  const touchesOf = new Map<number, (PacketLine & { sentAt: number })[]>()
  for (const p of packets) {
    if (!paid(p.status) || p.sentAt === null)
      continue
    const touches = touchesOf.get(p.memberId) ?? []
    touches.push({ ...p, sentAt: p.sentAt })
    touchesOf.set(p.memberId, touches)
  }
  if (touchesOf.size === 0)
    return credited
  for (const touches of touchesOf.values())
    touches.sort((a, b) => b.sentAt - a.sentAt || b.id - a.id)
  const windowMs = windowDays * DAY_MS
  // A loop, not Math.min(...all): a month's packets can outnumber the arguments a call may take.
  let from = Infinity
  let to = -Infinity
  for (const touches of touchesOf.values()) {
    from = Math.min(from, touches.at(-1)!.sentAt)
    to = Math.max(to, touches[0]!.sentAt + windowMs)
  }
  // The members by subquery, not a list of ids: a brand's month can hold more members than a statement has parameters.
  const paidMembers = db.select({ memberId: redPackets.memberId }).from(redPackets).where(and(inMonth(scope.storeId, scope.month), inArray(redPackets.status, PAID_STATUSES)))
  const candidates = await db.select({ memberId: orders.memberId, paidAt: orders.paidAt, totalAmount: orders.totalAmount, paidAmount: orders.paidAmount, refundedAmount: orders.refundedAmount })
    .from(orders)
    .where(and(inArray(orders.memberId, paidMembers), gte(orders.paidAt, from), lt(orders.paidAt, to + 1), notInArray(orders.status, ['cancelled', 'refunded'])))
    .all()
  for (const order of candidates) {
    const touch = touchesOf.get(order.memberId!)?.find(p => p.sentAt < order.paidAt && order.paidAt - p.sentAt <= windowMs)
    if (!touch)
      continue
    const entry = credited.get(touch.id) ?? { orders: 0, revenue: 0 }
    entry.orders++
    entry.revenue += attributedRevenue(order, order.totalAmount)
    credited.set(touch.id, entry)
  }
  return credited
}

function rollUp(packets: PacketLine[], followed: Map<number, { orders: number, revenue: number }>, keyOf: (p: PacketLine) => [string, string]): SpendRow[] {
  const rows = new Map<string, SpendRow>()
  for (const p of packets) {
    const [key, label] = keyOf(p)
    const row = rows.get(key) ?? { key, label, packets: 0, spentFen: 0, pendingFen: 0, followedOrders: 0, followedRevenueFen: 0 }
    row.packets++
    if (paid(p.status))
      row.spentFen += p.amount
    if (p.status === 'sending')
      row.pendingFen += p.amount
    row.followedOrders += followed.get(p.id)?.orders ?? 0
    row.followedRevenueFen += followed.get(p.id)?.revenue ?? 0
    rows.set(key, row)
  }
  return [...rows.values()].sort((a, b) => b.spentFen - a.spentFen || a.key.localeCompare(b.key))
}

export async function redPacketSpend(db: AsyncDbOrTx, session: Session, query: { month: string, storeId?: string }): Promise<RedPacketSpend> {
  const storeId = storeScope(session, query.storeId)
  const packets = await packetsOf(db, storeId, query.month)
  const windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS
  const followed = await followedOrders(db, packets, { storeId, month: query.month }, windowDays)
  const reasons = new Map((await loadSettings(db)).reasons.map(r => [r.code, r.label]))
  const total = rollUp(packets, followed, () => ['total', '合计'])[0] ?? { key: 'total', label: '合计', packets: 0, spentFen: 0, pendingFen: 0, followedOrders: 0, followedRevenueFen: 0 }
  return {
    month: query.month,
    windowDays,
    total,
    byStore: rollUp(packets, followed, p => [p.storeId, p.storeName]),
    byGuide: rollUp(packets, followed, p => [p.guideUserid, p.guideName]),
    byReason: rollUp(packets, followed, p => [p.reasonCode, reasons.get(p.reasonCode) ?? p.remark]),
    byDay: rollUp(packets, followed, p => [shanghaiDate(p.createdAt), shanghaiDate(p.createdAt)]).sort((a, b) => a.key.localeCompare(b.key)),
  }
}

const STATUS_TEXT: Record<RedPacketStatus, string> = { sending: '处理中', sent: '已发放', received: '已领取', refunded: '已退回', failed: '发放失败' }
const time = (ms: number | null) => ms === null ? '' : shanghaiTime(ms)
const money = (fen: number) => (fen / 100).toFixed(2)

export interface Reconciliation {
  header: string[]
  rows: string[][]
  /** 分 by state: paid = sent + received (what left the merchant and stayed out). */
  totals: { paidFen: number, refundedFen: number, failedFen: number, pendingFen: number, packets: number }
}

/** Every packet of a store's month with bill number, order, guide, member, amount, state and times, plus totals. */
export async function reconciliation(db: AsyncDbOrTx, session: Session, storeId: string, month: string): Promise<Reconciliation> {
  const scoped = storeScope(session, storeId)!
  const packets = await packetsOf(db, scoped, month)
  const orderIds = packets.map(p => p.orderId).filter((id): id is number => id !== null)
  const orderNos = new Map((orderIds.length ? await db.select({ id: orders.id, orderNo: orders.orderNo }).from(orders).where(inArray(orders.id, orderIds)).all() : []).map(o => [o.id, o.orderNo]))
  const sum = (status: RedPacketStatus[]) => packets.filter(p => status.includes(p.status)).reduce((s, p) => s + p.amount, 0)
  const totals = { paidFen: sum(PAID_STATUSES), refundedFen: sum(['refunded']), failedFen: sum(['failed']), pendingFen: sum(['sending']), packets: packets.length }
  return {
    header: ['商户订单号', '门店', '导购', '客户', '关联订单', '原因', '金额(元)', '状态', '创建时间', '发放时间', '领取时间', '退回时间', '失败时间'],
    rows: [
      ...packets.map(p => [p.mchBillno, p.storeName, p.guideName, p.memberName, p.orderId === null ? '' : orderNos.get(p.orderId) ?? '', p.remark, money(p.amount), STATUS_TEXT[p.status], time(p.createdAt), time(p.sentAt), time(p.receivedAt), time(p.refundedAt), time(p.failedAt)]),
      [],
      ['合计', '', '', '', '', '', '', `共 ${totals.packets} 个`],
      ['已发放(含已领取)', '', '', '', '', '', money(totals.paidFen)],
      ['已退回', '', '', '', '', '', money(totals.refundedFen)],
      ['发放失败', '', '', '', '', '', money(totals.failedFen)],
      ['处理中', '', '', '', '', '', money(totals.pendingFen)],
    ],
    totals,
  }
}

export async function reconciliationXlsx(report: Reconciliation, title: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet(title.slice(0, 31))
  sheet.addRow(report.header).font = { bold: true }
  for (const row of report.rows) {
    // Amounts as numbers so finance can sum them in Excel; bill numbers stay text (28 digits).
    sheet.addRow(row.map((cell, i) => i === 6 && /^\d+\.\d{2}$/.test(cell) ? Number(cell) : cell))
  }
  sheet.getColumn(7).numFmt = '0.00'
  sheet.columns.forEach((column, i) => {
    column.width = i === 0 ? 32 : 16
  })
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

const csvCell = (cell: string) => /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell

/** GBK-encoded CSV (what Excel on Chinese Windows opens without garbling). Bill numbers as ="…" keep their digits. */
export function reconciliationCsvGbk(report: Reconciliation): Buffer {
  const lines = [report.header, ...report.rows.map(row => row.map((cell, i) => i === 0 && /^\d{28}$/.test(cell) ? `="${cell}"` : cell))]
  return iconv.encode(`${lines.map(row => row.map(csvCell).join(',')).join('\r\n')}\r\n`, 'gbk')
}
