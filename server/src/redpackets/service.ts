// Red packets (企业红包): validate, reserve against every limit atomically, log the packet with its mch_billno,
// pay outside the transaction, and settle what is uncertain by querying WeChat Pay (retrying the SAME bill).
// Like sends (sends/service.ts): the packet is written before the pay call and completed after it.
import type { CreateRedPacketRequest, GuideAllowance, MemberRedPackets, RedPacketLimit, RedPacketRecord, RedPacketRefusal, RedPacketSettings, RedPacketStatus } from '@scrm/shared'
import type { AsyncDb, AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { QueryOutcome, SendOutcome, WechatPayClient } from '../wechatpay/client.ts'
import { formatFen } from '@scrm/shared'
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import { requireMemberAccess } from '../auth/access.ts'
import { members, orders, redPacketCounters, redPackets, redPacketSettings, redPacketStoreBudgets, staff } from '../db/schema.ts'
import { shanghaiDate, shanghaiMonth } from '../lib/china-time.ts'
import { HttpError, notFound } from '../plugins/errors.ts'

export interface RedPacketDeps {
  db: AsyncDb
  /** null when WeChat Pay is not configured: red packets are refused with 503. */
  pay: WechatPayClient | null
  mchId: string
  wecom: { convertToOpenid: (externalUserid: string) => Promise<string> }
  now: () => number
}

type PacketRow = typeof redPackets.$inferSelect

/** What a brand gets before an admin edits anything (within WeChat Pay's default 1–200 元). */
export const DEFAULT_RED_PACKET_SETTINGS: RedPacketSettings = {
  minFen: 100,
  maxFen: 20_000,
  guideDayCount: 20,
  guideDayFen: 20_000,
  memberDayCount: 1,
  memberDayFen: 5_000,
  memberMonthCount: 3,
  memberMonthFen: 10_000,
  storeMonthFen: 200_000,
  presetsFen: [188, 520, 888],
  reasons: [
    { code: 'thanks', label: '感谢支持', labelEn: 'Thank you' },
    { code: 'late_delivery', label: '延迟发货致歉', labelEn: 'Sorry for the late delivery' },
    { code: 'review', label: '好评奖励', labelEn: 'Review reward' },
    { code: 'birthday', label: '生日祝福', labelEn: 'Birthday' },
    { code: 'win_back', label: '老客回归', labelEn: 'Win-back' },
  ],
  actName: '会员关怀',
  defaultWishing: '感谢您的支持,祝您生活愉快!',
}

export async function loadSettings(db: AsyncDbOrTx): Promise<RedPacketSettings> {
  const row = await db.select({ settings: redPacketSettings.settings }).from(redPacketSettings).where(eq(redPacketSettings.id, 'brand')).get()
  return row?.settings ?? DEFAULT_RED_PACKET_SETTINGS
}

async function storeMonthBudget(db: AsyncDbOrTx, storeId: string, settings: RedPacketSettings): Promise<number> {
  const row = await db.select({ monthFen: redPacketStoreBudgets.monthFen }).from(redPacketStoreBudgets).where(eq(redPacketStoreBudgets.storeId, storeId)).get()
  return row?.monthFen ?? settings.storeMonthFen
}

/**
 * A refusal of a packet: `reason` and `params` for the sidebar, which words it in the guide's language; the
 * message says the same in Chinese for the log and other API callers.
 */
function refusal(statusCode: number, code: string, reason: RedPacketRefusal, message: string, params?: Record<string, number>): HttpError {
  return new HttpError(statusCode, code, message, { reason, params })
}

/** A refusal by a limit: 422, naming the limit and its numbers. */
const limitRefusal = (limit: RedPacketLimit, message: string, params: Record<string, number>) => refusal(422, 'Red Packet Limit', limit, message, params)

interface CounterRule {
  key: string
  maxCount: number | null
  maxAmount: number
  countLimit: RedPacketLimit | null
  amountLimit: RedPacketLimit
  describe: (used: { count: number, amount: number }) => { count: string, amount: string }
}

function counterRules(packet: { guideUserid: string, memberId: number, storeId: string, createdAt: number }, settings: RedPacketSettings, storeBudget: number): CounterRule[] {
  const day = shanghaiDate(packet.createdAt)
  const month = shanghaiMonth(packet.createdAt)
  const rules: CounterRule[] = [
    {
      key: `guide:${packet.guideUserid}:${day}`,
      maxCount: settings.guideDayCount,
      maxAmount: settings.guideDayFen,
      countLimit: 'guide_day_count',
      amountLimit: 'guide_day_amount',
      describe: u => ({
        count: `已达导购每日红包个数上限:今日已发 ${u.count} 个,上限 ${settings.guideDayCount} 个`,
        amount: `超出导购每日红包金额上限:今日已用 ${formatFen(u.amount)},上限 ${formatFen(settings.guideDayFen)}`,
      }),
    },
    {
      key: `member:${packet.memberId}:${day}`,
      maxCount: settings.memberDayCount,
      maxAmount: settings.memberDayFen,
      countLimit: 'member_day_count',
      amountLimit: 'member_day_amount',
      describe: u => ({
        count: `该客户今日已收 ${u.count} 个红包,达到每位客户每日 ${settings.memberDayCount} 个的上限`,
        amount: `超出每位客户每日红包金额上限:今日已收 ${formatFen(u.amount)},上限 ${formatFen(settings.memberDayFen)}`,
      }),
    },
    {
      key: `member:${packet.memberId}:${month}`,
      maxCount: settings.memberMonthCount,
      maxAmount: settings.memberMonthFen,
      countLimit: 'member_month_count',
      amountLimit: 'member_month_amount',
      describe: u => ({
        count: `该客户本月已收 ${u.count} 个红包,达到每位客户每月 ${settings.memberMonthCount} 个的上限`,
        amount: `超出每位客户每月红包金额上限:本月已收 ${formatFen(u.amount)},上限 ${formatFen(settings.memberMonthFen)}`,
      }),
    },
    {
      key: `store:${packet.storeId}:${month}`,
      maxCount: null,
      maxAmount: storeBudget,
      countLimit: null,
      amountLimit: 'store_month_budget',
      describe: u => ({ count: '', amount: `超出门店本月红包预算:已用 ${formatFen(u.amount)},预算 ${formatFen(storeBudget)}` }),
    },
  ]
  // One order for every transaction: row locks are always taken in key order, so two never deadlock.
  return rules.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}

/**
 * Reserves `amount` and one packet on every counter, or throws naming the first limit that stops it. Each
 * step is a conditional increment: on PostgreSQL the UPDATE locks the row and re-checks its condition after
 * a concurrent writer commits, on SQLite the transaction holds the write lock, so limits hold under
 * concurrent requests on any number of instances. Call inside the transaction that logs the packet.
 */
async function reserve(tx: AsyncDbOrTx, rules: CounterRule[], amount: number): Promise<void> {
  for (const rule of rules) {
    await tx.insert(redPacketCounters).values({ key: rule.key, count: 0, amount: 0 }).onConflictDoNothing({ target: redPacketCounters.key }).run()
    const fits = and(
      eq(redPacketCounters.key, rule.key),
      sql`${redPacketCounters.amount} + ${amount} <= ${rule.maxAmount}`,
      rule.maxCount === null ? undefined : sql`${redPacketCounters.count} + 1 <= ${rule.maxCount}`,
    )
    const updated = await tx.update(redPacketCounters)
      .set({ count: sql`${redPacketCounters.count} + 1`, amount: sql`${redPacketCounters.amount} + ${amount}` })
      .where(fits)
      .returning({ key: redPacketCounters.key })
      .get()
    if (updated)
      continue
    const used = (await tx.select({ count: redPacketCounters.count, amount: redPacketCounters.amount }).from(redPacketCounters).where(eq(redPacketCounters.key, rule.key)).get())!
    const text = rule.describe(used)
    if (rule.maxCount !== null && rule.countLimit && used.count + 1 > rule.maxCount)
      throw limitRefusal(rule.countLimit, text.count, { usedCount: used.count, limitCount: rule.maxCount })
    throw limitRefusal(rule.amountLimit, text.amount, { usedFen: used.amount, limitFen: rule.maxAmount, amountFen: amount })
  }
}

/** Gives back what a packet reserved (a definite failure or a refund); call in the transaction that ends it. */
async function release(tx: AsyncDbOrTx, packet: Pick<PacketRow, 'reservedKeys' | 'amount'>): Promise<void> {
  for (const key of [...packet.reservedKeys].sort()) {
    await tx.update(redPacketCounters)
      .set({ count: sql`${redPacketCounters.count} - 1`, amount: sql`${redPacketCounters.amount} - ${packet.amount}` })
      .where(eq(redPacketCounters.key, key))
      .run()
  }
}

function toRecord(row: PacketRow): RedPacketRecord {
  return {
    id: row.id,
    mchBillno: row.mchBillno,
    memberId: row.memberId,
    orderId: row.orderId,
    guideUserid: row.guideUserid,
    storeId: row.storeId,
    amountFen: row.amount,
    reasonCode: row.reasonCode,
    wishing: row.wishing,
    status: row.status,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
    receivedAt: row.receivedAt,
    refundedAt: row.refundedAt,
    failedAt: row.failedAt,
    lastError: row.lastError,
  }
}

/** mch_id + yyyymmdd + the packet id in 10 digits: 28 characters, unique, known before the first pay call. */
function billNumber(mchId: string, createdAt: number, id: number): string {
  const digits = String(id).padStart(10, '0')
  return `${mchId}${shanghaiDate(createdAt).replaceAll('-', '')}${digits}`.slice(-28)
}

/**
 * Test hook between the reserve commit and the pay call (the crash test kills the process here).
 * Production never sets it.
 */
let onReserved: ((packet: PacketRow) => Promise<void>) | undefined
export function setReservedHookForTests(hook: typeof onReserved) {
  onReserved = hook
}

function sameRequest(row: PacketRow, session: Session, request: CreateRedPacketRequest) {
  return row.guideUserid === session.userid && row.memberId === request.memberId && row.amount === request.amountFen
    && row.orderId === (request.orderId ?? null) && row.reasonCode === request.reasonCode && row.wishing === request.wishing
}

function requirePay(deps: RedPacketDeps): WechatPayClient {
  if (!deps.pay)
    throw refusal(503, 'Service Unavailable', 'pay_not_configured', '红包未开通:服务器未配置微信支付商户(WECHATPAY_MCH_ID)')
  return deps.pay
}

/**
 * Sends a red packet for the guide in `session`. A repeated idempotency key returns the same packet
 * (created=false) and, while it is still uncertain, retries its pay call with the same bill number.
 */
export async function createRedPacket(deps: RedPacketDeps, session: Session, request: CreateRedPacketRequest): Promise<{ record: RedPacketRecord, created: boolean }> {
  const { db } = deps
  const pay = requirePay(deps)
  if (session.role !== 'guide')
    throw refusal(403, 'Forbidden', 'not_a_guide', '只有导购可以发红包')
  const existing = await db.select().from(redPackets).where(eq(redPackets.idempotencyKey, request.idempotencyKey)).get()
  if (existing)
    return { record: await replay(deps, pay, session, existing, request), created: false }

  await requireMemberAccess(db, session, request.memberId)
  const settings = await loadSettings(db)
  if (request.amountFen < settings.minFen)
    throw limitRefusal('packet_min', `amountFen:金额 ${formatFen(request.amountFen)} 低于单个红包下限 ${formatFen(settings.minFen)}`, { amountFen: request.amountFen, limitFen: settings.minFen })
  if (request.amountFen > settings.maxFen)
    throw limitRefusal('packet_max', `amountFen:金额 ${formatFen(request.amountFen)} 超过单个红包上限 ${formatFen(settings.maxFen)}`, { amountFen: request.amountFen, limitFen: settings.maxFen })
  const reason = settings.reasons.find(r => r.code === request.reasonCode)
  if (!reason)
    throw refusal(400, 'Bad Request', 'unknown_reason', `reasonCode: 未知的发放原因 ${request.reasonCode}`)
  if (request.orderId !== undefined) {
    const order = await db.select({ memberId: orders.memberId }).from(orders).where(eq(orders.id, request.orderId)).get()
    if (!order || order.memberId !== request.memberId)
      throw refusal(400, 'Bad Request', 'order_not_members', `orderId: 订单 ${request.orderId} 不是该客户的订单`)
  }
  const guide = await db.select({ storeId: staff.storeId }).from(staff).where(eq(staff.userid, session.userid)).get()
  if (!guide?.storeId)
    throw refusal(403, 'Forbidden', 'guide_without_store', '导购未归属门店,无法使用门店红包预算')
  const member = (await db.select({ externalUserid: members.externalUserid }).from(members).where(eq(members.id, request.memberId)).get())!
  if (!member.externalUserid)
    throw refusal(400, 'Bad Request', 'member_not_contact', 'memberId: 该客户尚未添加企业微信,无法发红包')
  // A member's openid never changes: reuse the one a previous packet got, else ask WeCom (outside any transaction).
  const known = await db.select({ openid: redPackets.openid }).from(redPackets).where(eq(redPackets.memberId, request.memberId)).limit(1).get()
  const openid = known?.openid ?? await deps.wecom.convertToOpenid(member.externalUserid)

  const createdAt = deps.now()
  const storeId = guide.storeId
  const logged = await db.transaction(async (tx) => {
    const rules = counterRules({ guideUserid: session.userid, memberId: request.memberId, storeId, createdAt }, settings, await storeMonthBudget(tx, storeId, settings))
    const inserted = await tx.insert(redPackets).values({
      idempotencyKey: request.idempotencyKey,
      // Unique placeholder for the moment before the id is known; replaced in this same transaction.
      mchBillno: `key:${request.idempotencyKey}`,
      guideUserid: session.userid,
      storeId,
      memberId: request.memberId,
      orderId: request.orderId,
      openid,
      amount: request.amountFen,
      reasonCode: reason.code,
      wishing: request.wishing,
      actName: settings.actName,
      remark: reason.label,
      status: 'sending',
      reservedKeys: rules.map(r => r.key),
      createdAt,
    }).onConflictDoNothing({ target: redPackets.idempotencyKey }).returning({ id: redPackets.id }).get()
    if (!inserted)
      return null // a concurrent request with the same key won; answered below like a retry
    await reserve(tx, rules, request.amountFen)
    return tx.update(redPackets).set({ mchBillno: billNumber(deps.mchId, createdAt, inserted.id) }).where(eq(redPackets.id, inserted.id)).returning().get()
  })
  if (!logged) {
    const winner = (await db.select().from(redPackets).where(eq(redPackets.idempotencyKey, request.idempotencyKey)).get())!
    return { record: await replay(deps, pay, session, winner, request), created: false }
  }
  await onReserved?.(logged)
  return { record: toRecord(await payPacket(deps, pay, logged)), created: true }
}

async function replay(deps: RedPacketDeps, pay: WechatPayClient, session: Session, row: PacketRow, request: CreateRedPacketRequest): Promise<RedPacketRecord> {
  if (!sameRequest(row, session, request))
    throw new HttpError(409, 'Conflict', `idempotencyKey ${request.idempotencyKey} was already used for a different red packet`)
  // Still uncertain: the retried request drives the same bill once more (WeChat Pay is re-entrant on it).
  return toRecord(row.status === 'sending' ? await payPacket(deps, pay, row) : row)
}

/** One pay call for a logged packet, with its own bill number, and its outcome recorded. */
async function payPacket(deps: RedPacketDeps, pay: WechatPayClient, row: PacketRow): Promise<PacketRow> {
  await deps.db.update(redPackets).set({ payAttempts: sql`${redPackets.payAttempts} + 1` }).where(eq(redPackets.id, row.id)).run()
  const outcome = await pay.sendWorkRedpack({
    mchBillno: row.mchBillno,
    reOpenid: row.openid,
    totalAmount: row.amount,
    wishing: row.wishing,
    actName: row.actName,
    remark: row.remark,
    // WeChat Pay requires a scene outside 1–200 元; PRODUCT_1 = 商品促销.
    sceneId: row.amount < 100 || row.amount > 20_000 ? 'PRODUCT_1' : undefined,
  })
  if (outcome.kind === 'failed' && row.payAttempts > 0) {
    // A refusal of a retry does not prove the earlier attempt did not pay: ask before releasing anything.
    const query = await pay.queryWorkRedpack(row.mchBillno)
    if (query.kind === 'found') {
      await applyQuery(deps, pay, { ...row, status: 'sending' }, query)
      return (await deps.db.select().from(redPackets).where(eq(redPackets.id, row.id)).get())!
    }
    if (query.kind === 'uncertain')
      return applySendOutcome(deps, row.id, { kind: 'uncertain', errCode: outcome.errCode, message: outcome.message })
  }
  return applySendOutcome(deps, row.id, outcome)
}

async function applySendOutcome(deps: RedPacketDeps, id: number, outcome: SendOutcome): Promise<PacketRow> {
  const now = deps.now()
  if (outcome.kind === 'paid')
    await deps.db.update(redPackets).set({ status: 'sent', sentAt: now, sendListid: outcome.sendListid ?? null, lastError: null }).where(and(eq(redPackets.id, id), eq(redPackets.status, 'sending'))).run()
  else if (outcome.kind === 'failed')
    await finish(deps.db, id, ['sending'], { status: 'failed', failedAt: now, lastError: `${outcome.errCode}: ${outcome.message}` })
  else
    await deps.db.update(redPackets).set({ lastError: `处理中(${outcome.errCode}: ${outcome.message})` }).where(and(eq(redPackets.id, id), eq(redPackets.status, 'sending'))).run()
  return (await deps.db.select().from(redPackets).where(eq(redPackets.id, id)).get())!
}

/** Moves a packet to a final state that gives its money back, releasing its reservation exactly once. */
async function finish(db: AsyncDb, id: number, from: RedPacketStatus[], set: Partial<typeof redPackets.$inferInsert>): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await tx.select({ amount: redPackets.amount, reservedKeys: redPackets.reservedKeys }).from(redPackets).where(eq(redPackets.id, id)).get()
    // The status guard makes a second settler (another instance) change nothing and release nothing.
    const ended = await tx.update(redPackets).set({ ...set, reservedKeys: [] }).where(and(eq(redPackets.id, id), inArray(redPackets.status, from))).returning({ id: redPackets.id }).get()
    if (ended && row)
      await release(tx, row)
  })
}

/** Applies what queryworkwxredpack said; a bill WeChat Pay does not know is paid again with the same number. */
async function applyQuery(deps: RedPacketDeps, pay: WechatPayClient, row: PacketRow, outcome: QueryOutcome): Promise<void> {
  const now = deps.now()
  const { db } = deps
  await db.update(redPackets).set({ checkedAt: now }).where(eq(redPackets.id, row.id)).run()
  if (outcome.kind === 'uncertain')
    return
  if (outcome.kind === 'not_found') {
    // Never sent (a crash or a lost request before WeChat Pay saw it) or still in flight: the same bill is safe.
    if (row.status === 'sending')
      await payPacket(deps, pay, row)
    return
  }
  const set = { sentAt: row.sentAt ?? now, detailId: outcome.detailId ?? null }
  if (outcome.status === 'SENT')
    await db.update(redPackets).set({ ...set, status: 'sent', lastError: null }).where(and(eq(redPackets.id, row.id), eq(redPackets.status, 'sending'))).run()
  else if (outcome.status === 'RECEIVED')
    await db.update(redPackets).set({ ...set, status: 'received', receivedAt: now, lastError: null }).where(and(eq(redPackets.id, row.id), inArray(redPackets.status, ['sending', 'sent']))).run()
  else if (outcome.status === 'REFUND')
    await finish(db, row.id, ['sending', 'sent'], { ...set, status: 'refunded', refundedAt: now })
  else if (outcome.status === 'FAILED')
    await finish(db, row.id, ['sending', 'sent'], { status: 'failed', failedAt: now, lastError: `FAILED: ${outcome.reason ?? '微信支付发放失败'}` })
  // SENDING, RFUND_ING: not settled yet; asked again on the next run.
}

/** A sending packet younger than this is left to the request that is paying it. */
export const SETTLE_GRACE_MS = 60_000
/** How often a sent (not yet received) packet is asked about again. */
const SENT_RECHECK_MS = 10 * 60_000

/**
 * Settles every packet that is not final: queries WeChat Pay and records SENT / RECEIVED / REFUND / FAILED,
 * paying again with the same bill number when WeChat Pay does not know it. Run by the job queue.
 */
export async function settleRedPackets(deps: RedPacketDeps, options: { limit?: number } = {}): Promise<{ checked: number }> {
  const pay = requirePay(deps)
  const now = deps.now()
  const due = await deps.db.select().from(redPackets).where(or(
    and(eq(redPackets.status, 'sending'), lt(redPackets.createdAt, now - SETTLE_GRACE_MS)),
    and(eq(redPackets.status, 'sent'), or(isNull(redPackets.checkedAt), lt(redPackets.checkedAt, now - SENT_RECHECK_MS))),
  )).orderBy(asc(redPackets.id)).limit(options.limit ?? 500).all()
  for (const row of due)
    await applyQuery(deps, pay, row, await pay.queryWorkRedpack(row.mchBillno))
  return { checked: due.length }
}

async function visiblePacket(db: AsyncDbOrTx, session: Session, id: number): Promise<PacketRow> {
  const row = await db.select().from(redPackets).where(eq(redPackets.id, id)).get()
  const visible = row && (session.role === 'admin'
    || (session.role === 'guide' && row.guideUserid === session.userid)
    || (session.role === 'supervisor' && row.storeId === session.storeId))
  if (!visible)
    throw notFound(`red packet ${id} not found`)
  return row
}

/** How fresh a packet's state must be when the sidebar asks: older non-final packets are queried first. */
const READ_RECHECK_MS = 5_000

/** One packet; a non-final one is first asked about, so the guide sees what WeChat Pay says now. */
export async function getRedPacket(deps: RedPacketDeps, session: Session, id: number): Promise<RedPacketRecord> {
  const row = await visiblePacket(deps.db, session, id)
  if ((row.status === 'sending' || row.status === 'sent') && deps.pay && (row.checkedAt ?? 0) < deps.now() - READ_RECHECK_MS) {
    await applyQuery(deps, deps.pay, row, await deps.pay.queryWorkRedpack(row.mchBillno))
    return toRecord((await deps.db.select().from(redPackets).where(eq(redPackets.id, id)).get())!)
  }
  return toRecord(row)
}

/** What is left today of the guide's own allowance. */
async function guideAllowance(db: AsyncDbOrTx, userid: string, settings: RedPacketSettings, now: number): Promise<GuideAllowance> {
  const used = await db.select({ count: redPacketCounters.count, amount: redPacketCounters.amount }).from(redPacketCounters).where(eq(redPacketCounters.key, `guide:${userid}:${shanghaiDate(now)}`)).get()
  return {
    dayCount: settings.guideDayCount,
    dayFen: settings.guideDayFen,
    dayCountLeft: Math.max(0, settings.guideDayCount - (used?.count ?? 0)),
    dayFenLeft: Math.max(0, settings.guideDayFen - (used?.amount ?? 0)),
  }
}

/** The sidebar's sheet for one member: presets, reasons, the guide's allowance and the member's packets. */
export async function memberRedPackets(deps: RedPacketDeps, session: Session, memberId: number): Promise<MemberRedPackets> {
  await requireMemberAccess(deps.db, session, memberId)
  const settings = await loadSettings(deps.db)
  const packets = await deps.db.select().from(redPackets).where(eq(redPackets.memberId, memberId)).orderBy(desc(redPackets.createdAt), desc(redPackets.id)).limit(50).all()
  return {
    minFen: settings.minFen,
    maxFen: settings.maxFen,
    presetsFen: settings.presetsFen,
    reasons: settings.reasons,
    defaultWishing: settings.defaultWishing,
    allowance: await guideAllowance(deps.db, session.userid, settings, deps.now()),
    packets: packets.map(toRecord),
  }
}
