import type { Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { Recommender } from './scoring.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, eq, inArray } from 'drizzle-orm'
import { beforeAll, expect, it } from 'vitest'
import { generateDemoData } from '../../demo/generator.ts'
import { seedDatabase } from '../../demo/seed.ts'
import { copyDatabase } from '../../testing/copy-database.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { openDatabase } from '../db/client.ts'
import { jobs, memberRecommendations, members, memberScores, orderLines, orders, products, recommendations } from '../db/schema.ts'
import { createJobQueue } from '../jobs/queue.ts'
import { registerPrecomputeJobs } from './jobs.ts'
import { precomputeRecommendationsInWorkers } from './precompute-worker.ts'
import { createPrecomputedProvider, markRecommendationsStale, markStaleAfterNewOrders, pendingMembersIn, precomputeRecommendations, REFRESH_JOB } from './precomputed.ts'
import { createRecommender } from './scoring.ts'
import { trainModels } from './training.ts'

const DAY = 86_400_000
const session = (userid: string): Session => ({ userid, role: 'guide', storeId: null, exp: 0 })

describeEachDialect('precomputed recommendations', ({ fresh }) => {
  let database: Database
  let now: number
  let modelRunId: number

  beforeAll(async () => {
    database = (await fresh()).database
    // The demo seeding is sync SQLite code: seed and train a SQLite file, then copy it through the port.
    const dir = mkdtempSync(join(tmpdir(), 'scrm-precomputed-'))
    const seeded = openDatabase(join(dir, 'seed.db'))
    try {
      const dataset = generateDemoData({ seed: 8, members: 80 })
      seedDatabase(seeded.db, dataset)
      now = dataset.meta.now
      modelRunId = (await trainModels(seeded.port, { now })).modelRunId
      await copyDatabase(seeded.port, database)
    }
    finally {
      seeded.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('scores every member once per model run in batches, resumably, and the provider shows exactly the stored list', async () => {
    const recommender = createRecommender({ now: () => now, modelRecheckMs: 0 })
    const fractions: number[] = []
    const startedAt = Date.now()
    const first = await precomputeRecommendations(database.db, recommender, { now, databaseClock: database.sql.nowMs, batchSize: 25, progress: async p => void fractions.push(p.done / p.total) })
    const memberCount = (await database.db.select({ id: members.id }).from(members).all()).length
    expect(first).toEqual({ scored: memberCount, modelRunId })
    expect(fractions.length).toBe(Math.ceil(memberCount / 25))
    expect(fractions.at(-1)).toBe(1)
    // A second run (a retry after a crash, say) finds nothing left to do for this model run.
    expect((await precomputeRecommendations(database.db, recommender, { now, databaseClock: database.sql.nowMs })).scored).toBe(0)
    const endedAt = Date.now()

    const stored = await database.db.select().from(memberRecommendations).orderBy(memberRecommendations.memberId).all()
    expect(stored).toHaveLength(memberCount)
    expect(stored.every(row => row.modelRunId === modelRunId && row.staleSince === null)).toBe(true)
    // Stamped by the database's clock (the one on orders.created_at; this machine's), not the business clock.
    expect(stored.every(row => row.computedAt >= startedAt - 1_000 && row.computedAt <= endedAt + 1_000)).toBe(true)
    const buyer = stored.find(row => row.items.length >= 3)!
    expect(buyer.items).toEqual((await recommender.score(database.db, buyer.memberId, { k: recommender.defaultLimit, log: false, guideUserid: '' })).items)

    // Each non-empty list was stored with the log row of exactly its items; empty lists have none.
    expect(stored.every(row => (row.recommendationId !== null) === (row.items.length > 0))).toBe(true)
    const logOf = async (id: number) => database.db.select().from(recommendations).where(eq(recommendations.id, id)).get()
    const asLogged = (items: typeof buyer.items) => items.map((it, i) => ({ skuId: it.skuId, spuId: it.spuId, reasonCode: it.facts.code, score: it.score, rank: i + 1 }))
    expect(await logOf(buyer.recommendationId!)).toMatchObject({ memberId: buyer.memberId, modelRunId, createdAt: now, items: asLogged(buyer.items) })

    // No scoring and no write on the request path: the provider returns the row and its log row's id.
    const logCount = async () => (await database.db.select({ id: recommendations.id }).from(recommendations).all()).length
    const logsBefore = await logCount()
    const provider = createPrecomputedProvider({ now: () => now })
    const rec = await provider(database.db, buyer.memberId, session('guide-p'))
    expect(rec.items).toEqual(buyer.items)
    expect(rec.recommendationId).toBe(buyer.recommendationId)
    expect((await provider(database.db, buyer.memberId, session('guide-q'))).recommendationId).toBe(buyer.recommendationId)
    expect(await logCount()).toBe(logsBefore)
  })

  it('a new order marks her list stale and the refresh job re-scores it without what she now owns', async () => {
    const recommender = createRecommender({ now: () => now, modelRecheckMs: 0 })
    await precomputeRecommendations(database.db, recommender, { now, databaseClock: database.sql.nowMs })
    // The seeded orders carry the business clock, long before the lists were scored: nothing is stale.
    expect(await markStaleAfterNewOrders(database.db, now)).toEqual([])
    // A member whose list holds a one-off (non-consumable) product: once bought it must leave her list.
    const rows = await database.db.select().from(memberRecommendations).orderBy(memberRecommendations.memberId).all()
    let target: { memberId: number, skuId: string, spuId: string, price: number } | undefined
    for (const row of rows) {
      for (const item of row.items) {
        const product = await database.db.select().from(products).where(eq(products.skuId, item.skuId)).get()
        if (!target && product && !product.consumable && item.facts.code !== 'explore')
          target = { memberId: row.memberId, skuId: item.skuId, spuId: item.spuId, price: product.price }
      }
    }
    expect(target).toBeDefined()
    const t = target!
    const later = now + DAY
    const [order] = await database.db.insert(orders).values({ platform: 'youzan', orderNo: 'PRECOMPUTE-1', memberId: t.memberId, status: 'completed', totalAmount: t.price, paidAmount: t.price, paidAt: now - 60_000 }).returning({ id: orders.id })
    await database.db.insert(orderLines).values({ orderId: order!.id, skuId: t.skuId, spuId: t.spuId, quantity: 1, unitPrice: t.price, amount: t.price })

    expect(await markStaleAfterNewOrders(database.db, later)).toEqual([t.memberId])
    expect((await database.db.select().from(memberRecommendations).where(eq(memberRecommendations.memberId, t.memberId)).get())!.staleSince).toBe(later)
    // Marking again (another change before the refresh ran) enqueues no second job.
    await database.db.transaction(async tx => markRecommendationsStale(tx, [t.memberId], later + 1))
    expect(await database.db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.name, REFRESH_JOB), eq(jobs.status, 'queued'))).all()).toHaveLength(1)

    // The job runs after both changes (the second stamped later + 1): its clock reads later + 1.
    const queue = createJobQueue({ database, now: () => later + 1 })
    registerPrecomputeJobs(queue, { db: database.db, databaseClock: database.sql.nowMs, recommender, now: () => later + 1 })
    await queue.tick()
    const refreshed = (await database.db.select().from(memberRecommendations).where(eq(memberRecommendations.memberId, t.memberId)).get())!
    expect(refreshed.staleSince).toBeNull()
    const orderCreatedAt = (await database.db.select({ at: orders.createdAt }).from(orders).where(eq(orders.id, order!.id)).get())!.at
    expect(refreshed.computedAt).toBeGreaterThanOrEqual(orderCreatedAt)
    expect(refreshed.items.length).toBeGreaterThanOrEqual(3)
    expect(refreshed.items.map(i => i.spuId)).not.toContain(t.spuId)
    expect(await database.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.name, REFRESH_JOB)).all()).toEqual([{ status: 'succeeded' }])
    // Nothing newer than the list now: no more stale marks (with the list stamped by the app clock, a day
    // after the business `now` but before the database stamped the order, she would be re-marked forever).
    expect(await markStaleAfterNewOrders(database.db, later)).toEqual([])
  })

  it('a change made while her refresh runs gets that job to score her again', async () => {
    const memberId = (await database.db.select({ id: memberRecommendations.memberId }).from(memberRecommendations).orderBy(memberRecommendations.memberId).limit(1).get())!.id
    let t = now + 10 * DAY
    const clock = () => ++t
    const inner = createRecommender({ now: () => now, modelRecheckMs: 0 })
    let scored = 0
    const recommender: Recommender = {
      defaultLimit: inner.defaultLimit,
      settings: inner.settings,
      async score(db, id, request) {
        // A send to her commits while the refresh scores her; its refresh job cannot be enqueued, this one holds her key.
        if (++scored === 1)
          await database.db.transaction(async tx => markRecommendationsStale(tx, [memberId], clock()))
        return inner.score(db, id, request)
      },
    }
    await database.db.transaction(async tx => markRecommendationsStale(tx, [memberId], clock()))
    const queue = createJobQueue({ database, now: clock })
    registerPrecomputeJobs(queue, { db: database.db, databaseClock: database.sql.nowMs, recommender, now: clock })
    await queue.tick()
    expect(scored).toBe(2)
    expect((await database.db.select().from(memberRecommendations).where(eq(memberRecommendations.memberId, memberId)).get())!.staleSince).toBeNull()
    expect(await database.db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.name, REFRESH_JOB), eq(jobs.status, 'queued'))).all()).toEqual([])
  })

  it('shows her trained scores gated, and before her first scores the sufficiency of her purchases as training counts them', async () => {
    const provider = createPrecomputedProvider({ now: () => now })
    // Trained: the numbers are exactly her member_scores row's, and only where her history is sufficient.
    const ok = (await database.db.select().from(memberScores).where(eq(memberScores.sufficiency, 'ok')).limit(1).get())!
    expect((await provider(database.db, ok.memberId, session('g'))).propensity).toEqual({ pBuy7: ok.pBuy7, pBuy30: ok.pBuy30, pAlive: ok.pAlive, expectedNextAt: ok.expectedNextAt, sufficiency: 'ok' })
    expect(ok.pBuy30).not.toBeNull()
    const thin = (await database.db.select().from(memberScores).where(eq(memberScores.sufficiency, 'thin')).limit(1).get())!
    expect((await provider(database.db, thin.memberId, session('g'))).propensity).toEqual({ pBuy7: null, pBuy30: null, pAlive: null, expectedNextAt: null, sufficiency: 'thin' })

    // Members who joined after training have no scores: a purchase is an order not cancelled, not fully
    // refunded and paid by now; days are Asia/Shanghai days (UTC 15:30 and 16:30 fall on two of them).
    const sku = (await database.db.select().from(products).limit(1).get())!
    let seq = 0
    const joined = async (purchases: { paidAt: number, status?: 'completed' | 'cancelled' | 'refunded', refunded?: boolean }[]) => {
      const [member] = await database.db.insert(members).values({ name: `新客${seq}` }).returning({ id: members.id })
      for (const p of purchases) {
        const [order] = await database.db.insert(orders).values({ platform: 'youzan', orderNo: `SUFFICIENCY-${++seq}`, memberId: member!.id, status: p.status ?? 'completed', totalAmount: sku.price, paidAmount: sku.price, refundedAmount: p.refunded ? sku.price : 0, paidAt: p.paidAt }).returning({ id: orders.id })
        await database.db.insert(orderLines).values({ orderId: order!.id, skuId: sku.skuId, spuId: sku.spuId, quantity: 1, unitPrice: sku.price, amount: sku.price })
      }
      return (await provider(database.db, member!.id, session('g'))).propensity
    }
    const utcMidnight = Math.floor(now / DAY) * DAY - 10 * DAY
    const blank = { pBuy7: null, pBuy30: null, pAlive: null, expectedNextAt: null }
    expect(await joined([])).toEqual({ ...blank, sufficiency: 'none' })
    expect(await joined([{ paidAt: now - 20 * DAY }])).toEqual({ ...blank, sufficiency: 'thin' })
    expect(await joined([{ paidAt: now - 20 * DAY, status: 'refunded', refunded: true }, { paidAt: now - 10 * DAY, status: 'refunded', refunded: true }])).toEqual({ ...blank, sufficiency: 'none' })
    expect(await joined([{ paidAt: now - 20 * DAY }, { paidAt: now - 10 * DAY, status: 'cancelled' }])).toEqual({ ...blank, sufficiency: 'thin' })
    expect(await joined([{ paidAt: now - 20 * DAY }, { paidAt: now + DAY }])).toEqual({ ...blank, sufficiency: 'thin' })
    expect(await joined([{ paidAt: utcMidnight + 930 * 60_000 }, { paidAt: utcMidnight + 954 * 60_000 }])).toEqual({ ...blank, sufficiency: 'thin' })
    expect(await joined([{ paidAt: utcMidnight + 930 * 60_000 }, { paidAt: utcMidnight + 990 * 60_000 }])).toEqual({ ...blank, sufficiency: 'ok' })
  })

  it('finds the pending members (no list, another run\'s, or stale) page by page, across gaps in the ids', async () => {
    const recommender = createRecommender({ now: () => now, modelRecheckMs: 0 })
    await precomputeRecommendations(database.db, recommender, { now, databaseClock: database.sql.nowMs })
    const listed = await database.db.select().from(memberRecommendations).orderBy(memberRecommendations.memberId).all()
    // A stale list, a list from no run, and members with ids several read windows apart and no list.
    await database.db.update(memberRecommendations).set({ staleSince: now }).where(eq(memberRecommendations.memberId, listed[3]!.memberId))
    await database.db.update(memberRecommendations).set({ modelRunId: null }).where(eq(memberRecommendations.memberId, listed[7]!.memberId))
    const farIds = [45_001, 45_002, 130_000, 2_000_000_000]
    await database.db.insert(members).values(farIds.map(id => ({ id, name: `远号${id}` })))
    try {
      // What "pending" means, read plainly from every member and list.
      const lists = new Map((await database.db.select().from(memberRecommendations).all()).map(l => [l.memberId, l]))
      const expected = (await database.db.select({ id: members.id }).from(members).orderBy(members.id).all())
        .map(m => m.id)
        .filter((id) => {
          const list = lists.get(id)
          return !list || list.modelRunId !== modelRunId || list.staleSince !== null
        })
      expect(expected).toEqual(expect.arrayContaining([listed[3]!.memberId, listed[7]!.memberId, ...farIds]))
      // Windows of 3 ids, so the pages cross many of them and the gaps between the far ids.
      const pending = pendingMembersIn(database.db, 3)
      expect(await pending.count(modelRunId)).toBe(expected.length)
      const paged: number[] = []
      for (let page = await pending.after(0, modelRunId, 2); page.length; page = await pending.after(page.at(-1)!, modelRunId, 2))
        paged.push(...page)
      expect(paged).toEqual(expected)
      // Without a model run every member is pending.
      expect(await pending.count(null)).toBe((await database.db.select({ id: members.id }).from(members).all()).length)
    }
    finally {
      await database.db.delete(members).where(inArray(members.id, farIds))
    }
  })
})

describeEachDialect('precomputed recommendations in worker threads', ({ fresh }) => {
  let database: Database
  let connection: { databaseUrl: string, databasePath: string }
  let now: number

  beforeAll(async () => {
    ({ database, connection } = await fresh())
    const dir = mkdtempSync(join(tmpdir(), 'scrm-precompute-workers-'))
    const seeded = openDatabase(join(dir, 'seed.db'))
    try {
      const dataset = generateDemoData({ seed: 11, members: 300 })
      seedDatabase(seeded.db, dataset)
      now = dataset.meta.now
      await trainModels(seeded.port, { now })
      await copyDatabase(seeded.port, database)
    }
    finally {
      seeded.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  const storedLists = async () => database.db.select().from(memberRecommendations).orderBy(memberRecommendations.memberId).all()
  const logOf = async (id: number | null) => id === null ? null : database.db.select().from(recommendations).where(eq(recommendations.id, id)).get()

  it('two threads store exactly the lists, scores and log rows of the single-thread path, and the progress reaches 1', async () => {
    // A setting besides the defaults: the workers must score with the caller's settings.
    const recommender = createRecommender({ now: () => now, modelRecheckMs: 0, limit: 5 })
    const batchSize = 40
    const single = await precomputeRecommendations(database.db, recommender, { now, databaseClock: database.sql.nowMs, batchSize })
    const memberCount = (await database.db.select({ id: members.id }).from(members).all()).length
    expect(single.scored).toBe(memberCount)
    const expected = await storedLists()
    expect(expected.some(row => row.items.length === 5)).toBe(true)
    const expectedLogs = await Promise.all(expected.map(async row => logOf(row.recommendationId)))

    await database.db.delete(memberRecommendations)
    const fractions: number[] = []
    const startedAt = Date.now()
    const threaded = await precomputeRecommendationsInWorkers(database.db, { threads: 2, connection, settings: recommender.settings, clock: () => now, now, databaseClock: database.sql.nowMs, batchSize, progress: async p => void fractions.push(p.done / p.total) })
    const endedAt = Date.now()
    expect(threaded).toEqual(single)
    expect(fractions).toHaveLength(Math.ceil(memberCount / batchSize))
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(fractions.at(-1)).toBe(1)

    const stored = await storedLists()
    expect(stored.map(row => ({ memberId: row.memberId, modelRunId: row.modelRunId, staleSince: row.staleSince, items: row.items })))
      .toEqual(expected.map(row => ({ memberId: row.memberId, modelRunId: row.modelRunId, staleSince: row.staleSince, items: row.items })))
    // computedAt is the database clock when the batch's scoring started, in the workers as on this thread.
    expect(stored.every(row => row.computedAt >= startedAt - 1_000 && row.computedAt <= endedAt + 1_000)).toBe(true)
    // Each list points at a new log row of exactly its items, written with it.
    const logs = await Promise.all(stored.map(async row => logOf(row.recommendationId)))
    const logContent = (log: Awaited<ReturnType<typeof logOf>>) => log && { memberId: log.memberId, guideUserid: log.guideUserid, modelRunId: log.modelRunId, items: log.items, createdAt: log.createdAt }
    expect(logs.map(logContent)).toEqual(expectedLogs.map(logContent))
    const lastSingleLog = Math.max(...expected.map(row => row.recommendationId ?? 0))
    expect(stored.every(row => row.recommendationId === null || row.recommendationId > lastSingleLog)).toBe(true)

    // Nothing is left for a retry.
    expect((await precomputeRecommendationsInWorkers(database.db, { threads: 2, connection, settings: recommender.settings, clock: () => now, now, databaseClock: database.sql.nowMs })).scored).toBe(0)
  }, 60_000)

  it('fails the run when its worker threads cannot connect, leaving the stored lists as they were', async () => {
    await database.db.update(memberRecommendations).set({ staleSince: now })
    const broken = { databaseUrl: '', databasePath: join(tmpdir(), 'scrm-missing-dir', 'nope', 'x.db') }
    await expect(precomputeRecommendationsInWorkers(database.db, { threads: 2, connection: broken, settings: {}, clock: () => now, now, databaseClock: database.sql.nowMs }))
      .rejects
      .toThrow(/precompute worker failed/)
    expect((await storedLists()).every(row => row.staleSince === now)).toBe(true)
  }, 60_000)
})
