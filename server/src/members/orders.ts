import type { Order, OrderPage, OrderTotals, Platform } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, asc, count, desc, eq, inArray, max, min, ne, sql, sum } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { orderLines, orders, products, stores } from '../db/schema.ts'

/** Keyset cursor `<paidAt>_<id>`: stable under inserts, no OFFSET scans. */
export function encodeOrderCursor(paidAt: number, id: number): string {
  return `${paidAt}_${id}`
}

function decodeOrderCursor(cursor: string): { paidAt: number, id: number } {
  const [paidAt, id] = cursor.split('_').map(Number)
  return { paidAt: paidAt ?? 0, id: id ?? 0 }
}

function memberOrdersQuery(db: AsyncDbOrTx, afterCursor: boolean) {
  return db.select({
    id: orders.id,
    platform: orders.platform,
    orderNo: orders.orderNo,
    status: orders.status,
    totalAmount: orders.totalAmount,
    paidAmount: orders.paidAmount,
    refundedAmount: orders.refundedAmount,
    paidAt: orders.paidAt,
    storeName: stores.name,
    buyerId: orders.buyerId,
  }).from(orders).leftJoin(stores, eq(stores.id, orders.storeId)).where(and(
    eq(orders.memberId, sql.placeholder('memberId')),
    afterCursor ? sql`(${orders.paidAt}, ${orders.id}) < (${sql.placeholder('paidAt')}, ${sql.placeholder('id')})` : undefined,
  )).orderBy(desc(orders.paidAt), desc(orders.id)).limit(sql.placeholder('limit')).prepare()
}
const memberOrdersFirst = preparedPerHandle(db => memberOrdersQuery(db, false))
const memberOrdersAfter = preparedPerHandle(db => memberOrdersQuery(db, true))

const totalsByPlatform = preparedPerHandle(db => db.select({
  platform: orders.platform,
  orderCount: count(),
  netAmount: sum(sql`${orders.paidAmount} - ${orders.refundedAmount}`).mapWith(Number),
  firstPaidAt: min(orders.paidAt),
  lastPaidAt: max(orders.paidAt),
}).from(orders).where(and(eq(orders.memberId, sql.placeholder('memberId')), ne(orders.status, 'cancelled'))).groupBy(orders.platform).prepare())

/** A member's orders from every platform, newest first, with line items. */
export async function listMemberOrders(db: AsyncDbOrTx, memberId: number, options: { cursor?: string, limit: number }): Promise<OrderPage> {
  const rows = options.cursor
    ? await memberOrdersAfter(db).all({ memberId, limit: options.limit + 1, ...decodeOrderCursor(options.cursor) })
    : await memberOrdersFirst(db).all({ memberId, limit: options.limit + 1 })

  const page = rows.slice(0, options.limit)
  const lines = page.length === 0
    ? []
    : await db.select({
        orderId: orderLines.orderId,
        skuId: orderLines.skuId,
        spuId: orderLines.spuId,
        name: products.name,
        categoryPath: products.categoryPath,
        color: products.color,
        size: products.size,
        quantity: orderLines.quantity,
        unitPrice: orderLines.unitPrice,
        amount: orderLines.amount,
        imageUrl: products.imageUrl,
        linkUrl: products.linkUrl,
      }).from(orderLines).innerJoin(products, eq(products.skuId, orderLines.skuId)).where(inArray(orderLines.orderId, page.map(o => o.id))).orderBy(asc(orderLines.id)).all()

  const linesByOrder = new Map<number, typeof lines>()
  for (const line of lines)
    linesByOrder.set(line.orderId, [...(linesByOrder.get(line.orderId) ?? []), line])
  const result: Order[] = page.map(order => ({
    ...order,
    lines: (linesByOrder.get(order.id) ?? []).map(({ orderId: _orderId, ...line }) => line),
  }))
  const last = page.at(-1)
  return {
    orders: result,
    nextCursor: rows.length > options.limit && last ? encodeOrderCursor(last.paidAt, last.id) : null,
  }
}

/** Order count and net spend (paid − refunded, cancelled excluded), overall and per platform. */
export async function memberOrderTotals(db: AsyncDbOrTx, memberId: number): Promise<OrderTotals> {
  const rows = await totalsByPlatform(db).all({ memberId })
  const byPlatform = rows
    .map(r => ({ platform: r.platform as Platform, orderCount: r.orderCount, netAmount: r.netAmount ?? 0 }))
    .sort((a, b) => b.netAmount - a.netAmount)
  const firsts = rows.map(r => r.firstPaidAt).filter((v): v is number => v !== null)
  const lasts = rows.map(r => r.lastPaidAt).filter((v): v is number => v !== null)
  return {
    orderCount: byPlatform.reduce((n, r) => n + r.orderCount, 0),
    netAmount: byPlatform.reduce((n, r) => n + r.netAmount, 0),
    firstPaidAt: firsts.length ? Math.min(...firsts) : null,
    lastPaidAt: lasts.length ? Math.max(...lasts) : null,
    byPlatform,
  }
}
