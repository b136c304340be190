// Admins manage the corp tag library (企业客户标签) from the console: create a group with tags, add a tag,
// rename, reorder, delete. Every change is made in WeCom first (add/edit/del_corp_tag with the self-built
// app's token) and stored here only after WeCom accepted it, with the ids WeCom returned; a refusal or an
// outage leaves nothing changed here. WeCom lets an app edit and delete only the tags it created
// ("应用仅能编辑和删除本应用创建的标签"), so those are marked `created_by_app` when this app creates
// them; tags made in the WeCom admin console or by another app are read-only here and refused before
// WeCom is asked. Rule-group tags (规则组) are managed through other APIs and are left out.
import type { CorpTagMove, CorpTagRefusal, CreateCorpTagGroup, ManagedCorpTagGroup, ManagedCorpTagTree } from '@scrm/shared'
import type { AsyncDb, AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { WecomClient } from '../wecom/client.ts'
import type { CorpTagGroup } from '../wecom/types.ts'
import { CORP_TAG_ORDER_MAX } from '@scrm/shared'
import { and, asc, desc, eq, inArray, not, sql } from 'drizzle-orm'
import { requireAdmin } from '../auth/access.ts'
import { syncCorpTags } from '../contacts/sync.ts'
import { followTags, tagGroups, tags } from '../db/schema.ts'
import { HttpError, notFound } from '../plugins/errors.ts'
import { markRecommendationsStale } from '../recommend/precomputed.ts'
import { WecomApiError } from '../wecom/errors.ts'
import { RULE_GROUP_PREFIX } from './service.ts'

export type CorpTagAdminClient = Pick<WecomClient, 'getCorpTagList' | 'addCorpTag' | 'editCorpTag' | 'delCorpTag'>

export interface CorpTagAdminDeps {
  db: AsyncDb
  wecom: CorpTagAdminClient
  now: () => number
}

/** What only an admin may do here (the 403's message). */
const MANAGE = 'manage corp tags'

const liveWecomGroup = and(eq(tagGroups.source, 'wecom'), eq(tagGroups.deleted, false), sql`${tagGroups.id} not like ${`${RULE_GROUP_PREFIX}%`}`)

/** The corp tag library as the console shows it: live groups and tags, highest order first, with what this app may change. */
export async function managedCorpTagTree(db: AsyncDbOrTx, session: Session): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  return readTree(db)
}

async function readTree(db: AsyncDbOrTx): Promise<ManagedCorpTagTree> {
  const rows = await db.select({
    groupId: tagGroups.id,
    groupName: tagGroups.name,
    groupOrder: tagGroups.sortOrder,
    groupEditable: tagGroups.createdByApp,
    id: tags.id,
    name: tags.name,
    order: tags.sortOrder,
    editable: tags.createdByApp,
  })
    .from(tags)
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(liveWecomGroup, eq(tags.deleted, false)))
    .orderBy(desc(tagGroups.sortOrder), asc(tagGroups.id), desc(tags.sortOrder), asc(tags.id))
    .all()
  const groups: ManagedCorpTagGroup[] = []
  for (const r of rows) {
    let group = groups.at(-1)
    if (group?.id !== r.groupId) {
      group = { id: r.groupId, name: r.groupName, order: r.groupOrder, editable: r.groupEditable, tags: [] }
      groups.push(group)
    }
    group.tags.push({ id: r.id, name: r.name, order: r.order, editable: r.editable })
  }
  return { groups }
}

const trimmed = (name: string) => name.trim()

const refused = (status: 400 | 409, code: CorpTagRefusal, message: string) => new HttpError(status, code, message)

/** WeCom refusals an admin can act on, as 409s naming them; the rest go to the error handler (502/503). */
async function inWecom<T>(deps: CorpTagAdminDeps, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  }
  catch (err) {
    if (err instanceof WecomApiError && err.errcode === 40071)
      throw refused(409, 'CORP_TAG_NAME_TAKEN', `name: WeCom already has a tag or group of that name (40071)`)
    if (err instanceof WecomApiError && err.errcode === 40068) {
      // Deleted in WeCom meanwhile, or not this app's: the library is pulled again so the console shows WeCom's state.
      await syncCorpTags(deps.db, deps.wecom).catch(() => undefined)
      throw refused(409, 'CORP_TAG_GONE', `WeCom refused the tag id (40068): it no longer exists there or was not created by this app; the tag list was refreshed`)
    }
    throw err
  }
}

interface GroupRow { id: string, name: string, editable: boolean }

async function liveGroup(db: AsyncDbOrTx, groupId: string): Promise<GroupRow> {
  const group = await db.select({ id: tagGroups.id, name: tagGroups.name, editable: tagGroups.createdByApp })
    .from(tagGroups)
    .where(and(eq(tagGroups.id, groupId), liveWecomGroup))
    .get()
  if (!group)
    throw notFound(`no corp tag group ${groupId}`)
  return group
}

async function liveTag(db: AsyncDbOrTx, tagId: string): Promise<{ id: string, name: string, editable: boolean, group: GroupRow }> {
  const row = await db.select({ id: tags.id, name: tags.name, editable: tags.createdByApp, groupId: tagGroups.id, groupName: tagGroups.name, groupEditable: tagGroups.createdByApp })
    .from(tags)
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(eq(tags.id, tagId), eq(tags.deleted, false), liveWecomGroup))
    .get()
  if (!row)
    throw notFound(`no corp tag ${tagId}`)
  return { id: row.id, name: row.name, editable: row.editable, group: { id: row.groupId, name: row.groupName, editable: row.groupEditable } }
}

const readOnly = (what: string, name: string) => refused(409, 'CORP_TAG_READ_ONLY', `${what} 「${name}」 was created in the WeCom admin console or by another app: WeCom lets this app change only tags it created`)

/** Names of the live tags of a group. */
async function tagNamesOf(db: AsyncDbOrTx, groupId: string): Promise<{ id: string, name: string, order: number }[]> {
  return db.select({ id: tags.id, name: tags.name, order: tags.sortOrder }).from(tags).where(and(eq(tags.groupId, groupId), eq(tags.deleted, false))).all()
}

/** Stores what add_corp_tag returned: the group (new, or the one the tags went into) and the new tags, all this app's. */
async function storeAdded(tx: AsyncDbOrTx, group: CorpTagGroup, options: { newGroup: boolean }): Promise<void> {
  const groupRow = { name: group.group_name, sortOrder: group.order ?? 0, deleted: false }
  await tx.insert(tagGroups)
    .values({ id: group.group_id, ...groupRow, source: 'wecom', createdByApp: options.newGroup, createdAt: (group.create_time ?? 0) * 1000 })
    // A change_external_tag event may have pulled the new group in first (unmarked): ours it is.
    .onConflictDoUpdate({ target: tagGroups.id, set: options.newGroup ? { ...groupRow, createdByApp: true } : groupRow })
    .run()
  for (const t of group.tag ?? []) {
    const tagRow = { groupId: group.group_id, name: t.name, sortOrder: t.order ?? 0, deleted: false, createdByApp: true }
    await tx.insert(tags).values({ id: t.id, ...tagRow, createdAt: (t.create_time ?? 0) * 1000 }).onConflictDoUpdate({ target: tags.id, set: tagRow }).run()
  }
}

/** A new group with its first tags, placed at the top (highest order), its tags in the given order. */
export async function createCorpTagGroup(deps: CorpTagAdminDeps, session: Session, body: CreateCorpTagGroup): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const name = trimmed(body.name)
  const names = body.tags.map(trimmed)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined)
    throw refused(400, 'CORP_TAG_NAME_TAKEN', `tags: 「${twice}」 is listed twice`)
  // add_corp_tag with an existing group_name silently appends to that group: ask WeCom, not only the copy here.
  const current = await deps.wecom.getCorpTagList()
  if (current.some(g => !g.deleted && g.group_name === name))
    throw refused(409, 'CORP_TAG_NAME_TAKEN', `name: a group named 「${name}」 exists; add the tags to it instead`)
  const top = Math.max(-1, ...current.filter(g => !g.deleted).map(g => g.order ?? 0))
  const added = await inWecom(deps, () => deps.wecom.addCorpTag({
    groupName: name,
    order: Math.min(top + 1, CORP_TAG_ORDER_MAX),
    tags: names.map((n, i) => ({ name: n, order: names.length - 1 - i })),
  }))
  await deps.db.transaction(async tx => storeAdded(tx, added, { newGroup: true }))
  return readTree(deps.db)
}

/** A new tag at the top of a group. A read-only group takes it too: the tag is this app's. */
export async function addCorpTag(deps: CorpTagAdminDeps, session: Session, groupId: string, rawName: string): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const group = await liveGroup(deps.db, groupId)
  const name = trimmed(rawName)
  const siblings = await tagNamesOf(deps.db, group.id)
  if (siblings.some(t => t.name === name))
    throw refused(400, 'CORP_TAG_NAME_TAKEN', `name: group 「${group.name}」 already has a tag 「${name}」`)
  const top = Math.max(-1, ...siblings.map(t => t.order))
  const added = await inWecom(deps, () => deps.wecom.addCorpTag({ groupId: group.id, tags: [{ name, order: Math.min(top + 1, CORP_TAG_ORDER_MAX) }] }))
  await deps.db.transaction(async tx => storeAdded(tx, added, { newGroup: false }))
  return readTree(deps.db)
}

export async function renameCorpTagGroup(deps: CorpTagAdminDeps, session: Session, groupId: string, rawName: string): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const group = await liveGroup(deps.db, groupId)
  if (!group.editable)
    throw readOnly('group', group.name)
  const name = trimmed(rawName)
  if (name !== group.name) {
    const other = await deps.db.select({ id: tagGroups.id }).from(tagGroups).where(and(eq(tagGroups.name, name), eq(tagGroups.deleted, false), eq(tagGroups.source, 'wecom'), not(eq(tagGroups.id, group.id)))).get()
    if (other)
      throw refused(400, 'CORP_TAG_NAME_TAKEN', `name: another group is named 「${name}」`)
    await inWecom(deps, () => deps.wecom.editCorpTag({ id: group.id, name }))
    await deps.db.update(tagGroups).set({ name }).where(eq(tagGroups.id, group.id)).run()
  }
  return readTree(deps.db)
}

export async function renameCorpTag(deps: CorpTagAdminDeps, session: Session, tagId: string, rawName: string): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const tag = await liveTag(deps.db, tagId)
  if (!tag.editable)
    throw readOnly('tag', tag.name)
  const name = trimmed(rawName)
  if (name !== tag.name) {
    if ((await tagNamesOf(deps.db, tag.group.id)).some(t => t.id !== tag.id && t.name === name))
      throw refused(400, 'CORP_TAG_NAME_TAKEN', `name: group 「${tag.group.name}」 already has a tag 「${name}」`)
    await inWecom(deps, () => deps.wecom.editCorpTag({ id: tag.id, name }))
    await deps.db.update(tags).set({ name }).where(eq(tags.id, tag.id)).run()
  }
  return readTree(deps.db)
}

export interface OrderedItem { id: string, name: string, order: number, editable: boolean }
export interface OrderEdit { id: string, order: number }
type MoveDirection = CorpTagMove['direction']

/**
 * The `order` values that show the items in the sequence given (top first), changing only editable
 * items and as few as it can; null when that sequence cannot be had. Read-only items keep their value,
 * so the editable items between two of them need distinct values strictly between theirs (WeCom sorts
 * by order, larger first, within [0, 2^32)).
 */
export function planOrder(wanted: OrderedItem[]): OrderEdit[] | null {
  const edits: OrderEdit[] = []
  let start = 0
  while (start < wanted.length) {
    if (!wanted[start]!.editable) {
      const next = wanted[start + 1]
      if (next && !next.editable && next.order > wanted[start]!.order)
        return null
      start++
      continue
    }
    let end = start
    while (end < wanted.length && wanted[end]!.editable)
      end++
    const upper = start > 0 ? wanted[start - 1]!.order : CORP_TAG_ORDER_MAX + 1 // exclusive bounds
    const lower = end < wanted.length ? wanted[end]!.order : -1
    const count = end - start
    if (upper - lower - 1 < count)
      return null
    let previous = upper
    for (let i = 0; i < count; i++) {
      const item = wanted[start + i]!
      const value = Math.min(previous - 1, Math.max(lower + (count - i), item.order))
      if (value !== item.order)
        edits.push({ id: item.id, order: value })
      previous = value
    }
    start = end
  }
  return edits
}

/**
 * Moves one editable item of `current` (as listed now, top first) up or down to the nearest place the
 * read-only items' fixed order leaves room for (possibly past several of them); [] when it is already
 * at the end.
 */
export function planMove(current: OrderedItem[], id: string, direction: MoveDirection): OrderEdit[] {
  const index = current.findIndex(item => item.id === id)
  const item = current[index]!
  if (!item.editable)
    throw readOnly('item', item.name)
  const others = current.filter(other => other !== item)
  const step = direction === 'up' ? -1 : 1
  for (let at = index + step; at >= 0 && at <= others.length; at += step) {
    const plan = planOrder([...others.slice(0, at), item, ...others.slice(at)])
    if (plan)
      return plan
  }
  if (index + step < 0 || index + step >= current.length)
    return []
  throw refused(409, 'CORP_TAG_NO_ROOM', `no room to move 「${item.name}」 ${direction}: the tags around it were created outside this app and WeCom keeps their order values`)
}

/** Applies order edits one by one in WeCom; whatever WeCom accepted is stored even when a later edit fails. */
async function applyOrder(deps: CorpTagAdminDeps, table: typeof tags | typeof tagGroups, edits: OrderEdit[]): Promise<void> {
  const done: OrderEdit[] = []
  try {
    for (const e of edits) {
      await inWecom(deps, () => deps.wecom.editCorpTag({ id: e.id, order: e.order }))
      done.push(e)
    }
  }
  finally {
    await deps.db.transaction(async (tx) => {
      for (const e of done)
        await tx.update(table).set({ sortOrder: e.order }).where(eq(table.id, e.id)).run()
    })
  }
}

/** Moves a group of this app's up or down among the groups. */
export async function moveCorpTagGroup(deps: CorpTagAdminDeps, session: Session, groupId: string, direction: MoveDirection): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  await liveGroup(deps.db, groupId)
  await applyOrder(deps, tagGroups, planMove((await readTree(deps.db)).groups, groupId, direction))
  return readTree(deps.db)
}

/** Moves a tag of this app's up or down within its group. */
export async function moveCorpTag(deps: CorpTagAdminDeps, session: Session, tagId: string, direction: MoveDirection): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const tag = await liveTag(deps.db, tagId)
  const group = (await readTree(deps.db)).groups.find(g => g.id === tag.group.id)!
  await applyOrder(deps, tags, planMove(group.tags, tagId, direction))
  return readTree(deps.db)
}

/** Deleted tags leave every follow relation here as in WeCom; those members' recommendations are scored again. */
async function dropTagsFromRelations(tx: AsyncDbOrTx, tagIds: string[], now: number): Promise<void> {
  const memberIds = (await tx.select({ memberId: followTags.memberId }).from(followTags).where(inArray(followTags.tagId, tagIds)).all()).map(r => r.memberId)
  await tx.delete(followTags).where(inArray(followTags.tagId, tagIds)).run()
  await markRecommendationsStale(tx, memberIds, now)
}

export async function deleteCorpTagGroup(deps: CorpTagAdminDeps, session: Session, groupId: string): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const group = await liveGroup(deps.db, groupId)
  if (!group.editable)
    throw readOnly('group', group.name)
  await inWecom(deps, () => deps.wecom.delCorpTag({ groupIds: [group.id] }))
  await deps.db.transaction(async (tx) => {
    const tagIds = (await tx.select({ id: tags.id }).from(tags).where(eq(tags.groupId, group.id)).all()).map(t => t.id)
    await tx.update(tagGroups).set({ deleted: true }).where(eq(tagGroups.id, group.id)).run()
    await tx.update(tags).set({ deleted: true }).where(eq(tags.groupId, group.id)).run()
    if (tagIds.length > 0)
      await dropTagsFromRelations(tx, tagIds, deps.now())
  })
  return readTree(deps.db)
}

/** Deletes one tag; WeCom deletes a group with its last tag, and so does this. */
export async function deleteCorpTag(deps: CorpTagAdminDeps, session: Session, tagId: string): Promise<ManagedCorpTagTree> {
  requireAdmin(session, MANAGE)
  const tag = await liveTag(deps.db, tagId)
  if (!tag.editable)
    throw readOnly('tag', tag.name)
  await inWecom(deps, () => deps.wecom.delCorpTag({ tagIds: [tag.id] }))
  await deps.db.transaction(async (tx) => {
    await tx.update(tags).set({ deleted: true }).where(eq(tags.id, tag.id)).run()
    if ((await tagNamesOf(tx, tag.group.id)).length === 0)
      await tx.update(tagGroups).set({ deleted: true }).where(eq(tagGroups.id, tag.group.id)).run()
    await dropTagsFromRelations(tx, [tag.id], deps.now())
  })
  return readTree(deps.db)
}
