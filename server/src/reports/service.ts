import type { ConversionReport } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, eq, gte, isNotNull, lt, sql } from 'drizzle-orm'
import { attributions, sends, staff, stores } from '../db/schema.ts'
import { forbidden } from '../plugins/errors.ts'
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../sends/attribution.ts'

/**
 * Product sends per guide, split into recommended (made from a logged recommendation) and
 * hand-picked, with how many an order was attributed to and the attributed revenue.
 * Supervisors see their store's guides, admins everyone; guides are refused.
 */
export async function conversionReport(db: AsyncDbOrTx, session: Session, range: { from: number, to: number }, windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS): Promise<ConversionReport> {
  if (session.role === 'guide')
    throw forbidden('the conversion report is for supervisors and admins')
  const inRange = and(eq(sends.status, 'sent'), isNotNull(sends.skuId), gte(sends.createdAt, range.from), lt(sends.createdAt, range.to))
  const recommended = sql`${sends.recommendationId} is not null`
  const rows = await db.select({
    guideUserid: staff.userid,
    guideName: staff.name,
    storeName: stores.name,
    recommendedSends: sql<number>`count(case when ${recommended} then ${sends.id} end)`,
    recommendedConverted: sql<number>`count(case when ${recommended} then ${attributions.orderId} end)`,
    manualSends: sql<number>`count(case when not (${recommended}) then ${sends.id} end)`,
    manualConverted: sql<number>`count(case when not (${recommended}) then ${attributions.orderId} end)`,
    attributedRevenue: sql<number>`coalesce(sum(${attributions.revenue}), 0)`,
  }).from(staff).leftJoin(stores, eq(stores.id, staff.storeId)).leftJoin(sends, and(eq(sends.guideUserid, staff.userid), inRange)).leftJoin(attributions, eq(attributions.sendId, sends.id)).where(and(
    eq(staff.role, 'guide'),
    session.role === 'supervisor' ? eq(staff.storeId, session.storeId ?? '') : undefined,
  )).groupBy(staff.userid, staff.name, stores.name).orderBy(sql`coalesce(sum(${attributions.revenue}), 0) desc`, asc(staff.userid)).all()
  return { from: range.from, to: range.to, attributionWindowDays: windowDays, rows }
}
