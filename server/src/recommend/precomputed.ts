// Precomputed recommendations: every member's list is scored by jobs (after training, and again when her
// orders, sends or tags change) and stored in `member_recommendations`; the sidebar only reads it. The
// request path does no scoring and no write: one row and her scores. The `recommendations` log row of the
// list's items is written with the list, so a send made from it points (`recommendationId`) at exactly what
// was shown; which guide saw it is on the send.
import type { Propensity, Recommendations, RecommendedProduct } from '@scrm/shared'
import type { SQL } from 'drizzle-orm'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { RecommendedItemLog } from '../db/schema.ts'
import type { RecommendationProvider } from '../members/service.ts'
import type { Recommender } from './scoring.ts'
import { and, asc, eq, gt, inArray, isNull, lt, lte, ne, notInArray, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { memberRecommendations, members, memberScores, orders, recommendations } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { DAY_MS, SHANGHAI_OFFSET_MS } from '../lib/china-time.ts'
import { latestModelRunId } from './model-store.ts'

export const PRECOMPUTE_JOB = 'precompute-recommendations'
export const REFRESH_JOB = 'refresh-recommendations'

/**
 * Members scored per batch (one write transaction per batch). On SQLite a batch's write holds the file's
 * write lock, and any other writer (the API thread's requests too) waits for it: about 0.2–0.9 ms per
 * list at 100k members, so 100 lists hold it for tens of milliseconds.
 */
const DEFAULT_BATCH = 100

/**
 * The database's clock (`Database['sql'].nowMs`). It stamps `orders.created_at`, so a list's `computed_at`
 * is read from it too: `markStaleAfterNewOrders` compares the two, and the app clock (`now`, a business
 * clock in the demo and tests) may be anywhere relative to it.
 */
export type DatabaseClock = () => SQL<number>

/** The database clock's reading now, epoch ms. */
async function readDatabaseClock(db: AsyncDbOrTx, databaseClock: DatabaseClock): Promise<number> {
  const [ms] = await db.get<[number]>(sql`select ${databaseClock()}`)
  return Number(ms)
}

const storedListOf = preparedPerHandle(db => db.select().from(memberRecommendations).where(eq(memberRecommendations.memberId, sql.placeholder('memberId'))).prepare())

/** One member's list as written to `member_recommendations`. */
type StoredList = typeof memberRecommendations.$inferInsert & { memberId: number }

/** The guide of a log row written with a precomputed list: any guide who serves her may be shown it. */
const PRECOMPUTED_GUIDE = ''

function logItems(items: readonly RecommendedProduct[]): RecommendedItemLog[] {
  return items.map((it, i) => ({ skuId: it.skuId, spuId: it.spuId, reasonCode: it.facts.code, score: it.score, rank: i + 1 }))
}

/** Writes one `recommendations` log row per non-empty list; returns its id by member. */
async function logLists(db: AsyncDbOrTx, lists: readonly { memberId: number, items: RecommendedProduct[] }[], modelRunId: number | null, now: number): Promise<Map<number, number>> {
  const shown = lists.filter(l => l.items.length)
  if (!shown.length)
    return new Map()
  const rows = await db.insert(recommendations).values(shown.map(l => ({ memberId: l.memberId, guideUserid: PRECOMPUTED_GUIDE, modelRunId, items: logItems(l.items), createdAt: now }))).returning({ id: recommendations.id, memberId: recommendations.memberId }).all()
  return new Map(rows.map(r => [r.memberId, r.id]))
}

/** `scoringStartedAt`: the database clock before her orders were read, so an order arriving meanwhile counts as new. */
async function scoreForStorage(db: AsyncDbOrTx, recommender: Recommender, memberId: number, scoringStartedAt: number): Promise<StoredList> {
  // Scored for whichever guide serves her; the log row is written with the list (storeLists).
  const scored = await recommender.score(db, memberId, { k: recommender.defaultLimit, log: false, guideUserid: '' })
  return { memberId, modelRunId: null, items: scored.items, computedAt: scoringStartedAt, staleSince: null }
}

/**
 * Writes scored lists. A list that went stale again while it was being scored (a newer `stale_since` than
 * when scoring started) stays stale, so the refresh job enqueued by that change still runs.
 */
async function storeLists(db: AsyncDbOrTx, lists: StoredList[], modelRunId: number | null, startedAt: number) {
  if (!lists.length)
    return
  const logIds = await logLists(db, lists, modelRunId, startedAt)
  await db.insert(memberRecommendations).values(lists.map(l => ({ ...l, modelRunId, recommendationId: logIds.get(l.memberId) ?? null }))).onConflictDoUpdate({
    target: memberRecommendations.memberId,
    set: {
      modelRunId: sql`excluded.model_run_id`,
      items: sql`excluded.items`,
      computedAt: sql`excluded.computed_at`,
      recommendationId: sql`excluded.recommendation_id`,
      staleSince: sql`case when ${memberRecommendations.staleSince} > cast(${startedAt} as bigint) then ${memberRecommendations.staleSince} else null end`,
    },
  })
}

export interface PrecomputeProgress {
  done: number
  total: number
}

export interface PrecomputeOptions {
  /** The app clock when the run started: stamps the log rows; changes marked after it keep a list stale. */
  now: number
  databaseClock: DatabaseClock
  batchSize?: number
  progress?: (p: PrecomputeProgress) => Promise<void>
  signal?: AbortSignal
}

/** One batch of members to score, in id order: written in one transaction. */
export interface PrecomputeBatch {
  memberIds: number[]
  modelRunId: number | null
  /** PrecomputeOptions.now. */
  startedAt: number
}

/** Scores batches one at a time: in this thread, or in one worker thread each (precompute-worker.ts). */
export type PrecomputeLane = (batch: PrecomputeBatch) => Promise<void>

/** Scores one batch's members and stores their lists in one write transaction. */
export async function scoreBatch(db: AsyncDbOrTx, recommender: Recommender, batch: PrecomputeBatch, databaseClock: DatabaseClock): Promise<void> {
  const scoringStartedAt = await readDatabaseClock(db, databaseClock)
  const lists: StoredList[] = []
  for (const id of batch.memberIds) lists.push(await scoreForStorage(db, recommender, id, scoringStartedAt))
  await db.transaction(async tx => storeLists(tx, lists, batch.modelRunId, batch.startedAt))
}

/**
 * Scores every member whose stored list is not from the latest model run (or is stale), in batches of
 * `batchSize` by member id, in this thread. Resumable: a retried or interrupted run skips the lists it already wrote.
 */
export async function precomputeRecommendations(db: AsyncDbOrTx, recommender: Recommender, options: PrecomputeOptions): Promise<{ scored: number, modelRunId: number | null }> {
  return precomputeInLanes(db, [async batch => scoreBatch(db, recommender, batch, options.databaseClock)], options)
}

/**
 * The members whose stored list a model run has not scored yet (no list, a list from another run or
 * none, or a stale one), in id order. Both reads go through the covering index of fresh lists
 * (`member_recommendations_fresh_idx`: run, stale_since, member) and never touch the list rows: on
 * SQLite a row holds its items inline, about a page a member, so a join on the rows read the whole
 * table (80 s at 1M members with nothing pending).
 */
export interface PendingMembers {
  count: (modelRunId: number | null) => Promise<number>
  after: (memberId: number, modelRunId: number | null, limit: number) => Promise<number[]>
}

/**
 * Member ids looked at per pending read: the fresh lists of one window are read from the index into a set,
 * so the set stays small whether few or most members are pending. After each window the next one starts at
 * the next member (one index seek), so gaps in the ids (merged or deleted members) cost nothing.
 */
const PENDING_WINDOW = 20_000

export function pendingMembersIn(db: AsyncDbOrTx, window = PENDING_WINDOW): PendingMembers {
  // A list is fresh when this run wrote it and nothing staled it since; without a run, none is.
  const fresh = (modelRunId: number | null) => and(eq(memberRecommendations.modelRunId, modelRunId ?? -1), isNull(memberRecommendations.staleSince))
  return {
    // Lists belong to existing members (cascade), so pending = members − fresh lists.
    count: async (modelRunId) => {
      const [all, freshLists] = await Promise.all([
        db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(members).get(),
        db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(memberRecommendations).where(fresh(modelRunId)).get(),
      ])
      return (all?.n ?? 0) - (freshLists?.n ?? 0)
    },
    after: async (memberId, modelRunId, limit) => {
      const ids: number[] = []
      let from: number | null = memberId
      while (ids.length < limit && from !== null) {
        const to: number = from + window
        const freshInWindow = db.select({ id: memberRecommendations.memberId }).from(memberRecommendations).where(and(fresh(modelRunId), gt(memberRecommendations.memberId, from), lte(memberRecommendations.memberId, to)))
        const rows = await db.select({ id: members.id }).from(members).where(and(gt(members.id, from), lte(members.id, to), notInArray(members.id, freshInWindow))).orderBy(asc(members.id)).limit(limit - ids.length).all()
        ids.push(...rows.map(r => r.id))
        if (ids.length === limit)
          break
        const next = await db.select({ id: sql<number | null>`min(${members.id})`.mapWith(Number) }).from(members).where(gt(members.id, to)).get()
        from = next?.id == null ? null : next.id - 1
      }
      return ids
    },
  }
}

/**
 * precomputeRecommendations over several lanes: the pending members' batches are handed out in id order,
 * each to the next free lane, and the lanes' progress is summed. When a lane fails (or the run is aborted)
 * no further batch starts; the batches in flight finish, then the first error is thrown.
 */
export async function precomputeInLanes(db: AsyncDbOrTx, lanes: readonly PrecomputeLane[], options: PrecomputeOptions): Promise<{ scored: number, modelRunId: number | null }> {
  const pending = pendingMembersIn(db)
  const batchSize = options.batchSize ?? DEFAULT_BATCH
  const run = await latestModelRunId(db)
  const modelRunId = run?.id ?? null
  const total = await pending.count(modelRunId)
  let done = 0
  let after = 0
  let exhausted = false
  // One claim at a time, so two lanes never read the same keyset page; once a page comes back empty,
  // the other lanes do not scan the rest of the members again.
  let claims: Promise<unknown> = Promise.resolve()
  const claimBatch = async (): Promise<number[]> => {
    const claim = claims.then(async () => {
      if (exhausted)
        return []
      const ids = await pending.after(after, modelRunId, batchSize)
      after = ids.at(-1) ?? after
      exhausted = !ids.length
      return ids
    })
    claims = claim.catch(() => {})
    return claim
  }
  const errors: unknown[] = []
  await Promise.all(lanes.map(async (lane) => {
    try {
      while (!errors.length) {
        options.signal?.throwIfAborted()
        const memberIds = await claimBatch()
        if (!memberIds.length)
          return
        await lane({ memberIds, modelRunId, startedAt: options.now })
        done += memberIds.length
        await options.progress?.({ done, total: Math.max(total, done) })
      }
    }
    catch (error) {
      errors.push(error)
    }
  }))
  if (errors.length)
    throw errors[0]
  return { scored: done, modelRunId }
}

/** Rounds of re-scoring one refresh job does while changes keep arriving (then the next change's job). */
const MAX_REFRESH_ROUNDS = 3

/**
 * Re-scores one member's list (the refresh job). A change made while she was being scored keeps the list
 * stale, and its refresh job was not enqueued (this one, running, holds the member's singleton key): so
 * this job scores her again.
 */
export async function refreshRecommendations(db: AsyncDbOrTx, recommender: Recommender, memberId: number, now: () => number, databaseClock: DatabaseClock): Promise<void> {
  const run = await latestModelRunId(db)
  for (let round = 0; round < MAX_REFRESH_ROUNDS; round++) {
    const startedAt = now()
    const list = await scoreForStorage(db, recommender, memberId, await readDatabaseClock(db, databaseClock))
    await db.transaction(async tx => storeLists(tx, [list], run?.id ?? null, startedAt))
    if (((await storedListOf(db).get({ memberId }))?.staleSince ?? null) === null)
      return
  }
}

/**
 * Her orders, sends or tags changed: mark the stored lists stale and enqueue one refresh per member
 * (a singleton per member, so a burst of changes re-scores once). Call it inside the transaction that
 * made the change, with its `tx`, so the mark and the job commit with it.
 */
export async function markRecommendationsStale(db: AsyncDbOrTx, memberIds: readonly number[], now: number): Promise<void> {
  const ids = [...new Set(memberIds)]
  if (!ids.length)
    return
  // The latest change's time: a change made while a refresh scores her must stay newer than that run's start.
  const at = sql`cast(${now} as bigint)`
  await db.update(memberRecommendations).set({ staleSince: sql`case when ${memberRecommendations.staleSince} is null or ${memberRecommendations.staleSince} < ${at} then ${at} else ${memberRecommendations.staleSince} end` }).where(inArray(memberRecommendations.memberId, ids))
  for (const memberId of ids) await enqueueJob(db, now, REFRESH_JOB, { memberId }, { singletonKey: `member:${memberId}` })
}

/**
 * Orders that arrived after a member's list was scored (imports and platform syncs land late): mark those
 * lists stale and enqueue their refresh. Stateless, so any instance's attribution run may call it. Both
 * sides of the comparison are on the database's clock (`orders.created_at`, `computed_at`); `now` (the
 * app clock) only stamps the stale mark and the jobs.
 */
export async function markStaleAfterNewOrders(db: AsyncDbOrTx, now: number): Promise<number[]> {
  const newer = sql`exists (select 1 from ${orders} where ${qualified(orders.memberId)} = ${qualified(memberRecommendations.memberId)} and ${qualified(orders.createdAt)} > ${qualified(memberRecommendations.computedAt)})`
  const ids = (await db.select({ memberId: memberRecommendations.memberId }).from(memberRecommendations).where(and(isNull(memberRecommendations.staleSince), newer)).orderBy(asc(memberRecommendations.memberId)).all()).map(r => r.memberId)
  await db.transaction(async tx => markRecommendationsStale(tx, ids, now))
  return ids
}

/**
 * Her distinct Asia/Shanghai purchase days, purchases as training counts them (training.ts `readPurchases`).
 * The constants are literals: bound as parameters, better-sqlite3 sends them as doubles and the division
 * would count distinct instants, not days.
 */
const shanghaiDayOfPaidAt = sql`(${orders.paidAt} + ${sql.raw(String(SHANGHAI_OFFSET_MS))}) / ${sql.raw(String(DAY_MS))}`
const purchaseDaysOf = preparedPerHandle(db => db.select({ n: sql<number>`count(distinct ${shanghaiDayOfPaidAt})`.mapWith(Number) }).from(orders).where(and(
  eq(orders.memberId, sql.placeholder('memberId')),
  ne(orders.status, 'cancelled'),
  lt(orders.refundedAmount, orders.paidAmount),
  lte(orders.paidAt, sql.placeholder('now')),
)).prepare())

/**
 * What the sidebar shows of a member's recommendations, in one statement (one round trip on PostgreSQL):
 * her stored list and its log row's id, and her trained scores (`sufficiency` null: none stored).
 */
const servedListOf = preparedPerHandle(db => db.select({
  recommendationId: memberRecommendations.recommendationId,
  items: memberRecommendations.items,
  pBuy7: memberScores.pBuy7,
  pBuy30: memberScores.pBuy30,
  pAlive: memberScores.pAlive,
  expectedNextAt: memberScores.expectedNextAt,
  sufficiency: memberScores.sufficiency,
}).from(members).leftJoin(memberRecommendations, eq(memberRecommendations.memberId, members.id)).leftJoin(memberScores, eq(memberScores.memberId, members.id)).where(eq(members.id, sql.placeholder('memberId'))).prepare())

/** Her trained scores as shown: numbers only where her history is sufficient, blank otherwise. */
function gatedPropensity(row: Omit<Propensity, 'sufficiency'> & { sufficiency: Propensity['sufficiency'] }): Propensity {
  const ok = row.sufficiency === 'ok'
  return {
    pBuy7: ok ? row.pBuy7 : null,
    pBuy30: ok ? row.pBuy30 : null,
    pAlive: ok ? row.pAlive : null,
    expectedNextAt: ok ? row.expectedNextAt : null,
    sufficiency: row.sufficiency,
  }
}

/** Without a training run: how much data there is (training's sufficiency rule), numbers blank. */
async function untrainedPropensity(db: AsyncDbOrTx, memberId: number, now: number): Promise<Propensity> {
  const days = (await purchaseDaysOf(db).get({ memberId, now }))?.n ?? 0
  return { pBuy7: null, pBuy30: null, pAlive: null, expectedNextAt: null, sufficiency: days === 0 ? 'none' : days < 2 ? 'thin' : 'ok' }
}

/** The sidebar's provider: reads the stored list, its log row's id and her scores; no scoring, no write. */
export function createPrecomputedProvider(options: { now: () => number }): RecommendationProvider {
  return async (db, memberId) => {
    const served = await servedListOf(db).get({ memberId })
    const { sufficiency } = served ?? {}
    const propensity = served && sufficiency ? gatedPropensity({ ...served, sufficiency }) : await untrainedPropensity(db, memberId, options.now())
    return { recommendationId: served?.recommendationId ?? null, propensity, items: served?.items ?? [] } satisfies Recommendations
  }
}
