import type { Order, OrderPage, OrderTotals, Platform } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, asc, count, desc, eq, max, min, ne, sql, sum } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { orderLines, orders, orderUnmappedItems, products, stores } from '../db/schema.ts'

/** Keyset cursor `<paidAt>_<id>`: stable under inserts, no OFFSET scans. */
export function encodeOrderCursor(paidAt: number, id: number): string {
  return `${paidAt}_${id}`
}

function decodeOrderCursor(cursor: string): { paidAt: number, id: number } {
  const [paidAt, id] = cursor.split('_').map(Number)
  return { paidAt: paidAt ?? 0, id: id ?? 0 }
}

/**
 * One page of a member's orders newest first (`:limit` orders, after the cursor when `afterCursor`), each
 * joined with its lines in line order, and whether it has unmapped lines: one prepared statement, so the
 * orders and their lines are read together (one snapshot) and no statement is built per page size.
 */
function memberOrdersQuery(db: AsyncDbOrTx, afterCursor: boolean) {
  const page = db.select({
    id: orders.id,
    platform: orders.platform,
    orderNo: orders.orderNo,
    status: orders.status,
    totalAmount: orders.totalAmount,
    paidAmount: orders.paidAmount,
    refundedAmount: orders.refundedAmount,
    paidAt: orders.paidAt,
    storeName: sql<string | null>`${stores.name}`.as('store_name'),
    buyerId: orders.buyerId,
    hasUnmapped: sql<number>`case when exists (select 1 from ${orderUnmappedItems} where ${orderUnmappedItems.orderId} = ${orders.id}) then 1 else 0 end`.as('has_unmapped'),
  }).from(orders).leftJoin(stores, eq(stores.id, orders.storeId)).where(and(
    eq(orders.memberId, sql.placeholder('memberId')),
    afterCursor ? sql`(${orders.paidAt}, ${orders.id}) < (${sql.placeholder('paidAt')}, ${sql.placeholder('id')})` : undefined,
  )).orderBy(desc(orders.paidAt), desc(orders.id)).limit(sql.placeholder('limit')).as('page')
  return db.select({
    order: {
      id: page.id,
      platform: page.platform,
      orderNo: page.orderNo,
      status: page.status,
      totalAmount: page.totalAmount,
      paidAmount: page.paidAmount,
      refundedAmount: page.refundedAmount,
      paidAt: page.paidAt,
      storeName: page.storeName,
      buyerId: page.buyerId,
    },
    hasUnmapped: page.hasUnmapped,
    line: {
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
    },
  }).from(page).leftJoin(orderLines, eq(orderLines.orderId, page.id)).leftJoin(products, eq(products.skuId, orderLines.skuId)).orderBy(desc(page.paidAt), desc(page.id), asc(orderLines.id)).prepare()
}
const memberOrdersFirst = preparedPerHandle(db => memberOrdersQuery(db, false))
const memberOrdersAfter = preparedPerHandle(db => memberOrdersQuery(db, true))

/** The unmapped items of a member's orders between two (paidAt, id) positions, i.e. of one page. */
const unmappedLinesBetween = preparedPerHandle(db => db.select({
  orderId: orderUnmappedItems.orderId,
  outerId: orderUnmappedItems.outerId,
  title: orderUnmappedItems.title,
  quantity: orderUnmappedItems.quantity,
  unitPrice: orderUnmappedItems.unitPrice,
  amount: orderUnmappedItems.amount,
}).from(orderUnmappedItems).innerJoin(orders, eq(orders.id, orderUnmappedItems.orderId)).where(and(
  eq(orders.memberId, sql.placeholder('memberId')),
  sql`(${orders.paidAt}, ${orders.id}) <= (${sql.placeholder('firstPaidAt')}, ${sql.placeholder('firstId')})`,
  sql`(${orders.paidAt}, ${orders.id}) >= (${sql.placeholder('lastPaidAt')}, ${sql.placeholder('lastId')})`,
)).orderBy(asc(orderUnmappedItems.id)).prepare())

const totalsByPlatform = preparedPerHandle(db => db.select({
  platform: orders.platform,
  orderCount: count(),
  netAmount: sum(sql`${orders.paidAmount} - ${orders.refundedAmount}`).mapWith(Number),
  firstPaidAt: min(orders.paidAt),
  lastPaidAt: max(orders.paidAt),
}).from(orders).where(and(eq(orders.memberId, sql.placeholder('memberId')), ne(orders.status, 'cancelled'))).groupBy(orders.platform).prepare())

/** A member's orders from every platform, newest first, with line items (catalog products and unmapped ones). */
export async function listMemberOrders(db: AsyncDbOrTx, memberId: number, options: { cursor?: string, limit: number }): Promise<OrderPage> {
  // The page plus one order, to know whether there is a next page.
  const rows = options.cursor
    ? await memberOrdersAfter(db).all({ memberId, limit: options.limit + 1, ...decodeOrderCursor(options.cursor) })
    : await memberOrdersFirst(db).all({ memberId, limit: options.limit + 1 })

  const result: Order[] = []
  let hasMore = false
  let current: Order | undefined
  let anyUnmapped = false
  for (const { order, hasUnmapped, line } of rows) {
    if (current?.id !== order.id) {
      if (result.length === options.limit) {
        hasMore = true
        break
      }
      current = { ...order, lines: [], unmappedLines: [] }
      result.push(current)
      anyUnmapped ||= Number(hasUnmapped) === 1
    }
    // An order without lines comes back once with every line column null (left join). A line's product
    // exists (foreign key), so its columns are as non-null as the schema says; the row type cannot know.
    if (line.skuId !== null)
      current.lines.push(line as Order['lines'][number])
  }
  const first = result[0]
  const last = result.at(-1)
  // Most pages have no unmapped line (the page says so per order): no second read for them.
  if (first && last && anyUnmapped) {
    const byOrder = new Map(result.map(o => [o.id, o]))
    for (const { orderId, ...line } of await unmappedLinesBetween(db).all({ memberId, firstPaidAt: first.paidAt, firstId: first.id, lastPaidAt: last.paidAt, lastId: last.id }))
      byOrder.get(orderId)?.unmappedLines.push(line)
  }
  return {
    orders: result,
    nextCursor: hasMore && last ? encodeOrderCursor(last.paidAt, last.id) : null,
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
