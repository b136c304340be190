import type { MemberContext, MemberList, Platform, Recommendations } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, eq, or, sql } from 'drizzle-orm'
import { memberListScope, preparedMemberScope, preparedPerRole, scopeParams } from '../auth/access.ts'
import { preparedPerHandle } from '../db/prepared.ts'
import { follows, memberIdentities, members, orders, staff, stores } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { notFound } from '../plugins/errors.ts'
import { guideAndPurchaseValues, replyDisplayName } from '../replies/service.ts'
import { memberTagsFor } from '../tags/follow-tags.ts'
import { listMemberOrders, memberOrderTotals } from './orders.ts'

/** Recommendations and propensity come from the recommend module; members only asks for them. */
export type RecommendationProvider = (db: AsyncDbOrTx, memberId: number, session: Session) => Promise<Recommendations>

export const emptyRecommendations: Recommendations = {
  recommendationId: null,
  propensity: { pBuy7: null, pBuy30: null, pAlive: null, expectedNextAt: null, sufficiency: 'none' },
  items: [],
}

/** The member with this external id if the caller may see her (one statement per role), with her home store's name. */
const visibleMemberByExternalId = preparedPerRole((db, role) => db.select({
  id: members.id,
  name: members.name,
  avatar: members.avatar,
  gender: members.gender,
  city: members.city,
  level: members.level,
  phoneMasked: members.phoneMasked,
  homeStoreName: stores.name,
}).from(members).leftJoin(stores, eq(stores.id, members.homeStoreId)).where(and(eq(members.externalUserid, sql.placeholder('externalUserId')), preparedMemberScope(role, members.id))).prepare())

const activeFollows = preparedPerHandle(db => db.select({
  guideUserid: follows.guideUserid,
  guideName: staff.name,
  remark: follows.remark,
  addedAt: follows.addedAt,
  addWay: follows.addWay,
  state: follows.state,
}).from(follows).innerJoin(staff, eq(staff.userid, follows.guideUserid)).where(and(eq(follows.memberId, sql.placeholder('memberId')), eq(follows.status, 'active'))).orderBy(asc(follows.addedAt)).prepare())

const identityPlatformsOf = preparedPerHandle(db => db.selectDistinct({ platform: memberIdentities.platform }).from(memberIdentities).where(eq(memberIdentities.memberId, sql.placeholder('memberId'))).orderBy(asc(memberIdentities.platform)).prepare())

/**
 * Everything the sidebar shows for the member in the chat, in one round trip.
 * 404 when the member is unknown or not served by the caller (no existence leak).
 */
export async function getMemberContext(
  db: AsyncDbOrTx,
  session: Session,
  query: { externalUserId: string, orderLimit: number },
  recommend: RecommendationProvider,
): Promise<MemberContext> {
  const member = await visibleMemberByExternalId(db, session.role).get({ externalUserId: query.externalUserId, ...scopeParams(session) })
  if (!member)
    throw notFound(`member ${query.externalUserId} not found among the customers you serve`)

  // Independent reads in one go: on PostgreSQL they run concurrently over the pool.
  const orderPageRead = listMemberOrders(db, member.id, { limit: query.orderLimit })
  const [followRows, tagRows, totals, identityPlatforms, orderPage, recommendations, replyValues] = await Promise.all([
    activeFollows(db).all({ memberId: member.id }),
    memberTagsFor(db, member.id, session.userid),
    memberOrderTotals(db, member.id),
    identityPlatformsOf(db).all({ memberId: member.id }),
    orderPageRead,
    recommend(db, member.id, session),
    // Her newest orders usually hold the last purchase the reply variables name.
    orderPageRead.then(page => guideAndPurchaseValues(db, session.userid, member.id, page)),
  ])
  const platforms = [...new Set<Platform>([...totals.byPlatform.map(p => p.platform), ...identityPlatforms.map(r => r.platform)])]
  const myRemark = followRows.find(f => f.guideUserid === session.userid)?.remark

  return {
    member: {
      id: member.id,
      externalUserid: query.externalUserId,
      name: member.name,
      avatar: member.avatar,
      gender: member.gender,
      city: member.city,
      level: member.level,
      phoneMasked: member.phoneMasked,
      homeStoreName: member.homeStoreName,
      platforms,
    },
    follows: followRows.map(f => ({ ...f, isMe: f.guideUserid === session.userid })),
    tags: tagRows,
    totals,
    orders: orderPage,
    // The templates come once per session (GET /api/reply-groups?withReplies=true); the sidebar fills them.
    replyVariables: { 称呼: replyDisplayName(myRemark, member.name), 会员等级: member.level ?? '', ...replyValues },
    recommendations,
  }
}

/** The caller's customers, most recent buyers first (the demo's chat picker and the guide's list). */
export async function listMembers(db: AsyncDbOrTx, session: Session, query: { q?: string, limit: number, offset: number }): Promise<MemberList> {
  const remark = session.role === 'guide'
    ? sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.guideUserid)} = ${session.userid})`
    : sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.status)} = 'active' order by ${qualified(follows.addedAt)}, ${qualified(follows.guideUserid)} limit 1)`
  const lastPaidAt = sql<number | null>`(select max(${qualified(orders.paidAt)}) from ${orders} where ${qualified(orders.memberId)} = ${qualified(members.id)})`
  const search = query.q ? `%${query.q.replace(/[%_\\]/g, c => `\\${c}`)}%` : null
  const where = and(
    sql`${members.externalUserid} is not null`,
    memberListScope(session, members.id),
    // Name or remark contains q, ignoring ASCII case on both dialects (SQLite's LIKE does, PostgreSQL's does
    // not; lower() is portable), LIKE wildcards escaped; or q is the exact external_userid.
    search ? or(sql`lower(${members.name}) like lower(${search}) escape '\\'`, sql`lower(${remark}) like lower(${search}) escape '\\'`, eq(members.externalUserid, query.q!)) : undefined,
  )
  const items = await db.select({
    id: members.id,
    externalUserid: sql<string>`${members.externalUserid}`,
    name: members.name,
    avatar: members.avatar,
    remark,
    lastPaidAt,
  }).from(members).where(where).orderBy(sql`${lastPaidAt} desc nulls last`, asc(members.id)).limit(query.limit).offset(query.offset).all()
  const total = (await db.select({ n: sql<number>`count(*)` }).from(members).where(where).get())?.n ?? 0
  return { items, total }
}
