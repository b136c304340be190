// A guide's tag edits on their own follow relation and the corp tag tree they pick from. An edit is
// written here at once and a `tags.push` job (push.ts) brings WeCom to the same state; both commit in
// one transaction, so an accepted edit is never lost.
import type { CorpTagTree, MemberTag, MemberTagEdit } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, desc, eq, inArray } from 'drizzle-orm'
import { requireMemberAccess } from '../auth/access.ts'
import { follows, followTags, tagGroups, tags } from '../db/schema.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { badRequest, forbidden } from '../plugins/errors.ts'
import { markRecommendationsStale } from '../recommend/precomputed.ts'
import { memberTagsFor, PUSH_JOB, pushPayload } from './follow-tags.ts'

/** WeCom's prefix of rule-group ids (客户联系规则组): their tags are usable only by the app that made the group. */
export const RULE_GROUP_PREFIX = 'etRule'

type TagGroupOf<G> = G & { id: string, name: string, tags: { id: string, name: string }[] }

/** Rows of (group, tag) ordered by group, folded into groups of tags; `groupOf` adds a group's other fields. */
export function groupTagRows<R extends { groupId: string, groupName: string, id: string, name: string }, G extends object>(rows: R[], groupOf: (row: R) => G): TagGroupOf<G>[] {
  const groups: TagGroupOf<G>[] = []
  for (const r of rows) {
    let group = groups.at(-1)
    if (group?.id !== r.groupId) {
      group = { ...groupOf(r), id: r.groupId, name: r.groupName, tags: [] }
      groups.push(group)
    }
    group.tags.push({ id: r.id, name: r.name })
  }
  return groups
}

/** Live corp tag groups with their live tags, in WeCom's order (higher `order` first). Rule groups are left out. */
export async function corpTagTree(db: AsyncDbOrTx): Promise<CorpTagTree> {
  const rows = await db.select({ groupId: tagGroups.id, groupName: tagGroups.name, id: tags.id, name: tags.name })
    .from(tags)
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(eq(tagGroups.source, 'wecom'), eq(tagGroups.deleted, false), eq(tags.deleted, false)))
    .orderBy(desc(tagGroups.sortOrder), asc(tagGroups.id), desc(tags.sortOrder), asc(tags.id))
    .all()
  return { groups: groupTagRows(rows.filter(r => !r.groupId.startsWith(RULE_GROUP_PREFIX)), () => ({})) }
}

export async function listMemberTags(db: AsyncDbOrTx, session: Session, memberId: number): Promise<MemberTag[]> {
  await requireMemberAccess(db, session, memberId)
  return memberTagsFor(db, memberId, session.userid)
}

/**
 * Adds/removes corp tags on the caller's own relation with the member. Only a guide who follows the
 * member may (mark_tag is per relation); unknown, deleted or rule-group tag ids are refused by name.
 */
export async function editMemberTags(tx: AsyncDbOrTx, session: Session, memberId: number, edit: MemberTagEdit, now: number): Promise<MemberTag[]> {
  await requireMemberAccess(tx, session, memberId)
  const follow = await tx.select({ guideUserid: follows.guideUserid }).from(follows).where(and(eq(follows.memberId, memberId), eq(follows.guideUserid, session.userid), eq(follows.status, 'active'))).get()
  if (!follow)
    throw forbidden('only a guide who has this customer as a contact can tag them')
  const add = edit.add ?? []
  const remove = edit.remove ?? []
  if (add.length === 0 && remove.length === 0)
    throw badRequest('body must name tags to add or remove')
  const both = add.filter(id => remove.includes(id))
  if (both.length > 0)
    throw badRequest(`tags both added and removed: ${both.join(', ')}`)
  const ids = [...add, ...remove]
  const live = new Set((await tx.select({ id: tags.id, groupId: tagGroups.id }).from(tags).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(and(inArray(tags.id, ids), eq(tags.deleted, false), eq(tagGroups.deleted, false), eq(tagGroups.source, 'wecom'))).all())
    .filter(t => !t.groupId.startsWith(RULE_GROUP_PREFIX))
    .map(t => t.id))
  const unknown = ids.filter(id => !live.has(id))
  if (unknown.length > 0)
    throw badRequest(`not a corp tag this app can set (unknown, deleted or of a rule group): ${unknown.join(', ')}`)

  const relation = and(eq(followTags.guideUserid, session.userid), eq(followTags.memberId, memberId))
  if (remove.length > 0)
    await tx.delete(followTags).where(and(relation, inArray(followTags.tagId, remove))).run()
  if (add.length > 0)
    await tx.insert(followTags).values(add.map(tagId => ({ guideUserid: session.userid, memberId, tagId, createdAt: now }))).onConflictDoNothing().run()
  await enqueueJob(tx, now, PUSH_JOB, pushPayload(session.userid, memberId))
  await markRecommendationsStale(tx, [memberId], now)
  return memberTagsFor(tx, memberId, session.userid)
}
