// Segments: members that carry every chosen tag and match every chosen fact, counted and sampled within
// what the caller may see (auth/access.ts: a supervisor their stores' members, an admin everyone).
import type { SavedSegment, SegmentDefinition, SegmentOptions, SegmentPreview } from '@scrm/shared'
import type { SQL } from 'drizzle-orm'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
import { memberListScope } from '../auth/access.ts'
import { computedMemberTags, follows, followTags, members, memberTags, orders, segments, staff, stores, tagGroups, tags } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { DAY_MS } from '../lib/china-time.ts'
import { badRequest, forbidden, notFound } from '../plugins/errors.ts'
import { groupTagRows } from '../tags/service.ts'

const SAMPLE = 20

/** Segments are for managers; a guide works from the sidebar. */
function requireManager(session: Session): void {
  if (session.role !== 'admin' && session.role !== 'supervisor')
    throw forbidden('segments are for supervisors and admins')
}

/** A member's lifetime net spend, 分 (paid − refunded, orders not cancelled), as a subquery on `members`. */
export const spent = sql<number>`(select coalesce(sum(${qualified(orders.paidAmount)} - ${qualified(orders.refundedAmount)}), 0) from ${orders} where ${qualified(orders.memberId)} = ${qualified(members.id)} and ${qualified(orders.status)} != 'cancelled')`
const lastPaidAt = sql<number | null>`(select max(${qualified(orders.paidAt)}) from ${orders} where ${qualified(orders.memberId)} = ${qualified(members.id)} and ${qualified(orders.status)} != 'cancelled' and ${qualified(orders.paidAmount)} - ${qualified(orders.refundedAmount)} > 0)`

function hasTag(tagId: string): SQL {
  const m = qualified(members.id)
  return sql`(exists (select 1 from ${computedMemberTags} where ${qualified(computedMemberTags.memberId)} = ${m} and ${qualified(computedMemberTags.tagId)} = ${tagId})
    or exists (select 1 from ${followTags} where ${qualified(followTags.memberId)} = ${m} and ${qualified(followTags.tagId)} = ${tagId})
    or exists (select 1 from ${memberTags} where ${qualified(memberTags.memberId)} = ${m} and ${qualified(memberTags.tagId)} = ${tagId}))`
}

/** Validates a definition against the data and the caller, naming what is wrong; returns the WHERE. */
async function whereOf(db: AsyncDbOrTx, session: Session, d: SegmentDefinition, now: number): Promise<SQL | undefined> {
  requireManager(session)
  if (d.minSpentFen !== undefined && d.maxSpentFen !== undefined && d.minSpentFen > d.maxSpentFen)
    throw badRequest('minSpentFen is greater than maxSpentFen')
  if (d.minDaysSincePurchase !== undefined && d.maxDaysSincePurchase !== undefined && d.minDaysSincePurchase > d.maxDaysSincePurchase)
    throw badRequest('minDaysSincePurchase is greater than maxDaysSincePurchase')
  const tagIds = d.tagIds ?? []
  if (tagIds.length > 0) {
    const known = new Set((await db.select({ id: tags.id }).from(tags).where(and(inArray(tags.id, tagIds), eq(tags.deleted, false))).all()).map(t => t.id))
    const unknown = tagIds.filter(id => !known.has(id))
    if (unknown.length > 0)
      throw badRequest(`unknown tags: ${unknown.join(', ')}`)
  }
  const storeIds = d.storeIds ?? []
  if (storeIds.length > 0) {
    const known = new Set((await db.select({ id: stores.id }).from(stores).where(inArray(stores.id, storeIds)).all()).map(s => s.id))
    const unknown = storeIds.filter(id => !known.has(id))
    if (unknown.length > 0)
      throw badRequest(`unknown stores: ${unknown.join(', ')}`)
    if (session.role === 'supervisor' && storeIds.some(id => id !== session.storeId))
      throw forbidden('a supervisor can only segment their own store')
  }
  return and(
    memberListScope(session, members.id),
    ...tagIds.map(hasTag),
    d.minSpentFen !== undefined ? sql`${spent} >= ${d.minSpentFen}` : undefined,
    d.maxSpentFen !== undefined ? sql`${spent} <= ${d.maxSpentFen}` : undefined,
    // Days since the last purchase ≥ n: bought nothing after now − n days (and bought at all).
    d.minDaysSincePurchase !== undefined ? sql`${lastPaidAt} <= ${now - d.minDaysSincePurchase * DAY_MS}` : undefined,
    d.maxDaysSincePurchase !== undefined ? sql`${lastPaidAt} >= ${now - d.maxDaysSincePurchase * DAY_MS}` : undefined,
    storeIds.length > 0
      ? sql`exists (select 1 from ${follows} join ${staff} on ${qualified(staff.userid)} = ${qualified(follows.guideUserid)} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.status)} = 'active' and ${inArray(staff.storeId, storeIds)})`
      : undefined,
  )
}

async function sizeOf(db: AsyncDbOrTx, where: SQL | undefined): Promise<number> {
  return Number((await db.select({ n: sql<number>`count(*)` }).from(members).where(where).get())?.n ?? 0)
}

export async function previewSegment(db: AsyncDbOrTx, session: Session, d: SegmentDefinition, now: number): Promise<SegmentPreview> {
  const where = await whereOf(db, session, d, now)
  const [size, sample] = await Promise.all([
    sizeOf(db, where),
    db.select({ memberId: members.id, name: members.name, externalUserid: members.externalUserid, spentFen: spent, lastPaidAt })
      .from(members)
      .where(where)
      .orderBy(desc(spent), asc(members.id))
      .limit(SAMPLE)
      .all(),
  ])
  return { size, sample: sample.map(s => ({ ...s, spentFen: Number(s.spentFen), lastPaidAt: s.lastPaidAt === null ? null : Number(s.lastPaidAt) })) }
}

/** Tags to build from (corp groups, then computed) and the stores the caller may pick. */
export async function segmentOptions(db: AsyncDbOrTx, session: Session): Promise<SegmentOptions> {
  requireManager(session)
  const rows = await db.select({ groupId: tagGroups.id, groupName: tagGroups.name, source: tagGroups.source, id: tags.id, name: tags.name })
    .from(tags)
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(eq(tags.deleted, false), eq(tagGroups.deleted, false)))
    .orderBy(desc(tagGroups.sortOrder), asc(tagGroups.id), desc(tags.sortOrder), asc(tags.id))
    .all()
  const storeRows = await db.select({ id: stores.id, name: stores.name }).from(stores).where(session.role === 'supervisor' ? eq(stores.id, session.storeId ?? '') : undefined).orderBy(asc(stores.id)).all()
  return { tagGroups: groupTagRows(rows, r => ({ source: r.source })), stores: storeRows }
}

/** A supervisor sees the segments saved for their store; an admin sees all. */
const visibleSegments = (session: Session) => session.role === 'admin' ? undefined : eq(segments.storeId, session.storeId ?? '')

/** Saves a definition (written on `db`) and counts its members on `heavyReads`. */
export async function saveSegment(db: AsyncDbOrTx, heavyReads: AsyncDbOrTx, session: Session, name: string, d: SegmentDefinition, now: number): Promise<SavedSegment> {
  const where = await whereOf(db, session, d, now)
  const row = (await db.insert(segments).values({ name: name.trim(), definition: d, createdBy: session.userid, storeId: session.role === 'supervisor' ? session.storeId : null, createdAt: now }).returning().get())!
  return { id: row.id, name: row.name, definition: row.definition, createdBy: row.createdBy, createdAt: row.createdAt, size: await sizeOf(heavyReads, where) }
}

export async function listSegments(db: AsyncDbOrTx, session: Session, now: number): Promise<SavedSegment[]> {
  requireManager(session)
  const rows = await db.select().from(segments).where(visibleSegments(session)).orderBy(desc(segments.createdAt), desc(segments.id)).all()
  const out: SavedSegment[] = []
  for (const row of rows) {
    // A definition saved earlier may name a tag deleted since: it then matches nobody rather than failing.
    const where = await whereOf(db, session, row.definition, now).catch(() => sql`1 = 0`)
    out.push({ id: row.id, name: row.name, definition: row.definition, createdBy: row.createdBy, createdAt: row.createdAt, size: await sizeOf(db, where) })
  }
  return out
}

export async function deleteSegment(db: AsyncDbOrTx, session: Session, id: number): Promise<void> {
  requireManager(session)
  const row = await db.select({ id: segments.id }).from(segments).where(and(eq(segments.id, id), visibleSegments(session))).get()
  if (!row)
    throw notFound(`segment ${id} not found`)
  await db.delete(segments).where(eq(segments.id, id)).run()
}
