// WeCom tags per follow relation (guide ↔ customer), as WeCom keeps them, and the member's tags as a
// guide sees them: corp tags of every relation (marked `mine` on the caller's), the caller's own personal
// tags, and computed and manual tags with their explanations.
import type { MemberTag } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
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

/**
 * A member's tags as `viewerUserid` sees them: corp tags of all relations (each once, `mine` when on the
 * viewer's), the viewer's personal tags, manual and computed tags (with why). Deleted tags are left out.
 */
const liveTag = and(eq(tags.deleted, false), eq(tagGroups.deleted, false))
const tagOrder = [desc(tagGroups.sortOrder), desc(tags.sortOrder), asc(tags.id)] as const

// The member context reads these on every sidebar open: prepared once per handle (db/prepared.ts).
const corpTagsOf = preparedPerHandle(db => db.select({ id: tags.id, name: tags.name, groupName: tagGroups.name, mine: sql<number>`max(case when ${followTags.guideUserid} = ${sql.placeholder('viewer')} then 1 else 0 end)` })
  .from(followTags)
  .innerJoin(tags, eq(tags.id, followTags.tagId))
  .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
  .where(and(eq(followTags.memberId, sql.placeholder('memberId')), liveTag))
  .groupBy(tags.id, tags.name, tagGroups.name, tagGroups.sortOrder, tags.sortOrder)
  .orderBy(...tagOrder)
  .prepare())

const personalTagsOf = preparedPerHandle(db => db.select({ groupName: followPersonalTags.groupName, name: followPersonalTags.name })
  .from(followPersonalTags)
  .where(and(eq(followPersonalTags.memberId, sql.placeholder('memberId')), eq(followPersonalTags.guideUserid, sql.placeholder('viewer'))))
  .orderBy(asc(followPersonalTags.groupName), asc(followPersonalTags.name))
  .prepare())

const manualTagsOf = preparedPerHandle(db => db.select({ id: tags.id, name: tags.name, groupName: tagGroups.name, source: memberTags.source })
  .from(memberTags)
  .innerJoin(tags, eq(tags.id, memberTags.tagId))
  .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
  .where(and(eq(memberTags.memberId, sql.placeholder('memberId')), liveTag))
  .orderBy(...tagOrder)
  .prepare())

const computedTagsOf = preparedPerHandle(db => db.select({ id: tags.id, name: tags.name, groupName: tagGroups.name, explanation: computedMemberTags.explanation })
  .from(computedMemberTags)
  .innerJoin(tags, eq(tags.id, computedMemberTags.tagId))
  .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
  .where(and(eq(computedMemberTags.memberId, sql.placeholder('memberId')), liveTag))
  .orderBy(...tagOrder)
  .prepare())

export async function memberTagsFor(db: AsyncDbOrTx, memberId: number, viewerUserid: string): Promise<MemberTag[]> {
  const [corp, personal, manual, computed] = await Promise.all([
    corpTagsOf(db).all({ memberId, viewer: viewerUserid }),
    personalTagsOf(db).all({ memberId, viewer: viewerUserid }),
    manualTagsOf(db).all({ memberId }),
    computedTagsOf(db).all({ memberId }),
  ])
  return [
    ...corp.map(t => ({ id: t.id, name: t.name, groupName: t.groupName, source: 'wecom' as const, mine: Number(t.mine) === 1, explanation: null })),
    ...personal.map(t => ({ id: `personal:${t.groupName}/${t.name}`, name: t.name, groupName: t.groupName, source: 'personal' as const, mine: true, explanation: null })),
    ...manual.map(t => ({ id: t.id, name: t.name, groupName: t.groupName, source: t.source === 'computed' ? 'computed' as const : 'manual' as const, mine: false, explanation: null })),
    ...computed.map(t => ({ id: t.id, name: t.name, groupName: t.groupName, source: 'computed' as const, mine: false, explanation: t.explanation })),
  ]
}
