// Outcomes of earlier sends, as the recommender consumes them: which products a member ignored
// (held back for a while) and how often sends of a product / for a reason turned into orders.
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, eq, gte, isNotNull, isNull, sql } from 'drizzle-orm'
import { attributions, products, sends } from '../db/schema.ts'

export interface ConversionCount {
  sends: number
  conversions: number
}

export interface FeedbackStats {
  /** Per SPU: sends of it that were delivered, and how many of them an order was attributed to. */
  bySpu: Map<string, ConversionCount>
  /** Per recommendation reason code ('manual' for hand-picked sends). */
  byReason: Map<string, ConversionCount>
  overall: ConversionCount
}

export const DEFAULT_SUPPRESS_DAYS = 14
const DAY_MS = 86_400_000

/** Delivered product sends and their attributed outcome; computed by the training job. */
export async function loadFeedbackStats(db: AsyncDbOrTx): Promise<FeedbackStats> {
  const rows = await db.select({
    spuId: products.spuId,
    reasonCode: sends.reasonCode,
    sends: sql<number>`count(*)`,
    conversions: sql<number>`count(${attributions.orderId})`,
  }).from(sends).innerJoin(products, eq(products.skuId, sends.skuId)).leftJoin(attributions, eq(attributions.sendId, sends.id)).where(and(eq(sends.status, 'sent'), isNotNull(sends.skuId))).groupBy(products.spuId, sends.reasonCode)

  const bySpu = new Map<string, ConversionCount>()
  const byReason = new Map<string, ConversionCount>()
  const overall: ConversionCount = { sends: 0, conversions: 0 }
  const add = (map: Map<string, ConversionCount>, key: string, s: number, c: number) => {
    const current = map.get(key) ?? { sends: 0, conversions: 0 }
    map.set(key, { sends: current.sends + s, conversions: current.conversions + c })
  }
  for (const row of rows) {
    add(bySpu, row.spuId, row.sends, row.conversions)
    add(byReason, row.reasonCode ?? 'manual', row.sends, row.conversions)
    overall.sends += row.sends
    overall.conversions += row.conversions
  }
  return { bySpu, byReason, overall }
}

/**
 * SPUs sent to this member within `days` that led to no attributed order: showing them again
 * so soon would nag, so the recommender holds them back until the period is over.
 * `outcomeBlind`: every SPU sent within `days`, converted or not (the bench's rotation baseline).
 */
export async function suppressedSpus(db: AsyncDbOrTx, memberId: number, now: number, days = DEFAULT_SUPPRESS_DAYS, options: { outcomeBlind?: boolean } = {}): Promise<Set<string>> {
  const rows = await db.selectDistinct({ spuId: products.spuId }).from(sends).innerJoin(products, eq(products.skuId, sends.skuId)).leftJoin(attributions, eq(attributions.sendId, sends.id)).where(and(
    eq(sends.memberId, memberId),
    eq(sends.status, 'sent'),
    gte(sends.createdAt, now - days * DAY_MS),
    options.outcomeBlind ? undefined : isNull(attributions.orderId),
  )).all()
  return new Set(rows.map(r => r.spuId))
}

/**
 * Smoothed conversion rate relative to the overall rate (1 = average). Beta prior with
 * `priorStrength` pseudo-sends at the overall rate, so a product with few sends stays near 1
 * and new products are not punished for having no history.
 */
export function conversionLift(count: ConversionCount | undefined, overall: ConversionCount, priorStrength = 20): number {
  const base = (overall.conversions + 1) / (overall.sends + 2)
  const s = count?.sends ?? 0
  const c = count?.conversions ?? 0
  return ((c + priorStrength * base) / (s + priorStrength)) / base
}
