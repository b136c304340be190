// WeCom tags per follow relation (guide ↔ customer), as WeCom keeps them, and the member's tags as a
// guide sees them: corp tags of every relation (marked `mine` on the caller's), the caller's own personal
// tags, and computed and manual tags with their explanations.
import type { MemberTag } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { computedMemberTags, followPersonalTags, followTags, jobs, memberTags, tagGroups, tags } from '../db/schema.ts'

export const PUSH_JOB = 'tags.push'

/** The job payload of a relation's push; also how a pending push is found (payload text equality). */
export const pushPayload = (guideUserid: string, memberId: number) => ({ guideUserid, memberId })

/** Whether an edit of this relation's tags still waits to reach WeCom (a push job queued or running). */
export async function hasPendingPush(db: AsyncDbOrTx, guideUserid: string, memberId: number): Promise<boolean> {
  const row = await db.select({ id: jobs.id }).from(jobs).where(and(
    eq(jobs.name, PUSH_JOB),
    inArray(jobs.status, ['queued', 'running']),
    sql`${jobs.payload} = ${JSON.stringify(pushPayload(guideUserid, memberId))}`,
  )).limit(1).get()
  return row !== undefined
}

export interface RelationTags {
  guideUserid: string
  memberId: number
  /** Corp/rule tag ids known here: the relation's whole set. */
  tagIds: string[]
  /** The guide's personal tags; undefined leaves them as they are (the API did not report them). */
  personalTags?: { groupName: string, name: string }[]
}

/**
 * Makes one relation's WeCom tags exactly `tagIds` (and its personal tags exactly `personalTags` when
 * given). A relation whose local edit is not yet pushed keeps its corp tags: WeCom's copy is older
 * (`force`: the push job itself, settling a refused edit).
 */
export async function writeFollowTags(tx: AsyncDbOrTx, relation: RelationTags, now: number, options: { force?: boolean } = {}): Promise<void> {
  const { guideUserid, memberId } = relation
  const mine = and(eq(followTags.guideUserid, guideUserid), eq(followTags.memberId, memberId))
  if (options.force || !(await hasPendingPush(tx, guideUserid, memberId))) {
    const have = (await tx.select({ tagId: followTags.tagId }).from(followTags).where(mine).all()).map(r => r.tagId)
    const wanted = new Set(relation.tagIds)
    const stale = have.filter(id => !wanted.has(id))
    if (stale.length > 0)
      await tx.delete(followTags).where(and(mine, inArray(followTags.tagId, stale))).run()
    const fresh = [...wanted].filter(id => !have.includes(id))
    if (fresh.length > 0)
      await tx.insert(followTags).values(fresh.map(tagId => ({ guideUserid, memberId, tagId, createdAt: now }))).onConflictDoNothing().run()
  }
  if (relation.personalTags) {
    await tx.delete(followPersonalTags).where(and(eq(followPersonalTags.guideUserid, guideUserid), eq(followPersonalTags.memberId, memberId))).run()
    if (relation.personalTags.length > 0)
      await tx.insert(followPersonalTags).values(relation.personalTags.map(t => ({ guideUserid, memberId, ...t }))).onConflictDoNothing().run()
  }
}

/** Forgets the tags of relations that ended on the guide's side: WeCom drops them with the relation. */
export async function dropRelationTags(tx: AsyncDbOrTx, memberId: number, guideUserids: string[]): Promise<void> {
  if (guideUserids.length === 0)
    return
  await tx.delete(followTags).where(and(eq(followTags.memberId, memberId), inArray(followTags.guideUserid, guideUserids))).run()
  await tx.delete(followPersonalTags).where(and(eq(followPersonalTags.memberId, memberId), inArray(followPersonalTags.guideUserid, guideUserids))).run()
}

/** The corp tag ids on one relation, as stored here. */
export async function relationTagIds(db: AsyncDbOrTx, guideUserid: string, memberId: number): Promise<string[]> {
  return (await db.select({ tagId: followTags.tagId }).from(followTags).where(and(eq(followTags.guideUserid, guideUserid), eq(followTags.memberId, memberId))).orderBy(asc(followTags.tagId)).all()).map(r => r.tagId)
}

const liveTag = and(eq(tags.deleted, false), eq(tagGroups.deleted, false))

/** Which of the four reads a row of `memberTagRows` comes from; also their order in the answer. */
const CORP = 0
const PERSONAL = 1
const MANUAL = 2
const COMPUTED = 3

// The member context reads these on every sidebar open: the four kinds in one statement (one round trip
// on PostgreSQL), prepared once per handle (db/prepared.ts). Every branch selects the same columns; a
// branch's order (tag group's sort, tag's sort, tag id; personal tags by group name, name) comes from
// its sort keys, so the rows come back as the four separate reads would list them, one kind after another.
const memberTagRows = preparedPerHandle((db) => {
  const corp = db.select({
    kind: sql<number>`${sql.raw(String(CORP))}`.as('kind'),
    id: sql<string | null>`${tags.id}`.as('id'),
    name: sql<string>`${tags.name}`.as('name'),
    groupName: sql<string>`${tagGroups.name}`.as('group_name'),
    manualSource: sql<string | null>`null`.as('manual_source'),
    mine: sql<number>`max(case when ${followTags.guideUserid} = ${sql.placeholder('viewer')} then 1 else 0 end)`.as('mine'),
    explanation: sql<string | null>`null`.as('explanation'),
    groupSort: sql<number>`${tagGroups.sortOrder}`.as('group_sort'),
    tagSort: sql<number>`${tags.sortOrder}`.as('tag_sort'),
    key1: sql<string>`${tags.id}`.as('key1'),
    key2: sql<string>`''`.as('key2'),
  }).from(followTags).innerJoin(tags, eq(tags.id, followTags.tagId)).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(and(eq(followTags.memberId, sql.placeholder('memberId')), liveTag)).groupBy(tags.id, tags.name, tagGroups.name, tagGroups.sortOrder, tags.sortOrder)
  const personal = db.select({
    kind: sql<number>`${sql.raw(String(PERSONAL))}`.as('kind'),
    id: sql<string | null>`null`.as('id'),
    name: sql<string>`${followPersonalTags.name}`.as('name'),
    groupName: sql<string>`${followPersonalTags.groupName}`.as('group_name'),
    manualSource: sql<string | null>`null`.as('manual_source'),
    mine: sql<number>`1`.as('mine'),
    explanation: sql<string | null>`null`.as('explanation'),
    groupSort: sql<number>`0`.as('group_sort'),
    tagSort: sql<number>`0`.as('tag_sort'),
    key1: sql<string>`${followPersonalTags.groupName}`.as('key1'),
    key2: sql<string>`${followPersonalTags.name}`.as('key2'),
  }).from(followPersonalTags).where(and(eq(followPersonalTags.memberId, sql.placeholder('memberId')), eq(followPersonalTags.guideUserid, sql.placeholder('viewer'))))
  const manual = db.select({
    kind: sql<number>`${sql.raw(String(MANUAL))}`.as('kind'),
    id: sql<string | null>`${tags.id}`.as('id'),
    name: sql<string>`${tags.name}`.as('name'),
    groupName: sql<string>`${tagGroups.name}`.as('group_name'),
    manualSource: sql<string | null>`${memberTags.source}`.as('manual_source'),
    mine: sql<number>`0`.as('mine'),
    explanation: sql<string | null>`null`.as('explanation'),
    groupSort: sql<number>`${tagGroups.sortOrder}`.as('group_sort'),
    tagSort: sql<number>`${tags.sortOrder}`.as('tag_sort'),
    key1: sql<string>`${tags.id}`.as('key1'),
    key2: sql<string>`''`.as('key2'),
  }).from(memberTags).innerJoin(tags, eq(tags.id, memberTags.tagId)).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(and(eq(memberTags.memberId, sql.placeholder('memberId')), liveTag))
  const computed = db.select({
    kind: sql<number>`${sql.raw(String(COMPUTED))}`.as('kind'),
    id: sql<string | null>`${tags.id}`.as('id'),
    name: sql<string>`${tags.name}`.as('name'),
    groupName: sql<string>`${tagGroups.name}`.as('group_name'),
    manualSource: sql<string | null>`null`.as('manual_source'),
    mine: sql<number>`0`.as('mine'),
    explanation: sql<string | null>`${computedMemberTags.explanation}`.as('explanation'),
    groupSort: sql<number>`${tagGroups.sortOrder}`.as('group_sort'),
    tagSort: sql<number>`${tags.sortOrder}`.as('tag_sort'),
    key1: sql<string>`${tags.id}`.as('key1'),
    key2: sql<string>`''`.as('key2'),
  }).from(computedMemberTags).innerJoin(tags, eq(tags.id, computedMemberTags.tagId)).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(and(eq(computedMemberTags.memberId, sql.placeholder('memberId')), liveTag))
  return corp.unionAll(personal).unionAll(manual).unionAll(computed).orderBy(sql`"kind", "group_sort" desc, "tag_sort" desc, "key1", "key2"`).prepare()
})

/**
 * A member's tags as `viewerUserid` sees them: corp tags of all relations (each once, `mine` when on the
 * viewer's), the viewer's personal tags, manual and computed tags (with why). Deleted tags are left out.
 */
export async function memberTagsFor(db: AsyncDbOrTx, memberId: number, viewerUserid: string): Promise<MemberTag[]> {
  const rows = await memberTagRows(db).all({ memberId, viewer: viewerUserid })
  return rows.map((t): MemberTag => {
    switch (Number(t.kind)) {
      case CORP:
        return { id: t.id!, name: t.name, groupName: t.groupName, source: 'wecom', mine: Number(t.mine) === 1, explanation: null }
      case PERSONAL:
        return { id: `personal:${t.groupName}/${t.name}`, name: t.name, groupName: t.groupName, source: 'personal', mine: true, explanation: null }
      case MANUAL:
        return { id: t.id!, name: t.name, groupName: t.groupName, source: t.manualSource === 'computed' ? 'computed' : 'manual', mine: false, explanation: null }
      default:
        // Stored as JSON text (schema.ts), parsed here as the column's own mapping would.
        return { id: t.id!, name: t.name, groupName: t.groupName, source: 'computed', mine: false, explanation: JSON.parse(t.explanation!) as MemberTag['explanation'] }
    }
  })
}
