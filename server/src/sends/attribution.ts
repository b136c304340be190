// Links orders to the sends that preceded them. Rule, as declared to users: an order is credited
// to the LAST delivered product send to the same member within the attribution window before
// payment whose product matches a line of the order by SKU, SPU or category. Revenue is the
// matched lines' share of what was paid, net of refunds; cancelled and fully refunded orders
// are not conversions, and a refund after crediting takes the credit back.
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, eq, gte, inArray, isNotNull, lt, notInArray, sql } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { attributions, orderLines, orders, products, sends } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'

export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 7
const DAY_MS = 86_400_000

export interface AttributionOptions {
  now: number
  windowDays?: number
  /** Only orders paid at or after this instant are (re)considered; default: the last window + 1 day. */
  since?: number
}

export interface AttributionResult {
  attributed: number
  revoked: number
  revalued: number
}

type MatchLevel = 'sku' | 'spu' | 'category'
const levelRank: Record<MatchLevel, number> = { sku: 3, spu: 2, category: 1 }

interface LineForMatch { skuId: string, spuId: string, category: string, amount: number }

/** Which lines of an order a sent product matches, at the strongest level that matches. */
export function matchSendToLines(sent: { skuId: string, spuId: string, category: string }, lines: LineForMatch[]): { level: MatchLevel, lines: LineForMatch[] } | null {
  const bySku = lines.filter(l => l.skuId === sent.skuId)
  if (bySku.length)
    return { level: 'sku', lines: bySku }
  const bySpu = lines.filter(l => l.spuId === sent.spuId)
  if (bySpu.length)
    return { level: 'spu', lines: bySpu }
  const byCategory = lines.filter(l => l.category === sent.category)
  return byCategory.length ? { level: 'category', lines: byCategory } : null
}

/** The matched lines' share of the net paid amount (discounts and refunds pro rata). */
export function attributedRevenue(order: { totalAmount: number, paidAmount: number, refundedAmount: number }, matchedAmount: number): number {
  if (order.totalAmount <= 0)
    return 0
  return Math.max(0, Math.round((order.paidAmount - order.refundedAmount) * matchedAmount / order.totalAmount))
}

/**
 * Credits, revokes and revalues in one pass; pass a transaction (recommend/jobs.ts runAttribution does) so a
 * run is all or nothing. Portable SQL only: it runs on SQLite and PostgreSQL alike.
 */
export async function attributeOrders(db: AsyncDbOrTx, options: AttributionOptions): Promise<AttributionResult> {
  const windowMs = (options.windowDays ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS) * DAY_MS
  const since = options.since ?? options.now - windowMs - DAY_MS

  // Credit taken back from orders that were cancelled or fully refunded after crediting.
  const revoked = changes(await db.delete(attributions).where(inArray(attributions.orderId, db.select({ id: orders.id }).from(orders).where(inArray(orders.status, ['cancelled', 'refunded'])))).run())

  // Candidate (order, send) pairs: same member, send delivered inside the window before payment.
  const candidates = await db.select({
    orderId: orders.id,
    totalAmount: orders.totalAmount,
    paidAmount: orders.paidAmount,
    refundedAmount: orders.refundedAmount,
    sendId: sends.id,
    sentAt: sends.createdAt,
    skuId: products.skuId,
    spuId: products.spuId,
    category: products.category,
  }).from(orders).innerJoin(sends, and(
    eq(sends.memberId, orders.memberId),
    eq(sends.status, 'sent'),
    isNotNull(sends.skuId),
    lt(sends.createdAt, orders.paidAt),
    // Typed, else PostgreSQL cannot infer the parameter's type in `bigint - $n`.
    gte(sends.createdAt, sql`${orders.paidAt} - cast(${windowMs} as bigint)`),
  )).innerJoin(products, eq(products.skuId, sends.skuId)).where(and(
    gte(orders.paidAt, since),
    notInArray(orders.status, ['cancelled', 'refunded']),
    sql`not exists (select 1 from ${attributions} where ${qualified(attributions.orderId)} = ${qualified(orders.id)})`,
  )).orderBy(orders.id, sends.id).all()

  const byOrder = new Map<number, typeof candidates>()
  for (const c of candidates)
    byOrder.set(c.orderId, [...(byOrder.get(c.orderId) ?? []), c])

  let attributed = 0
  if (byOrder.size > 0) {
    const lines = await db.select({ orderId: orderLines.orderId, skuId: orderLines.skuId, spuId: orderLines.spuId, category: products.category, amount: orderLines.amount })
      .from(orderLines)
      .innerJoin(products, eq(products.skuId, orderLines.skuId))
      .where(inArray(orderLines.orderId, [...byOrder.keys()]))
      .orderBy(orderLines.orderId, orderLines.id)
      .all()
    const linesByOrder = new Map<number, LineForMatch[]>()
    for (const line of lines)
      linesByOrder.set(line.orderId, [...(linesByOrder.get(line.orderId) ?? []), line])

    for (const [orderId, pairs] of byOrder) {
      // Last touch: the latest matching send wins; ties on time go to the stronger match, then the later id.
      const matches = pairs
        .map(pair => ({ pair, match: matchSendToLines(pair, linesByOrder.get(orderId) ?? []) }))
        .filter((m): m is { pair: typeof pairs[number], match: NonNullable<ReturnType<typeof matchSendToLines>> } => m.match !== null)
        .sort((a, b) => b.pair.sentAt - a.pair.sentAt || levelRank[b.match.level] - levelRank[a.match.level] || b.pair.sendId - a.pair.sendId)
      const best = matches[0]
      if (!best)
        continue
      const matchedAmount = best.match.lines.reduce((sum, l) => sum + l.amount, 0)
      await db.insert(attributions).values({
        orderId,
        sendId: best.pair.sendId,
        matchLevel: best.match.level,
        matchedAmount,
        revenue: attributedRevenue(best.pair, matchedAmount),
        attributedAt: options.now,
      }).run()
      attributed++
    }
  }

  // Partial refunds after crediting lower the credited revenue (refund netting).
  // attributedRevenue in SQL; the clamp at 0 is a CASE, portable where scalar max()/greatest() are not.
  const share = sql`cast(round((${qualified(orders.paidAmount)} - ${qualified(orders.refundedAmount)}) * 1.0 * ${qualified(attributions.matchedAmount)} / ${qualified(orders.totalAmount)}) as bigint)`
  const netRevenue = sql`(select case when ${share} < 0 then 0 else ${share} end
    from ${orders} where ${qualified(orders.id)} = ${qualified(attributions.orderId)} and ${qualified(orders.totalAmount)} > 0)`
  const revalued = changes(await db.update(attributions).set({ revenue: sql`coalesce(${netRevenue}, 0)` }).where(sql`${attributions.revenue} != coalesce(${netRevenue}, 0)`).run())
  return { attributed, revoked, revalued }
}
