// Scripted replies (话术库): the brand's scripts in groups, visible per store, with variables filled from the
// member and their last order. The sidebar loads them once per session and fills them per chat (the member
// context carries the values); the console manages them.
import type { ManagedReply, ManagedReplyList, Order, OrderPage, ReplyGroup, ReplyGroupInput, ReplyGroupsQuery, ReplyInput, ReplyListQuery, ReplyPreview, ReplyPreviewRequest, ReplyTemplate, ReplyVariableValues } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { fillReplyTemplate, replyVariableList, unknownReplyVariables, usedReplyVariables } from '@scrm/shared'
import { and, asc, desc, eq, inArray, ne, or, sql } from 'drizzle-orm'
import { requireAdmin, requireMemberAccess } from '../auth/access.ts'
import { preparedPerHandle } from '../db/prepared.ts'
import { follows, members, orderLines, orders, products, replies, replyGroups, replyRetirements, replyStores, sends, staff, stores } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { containsPattern } from '../materials/service.ts'
import { storeScope } from '../materials/store-scope.ts'
import { badRequest, conflict, forbidden, notFound } from '../plugins/errors.ts'
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../sends/attribution.ts'

const DAY_MS = 86_400_000

/** 400 naming every variable that does not exist, and the ones that do. */
function requireKnownVariables(content: string): void {
  const unknown = unknownReplyVariables(content)
  if (unknown.length)
    throw badRequest(`话术里有不存在的变量：${unknown.map(v => `{{${v}}}`).join('、')}。可用的变量：${replyVariableList.map(v => `{{${v.name}}}`).join('、')}`)
}

const { visibleTo, requireManager, storeIdsOf, allowedStoreIds } = storeScope('话术')

/** The reply was not retired (deleted after it had been sent). */
export const notRetired = sql`not exists (select 1 from ${replyRetirements} where ${qualified(replyRetirements.replyId)} = ${qualified(replies.id)})`

export async function countReplyUse(db: AsyncDbOrTx, replyId: number): Promise<void> {
  await db.update(replies).set({ useCount: sql`${replies.useCount} + 1` }).where(eq(replies.id, replyId)).run()
}

// `month: 'long'` gives 10月28日 (as the console's sample shows); 'numeric' would give 10/28.
const monthDay = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric' })

/** 称呼: the first word of the guide's remark for the member, else her WeCom name. */
export function replyDisplayName(remark: string | null | undefined, memberName: string): string {
  return remark?.split(/\s/)[0] || memberName
}

/** The values that do not come from the member row itself: the guide, her store and the last purchase. */
export type GuideAndPurchaseValues = Pick<ReplyVariableValues, '导购' | '门店' | '最近购买' | '最近购买日期'>

const guideAndStore = preparedPerHandle(db => db.select({ name: staff.name, storeName: stores.name })
  .from(staff)
  .leftJoin(stores, eq(stores.id, staff.storeId))
  .where(eq(staff.userid, sql.placeholder('userid')))
  .prepare())

/** Order statuses whose items count as bought for 最近购买 (not cancelled or refunded). */
const PURCHASED_STATUSES: readonly Order['status'][] = ['paid', 'shipped', 'completed']

/** 最近购买: the main item (largest line) of the member's last paid order that was not cancelled or refunded. */
const lastPurchase = preparedPerHandle(db => db.select({ name: products.name, paidAt: orders.paidAt })
  .from(orders)
  .innerJoin(orderLines, eq(orderLines.orderId, orders.id))
  .innerJoin(products, eq(products.skuId, orderLines.skuId))
  .where(and(eq(orders.memberId, sql.placeholder('memberId')), inArray(orders.status, [...PURCHASED_STATUSES])))
  .orderBy(desc(orders.paidAt), desc(orders.id), desc(orderLines.amount), asc(orderLines.id))
  .limit(1)
  .prepare())

/**
 * The same answer as `lastPurchase`, read off her newest orders (newest first, lines in line order) when
 * they hold it; `undefined` when the page cannot tell (no purchase on it but more orders after it).
 */
function lastPurchaseOnPage(page: OrderPage): { name: string, paidAt: number } | null | undefined {
  for (const order of page.orders) {
    if (!PURCHASED_STATUSES.includes(order.status) || order.lines.length === 0)
      continue
    const main = order.lines.reduce((best, line) => line.amount > best.amount ? line : best)
    return { name: main.name, paidAt: order.paidAt }
  }
  return page.nextCursor === null ? null : undefined
}

/**
 * The guide's and her store's names, and her last purchase. `newestOrders`, the member context's first
 * page of her orders, usually answers the last purchase without another read on the hot path.
 */
export async function guideAndPurchaseValues(db: AsyncDbOrTx, userid: string, memberId: number, newestOrders?: OrderPage): Promise<GuideAndPurchaseValues> {
  const onPage = newestOrders ? lastPurchaseOnPage(newestOrders) : undefined
  const [me, last] = await Promise.all([guideAndStore(db).get({ userid }), onPage === undefined ? lastPurchase(db).get({ memberId }) : onPage])
  return {
    导购: me?.name ?? '',
    门店: me?.storeName ?? '',
    最近购买: last?.name ?? '',
    最近购买日期: last ? monthDay.format(last.paidAt) : '',
  }
}

/** The variables for one member as the session's guide would send them (the member context's `replyVariables`). */
async function replyVariablesFor(db: AsyncDbOrTx, session: Session, memberId: number): Promise<ReplyVariableValues> {
  const [member, follow, rest] = await Promise.all([
    db.select({ name: members.name, level: members.level }).from(members).where(eq(members.id, memberId)).get(),
    db.select({ remark: follows.remark }).from(follows).where(and(eq(follows.memberId, memberId), eq(follows.guideUserid, session.userid))).get(),
    guideAndPurchaseValues(db, session.userid, memberId),
  ])
  return { 称呼: replyDisplayName(follow?.remark, member?.name ?? ''), 会员等级: member?.level ?? '', ...rest }
}

const SAMPLE_VALUES: ReplyVariableValues = { 称呼: '王女士', 导购: '小美', 门店: '静安店', 最近购买: '羊绒开衫', 最近购买日期: '11月3日', 会员等级: '金卡' }

/** A template filled for a member the caller serves, or with sample values; unknown variables are 400. */
export async function previewReply(db: AsyncDbOrTx, session: Session, request: ReplyPreviewRequest): Promise<ReplyPreview> {
  requireKnownVariables(request.content)
  let values = SAMPLE_VALUES
  if (request.memberId !== undefined) {
    await requireMemberAccess(db, session, request.memberId)
    values = await replyVariablesFor(db, session, request.memberId)
  }
  return {
    content: fillReplyTemplate(request.content, values),
    empty: usedReplyVariables(request.content).filter(name => values[name] === ''),
  }
}

// ── Management (console) ──

/** The reply if the session may change it: 404 when not visible (or retired), 403 when not only their store's. */
async function manageableReply(db: AsyncDbOrTx, session: Session, id: number): Promise<typeof replies.$inferSelect> {
  requireManager(session)
  const row = await db.select().from(replies).where(and(eq(replies.id, id), notRetired, visibleTo(session))).get()
  if (!row)
    throw notFound(`话术 ${id} 不存在`)
  if (session.role === 'supervisor') {
    const storeIds = (await storeIdsOf(db, [id])).get(id) ?? []
    if (storeIds.length !== 1 || storeIds[0] !== session.storeId)
      throw forbidden('这条话术不只在本门店可见，只有管理员可以修改')
  }
  return row
}

async function requireReplyGroup(db: AsyncDbOrTx, groupId: number): Promise<void> {
  if (!(await db.select({ id: replyGroups.id }).from(replyGroups).where(eq(replyGroups.id, groupId)).get()))
    throw badRequest(`话术分组 ${groupId} 不存在`)
}

/**
 * Usage and conversion per reply: delivered sends, distinct members reached, and distinct members who paid an
 * order (not cancelled) within the attribution window after receiving it.
 */
function statsColumns(windowMs: number) {
  const delivered = sql`${qualified(sends.replyId)} = ${qualified(replies.id)} and ${qualified(sends.status)} = 'sent'`
  return {
    sentCount: sql<number>`(select count(*) from ${sends} where ${delivered})`,
    reachedMembers: sql<number>`(select count(distinct ${qualified(sends.memberId)}) from ${sends} where ${delivered})`,
    convertedMembers: sql<number>`(select count(distinct ${qualified(sends.memberId)}) from ${sends} where ${delivered} and exists (select 1 from ${orders} where ${qualified(orders.memberId)} = ${qualified(sends.memberId)} and ${qualified(orders.status)} != 'cancelled' and ${qualified(orders.paidAt)} > ${qualified(sends.createdAt)} and ${qualified(orders.paidAt)} <= ${qualified(sends.createdAt)} + ${windowMs}))`,
  }
}

export async function listManagedReplies(db: AsyncDbOrTx, session: Session, query: ReplyListQuery): Promise<ManagedReplyList> {
  requireManager(session)
  const q = query.q?.trim()
  const pattern = q ? containsPattern(q) : null
  const where = and(
    notRetired,
    visibleTo(session),
    query.groupId ? eq(replies.groupId, query.groupId) : undefined,
    pattern ? or(sql`lower(${replies.title}) like lower(${pattern}) escape '\\'`, sql`lower(${replies.content}) like lower(${pattern}) escape '\\'`) : undefined,
  )
  const windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS
  const rows = await db.select({
    id: replies.id,
    groupId: replies.groupId,
    groupName: replyGroups.name,
    title: replies.title,
    content: replies.content,
    createdAt: replies.createdAt,
    ...statsColumns(windowDays * DAY_MS),
  }).from(replies).innerJoin(replyGroups, eq(replyGroups.id, replies.groupId)).where(where).orderBy(asc(replyGroups.sortOrder), asc(replyGroups.id), asc(replies.id)).limit(query.limit ?? 200).offset(query.offset ?? 0).all()
  const total = (await db.select({ n: sql<number>`count(*)` }).from(replies).where(where).get())?.n ?? 0
  const storeIds = await storeIdsOf(db, rows.map(r => r.id))
  return {
    items: rows.map((r): ManagedReply => ({
      ...r,
      sentCount: Number(r.sentCount),
      reachedMembers: Number(r.reachedMembers),
      convertedMembers: Number(r.convertedMembers),
      storeIds: storeIds.get(r.id) ?? [],
    })),
    total: Number(total),
    windowDays,
  }
}

export async function getManagedReply(db: AsyncDbOrTx, session: Session, id: number): Promise<ManagedReply> {
  const windowDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS
  const row = await db.select({
    id: replies.id,
    groupId: replies.groupId,
    groupName: replyGroups.name,
    title: replies.title,
    content: replies.content,
    createdAt: replies.createdAt,
    ...statsColumns(windowDays * DAY_MS),
  }).from(replies).innerJoin(replyGroups, eq(replyGroups.id, replies.groupId)).where(and(eq(replies.id, id), notRetired, visibleTo(session))).get()
  if (!row)
    throw notFound(`话术 ${id} 不存在`)
  return { ...row, sentCount: Number(row.sentCount), reachedMembers: Number(row.reachedMembers), convertedMembers: Number(row.convertedMembers), storeIds: (await storeIdsOf(db, [id])).get(id) ?? [] }
}

async function setStores(db: AsyncDbOrTx, replyId: number, storeIds: string[]): Promise<void> {
  await db.delete(replyStores).where(eq(replyStores.replyId, replyId)).run()
  if (storeIds.length)
    await db.insert(replyStores).values(storeIds.map(storeId => ({ replyId, storeId }))).run()
}

export async function createReply(database: Database, session: Session, input: ReplyInput, now: number): Promise<number> {
  requireManager(session)
  requireKnownVariables(input.content)
  return database.db.transaction(async (tx) => {
    await requireReplyGroup(tx, input.groupId)
    const storeIds = await allowedStoreIds(tx, session, input.storeIds)
    const row = (await tx.insert(replies).values({ groupId: input.groupId, title: input.title, content: input.content, createdAt: now }).returning({ id: replies.id }).get())!
    await setStores(tx, row.id, storeIds)
    return row.id
  })
}

export async function updateReply(database: Database, session: Session, id: number, input: ReplyInput): Promise<void> {
  requireKnownVariables(input.content)
  await database.db.transaction(async (tx) => {
    await manageableReply(tx, session, id)
    await requireReplyGroup(tx, input.groupId)
    await tx.update(replies).set({ groupId: input.groupId, title: input.title, content: input.content }).where(eq(replies.id, id)).run()
    if (input.storeIds !== undefined)
      await setStores(tx, id, await allowedStoreIds(tx, session, input.storeIds))
  })
}

/** Deletes a reply never sent; one that was sent is retired instead, so its sends keep their usage and conversion. */
export async function retireReply(database: Database, session: Session, id: number, now: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    await manageableReply(tx, session, id)
    if (await tx.select({ id: sends.id }).from(sends).where(eq(sends.replyId, id)).limit(1).get())
      await tx.insert(replyRetirements).values({ replyId: id, retiredAt: now, retiredBy: session.userid }).run()
    else
      await tx.delete(replies).where(eq(replies.id, id)).run()
  })
}

// ── Groups ──

/** The groups with the number of replies the caller's store sees; with `withReplies`, those replies as templates. */
export async function listReplyGroups(db: AsyncDbOrTx, session: Session, query: ReplyGroupsQuery = {}): Promise<ReplyGroup[]> {
  const scope = visibleTo(session)
  const count = sql<number>`(select count(*) from ${replies} where ${qualified(replies.groupId)} = ${qualified(replyGroups.id)} and ${notRetired}${scope ? sql` and ${scope}` : sql``})`
  const rows = await db.select({ id: replyGroups.id, name: replyGroups.name, sortOrder: replyGroups.sortOrder, replyCount: count }).from(replyGroups).orderBy(asc(replyGroups.sortOrder), asc(replyGroups.id)).all()
  if (!query.withReplies)
    return rows.map(r => ({ ...r, replyCount: Number(r.replyCount) }))
  const byGroup = new Map<number, ReplyTemplate[]>(rows.map(r => [r.id, []]))
  const templates = await db.select({ id: replies.id, groupId: replies.groupId, title: replies.title, content: replies.content })
    .from(replies)
    .where(and(notRetired, scope))
    .orderBy(desc(replies.useCount), asc(replies.id))
    .all()
  for (const { groupId, ...template } of templates)
    byGroup.get(groupId)?.push(template)
  return rows.map(r => ({ ...r, replyCount: Number(r.replyCount), replies: byGroup.get(r.id) ?? [] }))
}

export async function saveReplyGroup(database: Database, session: Session, id: number | null, input: ReplyGroupInput): Promise<ReplyGroup> {
  requireAdmin(session, '只有管理员可以管理话术分组')
  return database.db.transaction(async (tx) => {
    const clash = await tx.select({ id: replyGroups.id }).from(replyGroups).where(and(eq(replyGroups.name, input.name), id === null ? undefined : ne(replyGroups.id, id))).get()
    if (clash)
      throw conflict(`话术分组「${input.name}」已存在`)
    const row = id === null
      ? await tx.insert(replyGroups).values({ name: input.name, sortOrder: input.sortOrder ?? 0 }).returning().get()
      : await tx.update(replyGroups).set({ name: input.name, sortOrder: input.sortOrder }).where(eq(replyGroups.id, id)).returning().get()
    if (!row)
      throw notFound(`话术分组 ${id} 不存在`)
    const replyCount = (await tx.select({ n: sql<number>`count(*)` }).from(replies).where(and(eq(replies.groupId, row.id), notRetired)).get())?.n ?? 0
    return { id: row.id, name: row.name, sortOrder: row.sortOrder, replyCount: Number(replyCount) }
  })
}

export async function deleteReplyGroup(database: Database, session: Session, id: number): Promise<void> {
  requireAdmin(session, '只有管理员可以管理话术分组')
  await database.db.transaction(async (tx) => {
    if (!(await tx.select({ id: replyGroups.id }).from(replyGroups).where(eq(replyGroups.id, id)).get()))
      throw notFound(`话术分组 ${id} 不存在`)
    if (await tx.select({ id: replies.id }).from(replies).where(and(eq(replies.groupId, id), notRetired)).limit(1).get())
      throw conflict('分组里还有话术，先移走或删除它们')
    if (await tx.select({ id: replies.id }).from(replies).where(eq(replies.groupId, id)).limit(1).get())
      throw conflict('分组里有已删除、但发送记录仍引用的话术，分组需保留')
    await tx.delete(replyGroups).where(eq(replyGroups.id, id)).run()
  })
}
