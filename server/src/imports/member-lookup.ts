// Finding the two members of a merge and showing what it would move, before the admin confirms it.
import type { MemberBrief, MergePreview } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import { asc, eq, inArray, like, or, sql } from 'drizzle-orm'
import { memberIdentities, members, orders } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { conflict, notFound } from '../plugins/errors.ts'
import { masksAgree, phoneOf } from './values.ts'

const SEARCH_LIMIT = 20

async function briefs(db: AsyncDbOrTx, ids: number[]): Promise<MemberBrief[]> {
  if (ids.length === 0)
    return []
  return db.select({
    id: members.id,
    name: members.name,
    phoneMasked: members.phoneMasked,
    externalUserid: members.externalUserid,
    orders: sql<number>`(select count(*) from ${orders} where ${qualified(orders.memberId)} = ${qualified(members.id)})`.mapWith(Number),
    identities: sql<number>`(select count(*) from ${memberIdentities} where ${qualified(memberIdentities.memberId)} = ${qualified(members.id)})`.mapWith(Number),
  }).from(members).where(inArray(members.id, ids)).orderBy(asc(members.id))
}

/**
 * Members by id, phone (a full number by its hash, a masked one by the digits it shows, or the last four
 * digits), WeCom external id, unionid, platform buyer id or part of the name; at most 20, by id.
 */
export async function searchMembers(database: Database, query: string): Promise<MemberBrief[]> {
  const { db } = database
  const q = query.trim()
  if (q === '')
    return []
  const ids = new Set<number>()
  const add = (rows: { id: number }[]) => rows.forEach(r => ids.add(r.id))
  if (/^\d{1,15}$/.test(q))
    add(await db.select({ id: members.id }).from(members).where(eq(members.id, Number(q))))
  const phone = phoneOf(q)
  if (phone?.hash)
    add(await db.select({ id: members.id }).from(members).where(eq(members.phoneHash, phone.hash)))
  const tail = phone ? phone.masked.slice(-4) : /^\d{4}$/.test(q) ? q : null
  if (tail) {
    const rows = await db.select({ id: members.id, phoneMasked: members.phoneMasked }).from(members).where(like(members.phoneMasked, `%${tail}`)).limit(200)
    add(rows.filter(r => !phone || masksAgree(r.phoneMasked!, phone.masked)))
  }
  add(await db.select({ id: members.id }).from(members).where(or(eq(members.externalUserid, q), eq(members.unionid, q))))
  add(await db.select({ id: memberIdentities.memberId }).from(memberIdentities).where(eq(memberIdentities.buyerId, q)))
  const pattern = `%${q.replace(/[%_\\]/g, c => `\\${c}`)}%`
  add(await db.select({ id: members.id }).from(members).where(sql`lower(${members.name}) like lower(${pattern}) escape '\\'`).orderBy(asc(members.id)).limit(SEARCH_LIMIT))
  return briefs(db, [...ids].sort((a, b) => a - b).slice(0, SEARCH_LIMIT))
}

/** What merging `from` into `into` would move: `from`'s orders per platform and its platform accounts. */
export async function previewMerge(database: Database, input: { intoMemberId: number, fromMemberId: number }): Promise<MergePreview> {
  if (input.intoMemberId === input.fromMemberId)
    throw conflict('a member cannot be merged into itself')
  const { db } = database
  const found = await briefs(db, [input.intoMemberId, input.fromMemberId])
  const into = found.find(m => m.id === input.intoMemberId)
  const from = found.find(m => m.id === input.fromMemberId)
  if (!into)
    throw notFound(`intoMemberId: member ${input.intoMemberId} not found`)
  if (!from)
    throw notFound(`fromMemberId: member ${input.fromMemberId} not found`)
  const ordersByPlatform = await db.select({
    platform: orders.platform,
    orders: sql<number>`count(*)`.mapWith(Number),
    paidFen: sql<number>`coalesce(sum(${orders.paidAmount}), 0)`.mapWith(Number),
  }).from(orders).where(eq(orders.memberId, from.id)).groupBy(orders.platform).orderBy(asc(orders.platform))
  const identities = await db.select({ platform: memberIdentities.platform, buyerId: memberIdentities.buyerId }).from(memberIdentities).where(eq(memberIdentities.memberId, from.id)).orderBy(asc(memberIdentities.platform), asc(memberIdentities.buyerId))
  return { into, from, ordersByPlatform, identities }
}
