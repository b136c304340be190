// Contact sync: WeCom is the source of truth for who follows whom, follow remarks and corp tags.
// - syncExternalContact: one customer, re-fetched with externalcontact/get (callbacks, §3.5).
// - syncCorpTags: the corp tag tree (get_corp_tag_list, §2.5).
// - syncAllContacts: every customer of every known guide (batch/get_by_user, §2.4): fills an
//   empty database on first install and repairs drift later.
// What each callback event does is in events.ts, which calls these.
//
// Rules shared by all paths:
// - A member is found by external_userid, else by unionid (then linked), else created.
// - Only follow users that are known staff become follows (follows.guide_userid references staff).
// - A follow the customer deleted (deleted_by_member) stays so while WeCom reports the same
//   createtime (the one-way relation remains on the guide's side); a new createtime or an add
//   event for that guide re-activates it.
// - WeCom tags are kept per follow relation, as WeCom keeps them (tags/follow-tags.ts): corp/rule tags
//   (type 1/3) by id, the guide's personal tags (type 2) by name; manual and computed tags are never touched.
//   A relation with a tag edit still waiting to be pushed keeps its local tags (the push job reconciles).

import type { AsyncDbOrTx } from '../db/port.ts'
import type { WecomClient } from '../wecom/client.ts'
import type { CorpTagGroup, ExternalContactProfile } from '../wecom/types.ts'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { follows, members, staff, stores, tagGroups, tags } from '../db/schema.ts'
import { dropRelationTags, writeFollowTags } from '../tags/follow-tags.ts'

export type ContactSyncClient = Pick<WecomClient, 'getExternalContact' | 'getCorpTagList' | 'iterateBatchGetByUser' | 'getFollowUserList'>

type FollowStatus = typeof follows.$inferSelect['status']

/** One follow relation as both WeCom APIs describe it, normalised. */
interface FollowFacts {
  userid: string
  remark: string
  description: string
  /** ms */
  addedAt: number
  addWay: number
  state: string | null
  /** Corp and rule-group tag ids (type 1/3). */
  tagIds: string[]
  /** Personal tags (type 2); undefined when the API does not report them (batch/get_by_user). */
  personalTags?: { groupName: string, name: string }[]
}

interface SyncContext {
  staffStore: Map<string, string | null>
  storeIds: Set<string>
}

async function loadContext(db: AsyncDbOrTx): Promise<SyncContext> {
  const staffRows = await db.select({ userid: staff.userid, storeId: staff.storeId }).from(staff).all()
  const storeRows = await db.select({ id: stores.id }).from(stores).all()
  return { staffStore: new Map(staffRows.map(s => [s.userid, s.storeId])), storeIds: new Set(storeRows.map(s => s.id)) }
}

async function loadTagIds(db: AsyncDbOrTx): Promise<Set<string>> {
  return new Set((await db.select({ id: tags.id }).from(tags).all()).map(t => t.id))
}

/** The store a new member belongs to: the 「联系我」 state (`…_S01`) when it names a store, else the guide's store. */
function homeStoreOf(ctx: SyncContext, follow: FollowFacts | undefined): string | null {
  if (!follow)
    return null
  const fromState = follow.state?.split('_').pop()
  if (fromState && ctx.storeIds.has(fromState))
    return fromState
  return ctx.staffStore.get(follow.userid) ?? null
}

interface MemberUpsert {
  id: number
  created: boolean
  linked: boolean
}

async function upsertMember(tx: AsyncDbOrTx, ctx: SyncContext, profile: ExternalContactProfile, firstFollow: FollowFacts | undefined, now: number): Promise<MemberUpsert> {
  const unionid = profile.unionid || null
  const avatar = profile.avatar || null
  const byExternal = await tx.select({ id: members.id, unionid: members.unionid, avatar: members.avatar, gender: members.gender })
    .from(members)
    .where(eq(members.externalUserid, profile.external_userid))
    .get()
  if (byExternal) {
    const patch: Partial<typeof members.$inferInsert> = {}
    if (avatar && avatar !== byExternal.avatar)
      patch.avatar = avatar
    if (byExternal.gender === 0 && profile.gender)
      patch.gender = profile.gender
    if (!byExternal.unionid && unionid && !(await tx.select({ id: members.id }).from(members).where(eq(members.unionid, unionid)).get()))
      patch.unionid = unionid
    if (Object.keys(patch).length > 0)
      await tx.update(members).set(patch).where(eq(members.id, byExternal.id)).run()
    return { id: byExternal.id, created: false, linked: false }
  }
  if (unionid) {
    const byUnion = await tx.select({ id: members.id, avatar: members.avatar }).from(members).where(eq(members.unionid, unionid)).get()
    if (byUnion) {
      await tx.update(members).set({ externalUserid: profile.external_userid, ...(avatar ? { avatar } : {}) }).where(eq(members.id, byUnion.id)).run()
      return { id: byUnion.id, created: false, linked: true }
    }
  }
  const row = (await tx.insert(members).values({
    externalUserid: profile.external_userid,
    unionid,
    name: profile.name || profile.external_userid,
    avatar,
    gender: profile.gender ?? 0,
    homeStoreId: homeStoreOf(ctx, firstFollow),
    createdAt: now,
  }).returning({ id: members.id }).get())!
  return { id: row.id, created: true, linked: false }
}

/** Upserts a follow; keeps deleted_by_member for the same createtime unless `reactivate`. */
async function upsertFollow(tx: AsyncDbOrTx, memberId: number, f: FollowFacts, reactivate: boolean): Promise<void> {
  const status = reactivate
    ? sql`'active'`
    : sql`case when ${follows.status} = 'deleted_by_member' and ${follows.addedAt} = excluded.added_at then 'deleted_by_member' else 'active' end`
  await tx.insert(follows).values({
    guideUserid: f.userid,
    memberId,
    remark: f.remark,
    description: f.description,
    addedAt: f.addedAt,
    addWay: f.addWay,
    state: f.state,
    status: 'active',
  }).onConflictDoUpdate({
    target: [follows.guideUserid, follows.memberId],
    set: { remark: f.remark, description: f.description, addedAt: f.addedAt, addWay: f.addWay, state: f.state, status },
  }).run()
}

/**
 * The guide deleted the customer (or WeCom no longer reports the relation): the follow stays as history,
 * its tags end with it (a relation added again starts from what WeCom then reports).
 */
async function endFollows(tx: AsyncDbOrTx, memberId: number, guideUserids: string[]): Promise<void> {
  if (guideUserids.length === 0)
    return
  await tx.update(follows).set({ status: 'deleted_by_guide' }).where(and(eq(follows.memberId, memberId), inArray(follows.guideUserid, guideUserids))).run()
  await dropRelationTags(tx, memberId, guideUserids)
}

// ------------------------------------------------------------------------------------ corp tags

export interface CorpTagSyncResult {
  groups: number
  tags: number
  deletedGroups: number
  deletedTags: number
}

async function applyCorpTags(tx: AsyncDbOrTx, groups: CorpTagGroup[]): Promise<CorpTagSyncResult> {
  const liveGroups = new Set<string>()
  const liveTags = new Set<string>()
  for (const g of groups) {
    if (g.deleted)
      continue
    liveGroups.add(g.group_id)
    await tx.insert(tagGroups).values({ id: g.group_id, name: g.group_name, sortOrder: g.order ?? 0, source: 'wecom', deleted: false, createdAt: (g.create_time ?? 0) * 1000 }).onConflictDoUpdate({ target: tagGroups.id, set: { name: g.group_name, sortOrder: g.order ?? 0, deleted: false } }).run()
    for (const t of g.tag ?? []) {
      if (t.deleted)
        continue
      liveTags.add(t.id)
      await tx.insert(tags).values({ id: t.id, groupId: g.group_id, name: t.name, sortOrder: t.order ?? 0, deleted: false, createdAt: (t.create_time ?? 0) * 1000 }).onConflictDoUpdate({ target: tags.id, set: { groupId: g.group_id, name: t.name, sortOrder: t.order ?? 0, deleted: false } }).run()
    }
  }
  let deletedGroups = 0
  let deletedTags = 0
  const ourGroups = await tx.select({ id: tagGroups.id, deleted: tagGroups.deleted }).from(tagGroups).where(eq(tagGroups.source, 'wecom')).all()
  for (const g of ourGroups) {
    if (!g.deleted && !liveGroups.has(g.id)) {
      await tx.update(tagGroups).set({ deleted: true }).where(eq(tagGroups.id, g.id)).run()
      deletedGroups++
    }
  }
  const ourTags = await tx.select({ id: tags.id, deleted: tags.deleted }).from(tags).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(eq(tagGroups.source, 'wecom')).all()
  for (const t of ourTags) {
    if (!t.deleted && !liveTags.has(t.id)) {
      await tx.update(tags).set({ deleted: true }).where(eq(tags.id, t.id)).run()
      deletedTags++
    }
  }
  return { groups: liveGroups.size, tags: liveTags.size, deletedGroups, deletedTags }
}

/** Mirrors the corp tag tree: upserts groups/tags (source 'wecom'), marks the ones WeCom no longer lists deleted. */
export async function syncCorpTags(db: AsyncDbOrTx, wecom: Pick<ContactSyncClient, 'getCorpTagList'>): Promise<CorpTagSyncResult> {
  const groups = await wecom.getCorpTagList()
  return db.transaction(async tx => applyCorpTags(tx, groups))
}

// ------------------------------------------------------------------------------ one contact

export interface ContactSyncResult {
  memberId: number
  created: boolean
  linked: boolean
  /** Follows of known staff written from follow_user. */
  follows: number
  /** Known-staff follows no longer in follow_user, now deleted_by_guide. */
  removedFollows: number
  /** Corp/rule tags on this customer's follows of known staff (a tag on two follows counts twice). */
  tags: number
  /** The corp tag tree was re-synced because a tag id was unknown. */
  syncedCorpTags: boolean
}

const isCorpTagType = (type: number) => type === 1 || type === 3

/**
 * Re-fetches one customer (all follow_user pages) and writes member, follows and WeCom tags in
 * one transaction. `reactivate` (the UserID of an add event) re-activates that guide's follow
 * even if the customer had deleted the guide before.
 */
export async function syncExternalContact(
  db: AsyncDbOrTx,
  wecom: Pick<ContactSyncClient, 'getExternalContact' | 'getCorpTagList'>,
  externalUserid: string,
  now: number = Date.now(),
  options: { reactivate?: string } = {},
): Promise<ContactSyncResult> {
  const detail = await wecom.getExternalContact(externalUserid)
  const facts: FollowFacts[] = detail.follow_user.map(f => ({
    userid: f.userid,
    remark: f.remark ?? '',
    description: f.description ?? '',
    addedAt: f.createtime * 1000,
    addWay: f.add_way ?? 0,
    state: f.state || null,
    tagIds: (f.tags ?? []).filter(t => isCorpTagType(t.type) && t.tag_id).map(t => t.tag_id!),
    personalTags: (f.tags ?? []).filter(t => t.type === 2).map(t => ({ groupName: t.group_name ?? '', name: t.tag_name })),
  }))
  let syncedCorpTags = false
  const known = await loadTagIds(db)
  if (facts.some(f => f.tagIds.some(id => !known.has(id)))) {
    await syncCorpTags(db, wecom)
    syncedCorpTags = true
  }

  return db.transaction(async (tx) => {
    const ctx = await loadContext(tx)
    const tagIds = await loadTagIds(tx)
    const mine = facts.filter(f => ctx.staffStore.has(f.userid)).sort((a, b) => a.addedAt - b.addedAt)
    const member = await upsertMember(tx, ctx, detail.external_contact, mine[0], now)
    for (const f of mine)
      await upsertFollow(tx, member.id, f, f.userid === options.reactivate)

    const present = new Set(mine.map(f => f.userid))
    const active = await tx.select({ guideUserid: follows.guideUserid }).from(follows).where(and(eq(follows.memberId, member.id), eq(follows.status, 'active'))).all()
    const gone = active.map(f => f.guideUserid).filter(u => !present.has(u))
    await endFollows(tx, member.id, gone)

    let tagCount = 0
    for (const f of mine) {
      const ids = f.tagIds.filter(id => tagIds.has(id))
      await writeFollowTags(tx, { guideUserid: f.userid, memberId: member.id, tagIds: ids, personalTags: f.personalTags }, now)
      tagCount += ids.length
    }
    return { memberId: member.id, created: member.created, linked: member.linked, follows: mine.length, removedFollows: gone.length, tags: tagCount, syncedCorpTags }
  })
}

/** Sets one guide↔customer follow's status (deleted_by_guide also ends its tags); false when member or follow is unknown here. */
export async function setFollowStatus(db: AsyncDbOrTx, guideUserid: string, externalUserid: string, status: FollowStatus): Promise<boolean> {
  const member = await db.select({ id: members.id }).from(members).where(eq(members.externalUserid, externalUserid)).get()
  if (!member)
    return false
  const updated = changes(await db.update(follows).set({ status }).where(and(eq(follows.memberId, member.id), eq(follows.guideUserid, guideUserid))).run()) > 0
  if (updated && status === 'deleted_by_guide')
    await dropRelationTags(db, member.id, [guideUserid])
  return updated
}

// ------------------------------------------------------------------------------ full sync

export interface SyncProgress {
  phase: 'tags' | 'contacts' | 'cleanup' | 'done'
  guides: number
  pages: number
  /** Customer↔guide pairs read so far. */
  relations: number
}

export interface SyncAllResult {
  tagGroups: number
  tags: number
  /** Userids whose customers were read. */
  guides: number
  pages: number
  relations: number
  members: { seen: number, created: number, linked: number }
  follows: { written: number, removed: number }
  /** Guides WeCom did not answer for (no interop licence, 互通账号): their follows were left as they were. */
  unlicensedGuides: string[]
  /** Corp/rule tags on the synced follow relations (one per relation and tag). */
  memberTags: number
  durationMs: number
}

/**
 * Reads every customer of every known guide (plus known staff in get_follow_user_list) with
 * batch/get_by_user and writes members, follows and each relation's WeCom tags (exact per relation),
 * one transaction per page. After the last page, active follows of the synced guides
 * that WeCom no longer reported (and that predate this run) become deleted_by_guide — except
 * for guides WeCom reported as unlicensed (fail_info / 701008), whose follows stay. An error
 * aborts before that cleanup; re-running is safe (everything is an upsert).
 */
export async function syncAllContacts(
  db: AsyncDbOrTx,
  wecom: ContactSyncClient,
  options: { onProgress?: (p: SyncProgress) => void, now?: () => number, limit?: number } = {},
): Promise<SyncAllResult> {
  const now = options.now ?? Date.now
  const startedAt = now()
  const progress: SyncProgress = { phase: 'tags', guides: 0, pages: 0, relations: 0 }
  options.onProgress?.({ ...progress })
  const tagResult = await syncCorpTags(db, wecom)

  const ctx = await loadContext(db)
  const guides = (await db.select({ userid: staff.userid }).from(staff).where(eq(staff.role, 'guide')).all()).map(s => s.userid)
  const followUsers = (await wecom.getFollowUserList()).filter(u => ctx.staffStore.has(u))
  const userids = [...new Set([...guides, ...followUsers])].sort()
  progress.phase = 'contacts'
  progress.guides = userids.length
  options.onProgress?.({ ...progress })

  let knownTags = await loadTagIds(db)
  let resyncedTags = false
  const seenFollows = new Set<string>()
  const seenMembers = new Set<number>()
  let relationTags = 0
  const counts = { created: 0, linked: 0, follows: 0 }

  const unlicensed = new Set<string>()
  for await (const { contacts: page, unlicensedUserids } of wecom.iterateBatchGetByUser(userids, { limit: options.limit ?? 100 })) {
    unlicensedUserids.forEach(u => unlicensed.add(u))
    if (!resyncedTags && page.some(c => (c.follow_info.tag_id ?? []).some(id => !knownTags.has(id)))) {
      await syncCorpTags(db, wecom) // a tag created since the first tag sync
      knownTags = await loadTagIds(db)
      resyncedTags = true
    }
    const at = now()
    await db.transaction(async (tx) => {
      for (const { external_contact: profile, follow_info: info } of page) {
        if (!ctx.staffStore.has(info.userid))
          continue
        const f: FollowFacts = {
          userid: info.userid,
          remark: info.remark ?? '',
          description: info.description ?? '',
          addedAt: info.createtime * 1000,
          addWay: info.add_way ?? 0,
          state: info.state || null,
          tagIds: info.tag_id ?? [],
        }
        const member = await upsertMember(tx, ctx, profile, f, at)
        if (member.created)
          counts.created++
        if (member.linked)
          counts.linked++
        await upsertFollow(tx, member.id, f, false)
        counts.follows++
        seenFollows.add(`${f.userid}|${member.id}`)
        seenMembers.add(member.id)
        const ids = f.tagIds.filter(id => knownTags.has(id))
        // get_by_user lists a relation's whole corp-tag set, so it is exact for that relation.
        await writeFollowTags(tx, { guideUserid: f.userid, memberId: member.id, tagIds: ids }, at)
        relationTags += ids.length
      }
    })
    progress.pages++
    progress.relations += page.length
    options.onProgress?.({ ...progress })
  }

  progress.phase = 'cleanup'
  options.onProgress?.({ ...progress })
  // A guide without an interop licence was not answered for: their follows are unknown, not gone.
  const synced = new Set(userids.filter(u => !unlicensed.has(u)))
  let removed = 0
  await db.transaction(async (tx) => {
    const active = await tx.select({ guideUserid: follows.guideUserid, memberId: follows.memberId, addedAt: follows.addedAt }).from(follows).where(eq(follows.status, 'active')).all()
    for (const f of active) {
      if (synced.has(f.guideUserid) && f.addedAt < startedAt && !seenFollows.has(`${f.guideUserid}|${f.memberId}`)) {
        await endFollows(tx, f.memberId, [f.guideUserid])
        removed++
      }
    }
  })
  progress.phase = 'done'
  options.onProgress?.({ ...progress })
  return {
    tagGroups: tagResult.groups,
    tags: tagResult.tags,
    guides: userids.length,
    pages: progress.pages,
    relations: progress.relations,
    members: { seen: seenMembers.size, created: counts.created, linked: counts.linked },
    follows: { written: counts.follows, removed },
    unlicensedGuides: [...unlicensed].sort(),
    memberTags: relationTags,
    durationMs: now() - startedAt,
  }
}
