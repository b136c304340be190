// One member behind many accounts. Imported orders find their member by, in order: WeChat unionid, the
// platform buyer id already linked to a member, the full phone (hashed), or a masked phone (138****1234)
// together with the receiver's name — a masked phone alone never decides. Only a single candidate matches.
// Orders that match nobody wait in the unmatched queue; an admin assigns the account to a member or merges
// two members, and can undo either: the decision records exactly what it moved.
import type { IdentityResolution, MatchKey, Platform, UnmatchedList } from '@scrm/shared'
import type { AsyncDbOrTx, AsyncTx, Database } from '../db/port.ts'
import type { ParsedOrder } from './parse.ts'
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { identityResolutions, memberIdentities, members, orders, orderSources, staff } from '../db/schema.ts'
import { badRequest, conflict, notFound } from '../plugins/errors.ts'
import { markRecommendationsStale } from '../recommend/precomputed.ts'
import { chunks } from './bulk.ts'
import { masksAgree } from './values.ts'

const CHUNK = 400

export interface Match {
  memberId: number | null
  matchedBy: MatchKey | null
}

/** Loads what the file's keys can match, once per import; `resolve` is then a lookup. */
export async function createResolver(tx: AsyncTx, platform: Platform, parsed: ParsedOrder[]) {
  const unionids = [...new Set(parsed.map(o => o.unionid).filter((v): v is string => !!v))]
  const buyerIds = [...new Set(parsed.map(o => o.buyerId).filter((v): v is string => !!v))]
  const hashes = [...new Set(parsed.map(o => o.phone?.hash).filter((v): v is string => !!v))]
  const byUnionid = new Map<string, number>()
  const byBuyer = new Map<string, number>()
  const byHash = new Map<string, number[]>()
  for (const batch of chunks(unionids, CHUNK)) {
    for (const r of await tx.select({ id: members.id, unionid: members.unionid }).from(members).where(inArray(members.unionid, batch)))
      byUnionid.set(r.unionid!, r.id)
  }
  for (const batch of chunks(buyerIds, CHUNK)) {
    for (const r of await tx.select({ memberId: memberIdentities.memberId, buyerId: memberIdentities.buyerId }).from(memberIdentities).where(and(eq(memberIdentities.platform, platform), inArray(memberIdentities.buyerId, batch))))
      byBuyer.set(r.buyerId, r.memberId)
  }
  for (const batch of chunks(hashes, CHUNK)) {
    for (const r of await tx.select({ id: members.id, phoneHash: members.phoneHash }).from(members).where(inArray(members.phoneHash, batch)))
      byHash.set(r.phoneHash!, [...(byHash.get(r.phoneHash!) ?? []), r.id])
  }
  // Masked phone + name: one scan of the members that have a phone, only when the file needs it.
  const byName = new Map<string, { id: number, masked: string }[]>()
  if (parsed.some(o => o.phone && !o.phone.hash && o.receiverName)) {
    const names = new Set(parsed.map(o => o.receiverName).filter(Boolean))
    for (const r of await tx.select({ id: members.id, name: members.name, phoneMasked: members.phoneMasked }).from(members).where(isNotNull(members.phoneMasked))) {
      if (names.has(r.name))
        byName.set(r.name, [...(byName.get(r.name) ?? []), { id: r.id, masked: r.phoneMasked! }])
    }
  }
  // An order matched during this import links its buyer account for the orders after it.
  const learned = new Map<string, number>()

  function resolve(order: ParsedOrder): Match {
    const match = find(order)
    if (match.memberId !== null && order.buyerId && !byBuyer.has(order.buyerId))
      learned.set(order.buyerId, match.memberId)
    return match
  }

  function find(order: ParsedOrder): Match {
    if (order.unionid && byUnionid.has(order.unionid))
      return { memberId: byUnionid.get(order.unionid)!, matchedBy: 'unionid' }
    if (order.buyerId) {
      const known = byBuyer.get(order.buyerId) ?? learned.get(order.buyerId)
      if (known !== undefined)
        return { memberId: known, matchedBy: 'buyer_id' }
    }
    if (order.phone?.hash) {
      const candidates = byHash.get(order.phone.hash) ?? []
      if (candidates.length === 1)
        return { memberId: candidates[0]!, matchedBy: 'phone' }
    }
    if (order.phone && !order.phone.hash && order.receiverName) {
      const candidates = (byName.get(order.receiverName) ?? []).filter(c => masksAgree(c.masked, order.phone!.masked))
      if (candidates.length === 1)
        return { memberId: candidates[0]!.id, matchedBy: 'masked_phone_name' }
    }
    return { memberId: null, matchedBy: null }
  }

  return { resolve }
}

interface UnmatchedCursor { lastPaidAt: number, platform: string, key: string }

function encodeUnmatchedCursor(c: UnmatchedCursor): string {
  return Buffer.from(JSON.stringify([c.lastPaidAt, c.platform, c.key])).toString('base64url')
}

function decodeUnmatchedCursor(text: string): UnmatchedCursor {
  try {
    const [lastPaidAt, platform, key] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[]
    if (Number.isSafeInteger(lastPaidAt) && typeof platform === 'string' && typeof key === 'string')
      return { lastPaidAt: lastPaidAt as number, platform, key }
  }
  catch {}
  throw badRequest('cursor: not a cursor of the unmatched queue')
}

/**
 * The unmatched queue: orders without a member, one entry per buyer account (or per order without one), the
 * most recent payment first. Paged by a keyset cursor, so resolving entries between pages skips none.
 */
export async function listUnmatched(database: Database, page: { cursor?: string, limit?: number } = {}): Promise<UnmatchedList> {
  const { db } = database
  const limit = page.limit ?? 50
  const after = page.cursor === undefined ? null : decodeUnmatchedCursor(page.cursor)
  const groupKey = sql<string>`coalesce(${orders.buyerId}, '#' || ${orders.orderNo})`
  const lastPaidAt = sql`max(${orders.paidAt})`
  const groups = await db.select({
    platform: orders.platform,
    key: groupKey,
    orderId: sql<number>`min(${orders.id})`.mapWith(Number),
    orders: sql<number>`count(*)`.mapWith(Number),
    paidFen: sql<number>`sum(${orders.paidAmount})`.mapWith(Number),
    lastPaidAt: sql<number>`max(${orders.paidAt})`.mapWith(Number),
  }).from(orders).where(isNull(orders.memberId)).groupBy(orders.platform, groupKey).having(after
    ? sql`${lastPaidAt} < ${after.lastPaidAt} or (${lastPaidAt} = ${after.lastPaidAt} and (${orders.platform} > ${after.platform} or (${orders.platform} = ${after.platform} and ${groupKey} > ${after.key})))`
    : undefined).orderBy(sql`${lastPaidAt} desc`, orders.platform, groupKey).limit(limit + 1)
  const shown = groups.slice(0, limit)
  // Per platform, the distinct keys are the queue's entries.
  const perPlatform = await db.select({
    orders: sql<number>`count(*)`.mapWith(Number),
    buyers: sql<number>`count(distinct ${groupKey})`.mapWith(Number),
  }).from(orders).where(isNull(orders.memberId)).groupBy(orders.platform)
  const ids = shown.map(g => g.orderId)
  const details = ids.length === 0
    ? []
    : await db.select({ id: orders.id, orderNo: orders.orderNo, buyerId: orders.buyerId, receiverName: orderSources.receiverName, phoneMasked: orderSources.phoneMasked })
        .from(orders)
        .leftJoin(orderSources, eq(orderSources.orderId, orders.id))
        .where(inArray(orders.id, ids))
  const byId = new Map(details.map(d => [d.id, d]))
  const last = shown.at(-1)
  return {
    totalOrders: perPlatform.reduce((n, r) => n + r.orders, 0),
    totalBuyers: perPlatform.reduce((n, r) => n + r.buyers, 0),
    nextCursor: groups.length > limit && last ? encodeUnmatchedCursor({ lastPaidAt: last.lastPaidAt, platform: last.platform, key: last.key }) : null,
    buyers: shown.map((g) => {
      const d = byId.get(g.orderId)!
      return { platform: g.platform, buyerId: d.buyerId, orderId: g.orderId, orderNo: d.orderNo, orders: g.orders, paidFen: g.paidFen, lastPaidAt: g.lastPaidAt, receiverName: d.receiverName ?? null, phoneMasked: d.phoneMasked ?? null }
    }),
  }
}

async function requireMember(tx: AsyncTx, memberId: number) {
  const [row] = await tx.select({ id: members.id }).from(members).where(eq(members.id, memberId))
  if (!row)
    throw notFound(`member ${memberId} not found`)
}

/**
 * Assigns an unmatched order's buyer account to a member: every unmatched order of that account follows,
 * and the account is linked so later imports match it.
 */
export async function assignUnmatched(database: Database, input: { orderId: number, memberId: number, by: string, now: number }): Promise<IdentityResolution> {
  return database.db.transaction(async (tx) => {
    const [order] = await tx.select({ id: orders.id, platform: orders.platform, buyerId: orders.buyerId, memberId: orders.memberId }).from(orders).where(eq(orders.id, input.orderId))
    if (!order)
      throw notFound(`order ${input.orderId} not found`)
    if (order.memberId !== null)
      throw conflict(`order ${input.orderId} already belongs to member ${order.memberId}`)
    await requireMember(tx, input.memberId)
    const identities: { platform: Platform, buyerId: string }[] = []
    if (order.buyerId) {
      const [linked] = await tx.select({ memberId: memberIdentities.memberId }).from(memberIdentities).where(and(eq(memberIdentities.platform, order.platform), eq(memberIdentities.buyerId, order.buyerId)))
      if (linked && linked.memberId !== input.memberId)
        throw conflict(`account ${order.buyerId} on ${order.platform} already belongs to member ${linked.memberId}`)
      if (!linked) {
        await tx.insert(memberIdentities).values({ platform: order.platform, buyerId: order.buyerId, memberId: input.memberId })
        identities.push({ platform: order.platform, buyerId: order.buyerId })
      }
    }
    const moved = await tx.update(orders).set({ memberId: input.memberId }).where(and(
      isNull(orders.memberId),
      order.buyerId ? and(eq(orders.platform, order.platform), eq(orders.buyerId, order.buyerId)) : eq(orders.id, order.id),
    )).returning({ id: orders.id })
    const orderIds = moved.map(m => m.id).sort((a, b) => a - b)
    await tx.update(orderSources).set({ matchedBy: 'manual' }).where(inArray(orderSources.orderId, orderIds))
    // Her recommendations were scored without these orders.
    await markRecommendationsStale(tx, [input.memberId], input.now)
    const [row] = await tx.insert(identityResolutions).values({
      action: 'assign',
      memberId: input.memberId,
      platform: order.platform,
      buyerId: order.buyerId,
      orderIds,
      identities,
      createdBy: input.by,
      createdAt: input.now,
    }).returning({ id: identityResolutions.id })
    return (await readResolutions(tx, { id: row!.id }))[0]!
  })
}

/**
 * Merges `from` into `into`: its orders and platform accounts move (no order is lost; each keeps its
 * platform and buyer account, so the guide still sees where it came from). Its WeCom contact stays.
 */
export async function mergeMembers(database: Database, input: { intoMemberId: number, fromMemberId: number, by: string, now: number }): Promise<IdentityResolution> {
  if (input.intoMemberId === input.fromMemberId)
    throw conflict('a member cannot be merged into itself')
  return database.db.transaction(async (tx) => {
    await requireMember(tx, input.intoMemberId)
    await requireMember(tx, input.fromMemberId)
    const moved = await tx.update(orders).set({ memberId: input.intoMemberId }).where(eq(orders.memberId, input.fromMemberId)).returning({ id: orders.id })
    const identities = await tx.update(memberIdentities).set({ memberId: input.intoMemberId }).where(eq(memberIdentities.memberId, input.fromMemberId)).returning({ platform: memberIdentities.platform, buyerId: memberIdentities.buyerId })
    await markRecommendationsStale(tx, [input.intoMemberId, input.fromMemberId], input.now)
    const [row] = await tx.insert(identityResolutions).values({
      action: 'merge',
      memberId: input.intoMemberId,
      fromMemberId: input.fromMemberId,
      orderIds: moved.map(m => m.id).sort((a, b) => a - b),
      identities,
      createdBy: input.by,
      createdAt: input.now,
    }).returning({ id: identityResolutions.id })
    return (await readResolutions(tx, { id: row!.id }))[0]!
  })
}

/**
 * Undoes an assign (orders back to the queue, account unlinked) or a merge (orders and accounts move back).
 * Orders that later imports matched through an account the decision linked or moved follow that account
 * back: to the queue after an assign, to the merged-away member after a merge.
 */
export async function undoResolution(database: Database, input: { id: number, now: number }): Promise<IdentityResolution> {
  return database.db.transaction(async (tx) => {
    const [row] = await tx.select().from(identityResolutions).where(eq(identityResolutions.id, input.id))
    if (!row)
      throw notFound(`identity resolution ${input.id} not found`)
    if (row.undoneAt !== null)
      throw conflict(`identity resolution ${input.id} was already undone`)
    const back = row.action === 'assign' ? null : row.fromMemberId
    const movedBack: number[] = []
    for (const ids of chunks(row.orderIds, CHUNK)) {
      // Only orders still where this decision put them: a later decision about an order wins.
      const moved = await tx.update(orders).set({ memberId: back }).where(and(inArray(orders.id, ids), eq(orders.memberId, row.memberId))).returning({ id: orders.id })
      movedBack.push(...moved.map(m => m.id))
    }
    for (const identity of row.identities) {
      const where = and(eq(memberIdentities.platform, identity.platform), eq(memberIdentities.buyerId, identity.buyerId), eq(memberIdentities.memberId, row.memberId))
      const [still] = await tx.select({ memberId: memberIdentities.memberId }).from(memberIdentities).where(where)
      if (!still)
        continue
      const followers = await tx.update(orders).set({ memberId: back }).where(and(
        eq(orders.memberId, row.memberId),
        eq(orders.platform, identity.platform),
        eq(orders.buyerId, identity.buyerId),
        inArray(orders.id, tx.select({ id: orderSources.orderId }).from(orderSources).where(eq(orderSources.matchedBy, 'buyer_id'))),
      )).returning({ id: orders.id })
      movedBack.push(...followers.map(m => m.id))
      if (back === null)
        await tx.delete(memberIdentities).where(where)
      else
        await tx.update(memberIdentities).set({ memberId: back }).where(where)
    }
    // Back in the queue, an order is matched by nobody.
    if (back === null) {
      for (const ids of chunks(movedBack, CHUNK))
        await tx.update(orderSources).set({ matchedBy: null }).where(inArray(orderSources.orderId, ids))
    }
    await markRecommendationsStale(tx, [row.memberId, ...(back === null ? [] : [back])], input.now)
    await tx.update(identityResolutions).set({ undoneAt: input.now }).where(eq(identityResolutions.id, input.id))
    return (await readResolutions(tx, { id: input.id }))[0]!
  })
}

const fromMember = alias(members, 'from_member')

/** Decisions with the names an admin reads (the members', the admin's), newest first. */
async function readResolutions(db: AsyncDbOrTx, filter: { id?: number, limit?: number }): Promise<IdentityResolution[]> {
  const rows = await db.select({
    resolution: identityResolutions,
    memberName: members.name,
    fromMemberName: fromMember.name,
    createdByName: staff.name,
  }).from(identityResolutions).innerJoin(members, eq(members.id, identityResolutions.memberId)).leftJoin(fromMember, eq(fromMember.id, identityResolutions.fromMemberId)).leftJoin(staff, eq(staff.userid, identityResolutions.createdBy)).where(filter.id === undefined ? undefined : eq(identityResolutions.id, filter.id)).orderBy(desc(identityResolutions.createdAt), desc(identityResolutions.id)).limit(filter.limit ?? 1)
  return rows.map(({ resolution: row, memberName, fromMemberName, createdByName }) => ({
    id: row.id,
    action: row.action,
    memberId: row.memberId,
    memberName,
    platform: row.platform,
    buyerId: row.buyerId,
    fromMemberId: row.fromMemberId,
    fromMemberName: fromMemberName ?? null,
    orders: row.orderIds.length,
    createdBy: row.createdBy,
    createdByName: createdByName ?? null,
    createdAt: row.createdAt,
    undoneAt: row.undoneAt,
  }))
}

export async function listResolutions(database: Database, limit = 100): Promise<IdentityResolution[]> {
  return readResolutions(database.db, { limit })
}
