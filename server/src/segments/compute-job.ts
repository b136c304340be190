// The `tags.compute` job: computes every member's tags (computed-tags.ts) from the orders and profile
// stored here and rewrites `computed_member_tags`, one transaction per batch of members, so a member's
// tags are always one run's complete set. Scheduled daily; an admin may enqueue a run.
import type { AsyncDbOrTx } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { ComputedTag, FactOrder, MemberFacts, Population } from './computed-tags.ts'
import { and, asc, gt, inArray, max, ne, sql } from 'drizzle-orm'
import { computedMemberTags, members, orderLines, orders, products, tagGroups, tags } from '../db/schema.ts'
import { DAY_MS, shanghaiDay } from '../lib/china-time.ts'
import { COMPUTED_GROUPS, computeMemberTags } from './computed-tags.ts'

export const COMPUTE_JOB = 'tags.compute'
export const COMPUTE_INTERVAL_MS = 24 * 3_600_000
const BATCH = 500

export const computedGroupId = (group: string) => `c:${group}`

const net = sql<number>`${orders.paidAmount} - ${orders.refundedAmount}`

/** Every buyer's recency, frequency, lifetime and 365-day spend, sorted, to rank one member among them. */
export async function loadPopulation(db: AsyncDbOrTx, now: number): Promise<Population> {
  const since = now - 365 * DAY_MS
  const rows = await db.select({
    last: sql<number>`max(${orders.paidAt})`,
    n: sql<number>`count(*)`,
    total: sql<number>`sum(${net})`,
    recent: sql<number>`sum(case when ${orders.paidAt} > ${since} then ${net} else 0 end)`,
  }).from(orders).where(and(ne(orders.status, 'cancelled'), gt(net, 0), sql`${orders.memberId} is not null`)).groupBy(orders.memberId).all()
  const today = shanghaiDay(now)
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b)
  return {
    recencyDays: sorted(rows.map(r => today - shanghaiDay(Number(r.last)))),
    frequency: sorted(rows.map(r => Number(r.n))),
    monetary: sorted(rows.map(r => Number(r.total))),
    spend365: sorted(rows.map(r => Number(r.recent)).filter(x => x > 0)),
  }
}

/** The facts of the given members: birthday and their orders that were not cancelled, with lines and products. */
export async function loadMemberFacts(db: AsyncDbOrTx, memberIds: number[]): Promise<MemberFacts[]> {
  if (memberIds.length === 0)
    return []
  const [people, orderRows, lineRows] = await Promise.all([
    db.select({ id: members.id, birthday: members.birthday }).from(members).where(inArray(members.id, memberIds)).orderBy(asc(members.id)).all(),
    db.select({ id: orders.id, memberId: orders.memberId, platform: orders.platform, paidAt: orders.paidAt, paid: orders.paidAmount, refunded: orders.refundedAmount })
      .from(orders)
      .where(and(inArray(orders.memberId, memberIds), ne(orders.status, 'cancelled')))
      .orderBy(asc(orders.paidAt), asc(orders.id))
      .all(),
    db.select({ orderId: orderLines.orderId, category: products.category, size: products.size, color: products.color, unitPrice: orderLines.unitPrice, quantity: orderLines.quantity, amount: orderLines.amount })
      .from(orderLines)
      .innerJoin(orders, sql`${orders.id} = ${orderLines.orderId}`)
      .innerJoin(products, sql`${products.skuId} = ${orderLines.skuId}`)
      .where(and(inArray(orders.memberId, memberIds), ne(orders.status, 'cancelled')))
      .orderBy(asc(orderLines.id))
      .all(),
  ])
  const linesOf = new Map<number, FactOrder['lines']>()
  for (const { orderId, ...line } of lineRows) {
    const list = linesOf.get(orderId) ?? []
    list.push(line)
    linesOf.set(orderId, list)
  }
  const ordersOf = new Map<number, FactOrder[]>()
  for (const o of orderRows) {
    const list = ordersOf.get(o.memberId!) ?? []
    list.push({ platform: o.platform, paidAt: o.paidAt, net: o.paid - o.refunded, refunded: o.refunded, lines: linesOf.get(o.id) ?? [] })
    ordersOf.set(o.memberId!, list)
  }
  return people.map(p => ({ memberId: p.id, birthday: p.birthday, orders: ordersOf.get(p.id) ?? [] }))
}

async function ensureGroups(db: AsyncDbOrTx, now: number): Promise<void> {
  const entries = Object.entries(COMPUTED_GROUPS)
  for (const [i, [group, name]] of entries.entries()) {
    // Computed groups sort after corp groups (WeCom orders groups by `order`, higher first).
    await db.insert(tagGroups).values({ id: computedGroupId(group), name, sortOrder: -1 - i, source: 'computed', createdAt: now }).onConflictDoUpdate({ target: tagGroups.id, set: { name, sortOrder: -1 - i, deleted: false } }).run()
  }
}

/** Stores one batch's tags; `defined` holds the tag ids this run has upserted already (a tag's name follows from its id). */
async function storeBatch(tx: AsyncDbOrTx, memberIds: number[], computed: Map<number, ComputedTag[]>, now: number, defined: Set<string>): Promise<number> {
  const defs = new Map<string, ComputedTag>()
  for (const list of computed.values()) list.filter(t => !defined.has(t.id)).forEach(t => defs.set(t.id, t))
  const groupOrder = Object.keys(COMPUTED_GROUPS)
  for (const t of defs.values()) {
    defined.add(t.id)
    await tx.insert(tags).values({ id: t.id, groupId: computedGroupId(t.group), name: t.name, sortOrder: -groupOrder.indexOf(t.group), createdAt: now }).onConflictDoUpdate({ target: tags.id, set: { name: t.name, deleted: false } }).run()
  }
  await tx.delete(computedMemberTags).where(inArray(computedMemberTags.memberId, memberIds)).run()
  const rows = [...computed.entries()].flatMap(([memberId, list]) => list.map(t => ({ memberId, tagId: t.id, explanation: t.explanation, computedAt: now })))
  for (let i = 0; i < rows.length; i += 500)
    await tx.insert(computedMemberTags).values(rows.slice(i, i + 500)).run()
  return rows.length
}

export interface ComputeResult {
  members: number
  tags: number
}

/** Computes and stores the tags of every member (or of `onlyMemberIds`). */
export async function computeAllTags(db: AsyncDbOrTx, now: number, options: { onlyMemberIds?: number[], progress?: (fraction: number) => Promise<void> } = {}): Promise<ComputeResult> {
  await ensureGroups(db, now)
  const population = await loadPopulation(db, now)
  const ids = options.onlyMemberIds ?? (await db.select({ id: members.id }).from(members).orderBy(asc(members.id)).all()).map(r => r.id)
  const result: ComputeResult = { members: 0, tags: 0 }
  const defined = new Set<string>()
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH)
    const facts = await loadMemberFacts(db, batch)
    const computed = new Map(facts.map(f => [f.memberId, computeMemberTags(f, population, now)]))
    result.tags += await db.transaction(async tx => storeBatch(tx, batch, computed, now, defined))
    result.members += facts.length
    await options.progress?.(Math.min(1, (i + batch.length) / ids.length))
  }
  return result
}

/**
 * The scheduled run: computes every member's tags unless they were computed less than an interval ago. A new
 * schedule's first run is due at once (jobs/queue.ts), so without this a start right after a compute (the demo
 * computes before listening; a restart of any instance) would redo all of it while the first requests arrive.
 */
export async function computeTagsIfStale(db: AsyncDbOrTx, now: number, options: { progress?: (fraction: number) => Promise<void> } = {}): Promise<ComputeResult | null> {
  const last = await db.select({ at: max(computedMemberTags.computedAt) }).from(computedMemberTags).get()
  if (last?.at != null && now - last.at < COMPUTE_INTERVAL_MS)
    return null
  return computeAllTags(db, now, options)
}

export function registerComputeJob(queue: JobQueue, options: { db: AsyncDbOrTx, now: () => number, log?: JobsLogger }) {
  queue.register(COMPUTE_JOB, async ({ progress }) => {
    const result = await computeTagsIfStale(options.db, options.now(), { progress })
    options.log?.info({ ...result, skipped: result === null }, result ? 'computed tags' : 'computed tags are fresh; skipped')
  }, { maxAttempts: 3, backoffMs: 60_000, leaseMs: 30 * 60_000 })
}

export async function scheduleComputeJob(queue: JobQueue) {
  await queue.schedule(COMPUTE_JOB, COMPUTE_INTERVAL_MS)
}
