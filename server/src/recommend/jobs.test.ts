import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { generateDemoData } from '../../demo/generator.ts'
import { seedDatabase } from '../../demo/seed.ts'
import { openDatabase } from '../db/client.ts'
import { jobs, memberRecommendations, members, modelRuns, orderLines, orders, sends } from '../db/schema.ts'
import { createJobQueue } from '../jobs/queue.ts'
import { loadFeedbackStats } from './feedback.ts'
import { registerRecommendJobs, runAttribution, scheduleRecommendJobs, trainIfStale } from './jobs.ts'
import { createModelStore } from './model-store.ts'
import { PRECOMPUTE_JOB } from './precomputed.ts'
import { createRecommender } from './scoring.ts'

const DAY = 86_400_000

describe('training schedule', () => {
  it('trains when there is no model or it is stale, and stores pick the new run up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrm-jobs-'))
    const database = openDatabase(join(dir, 'scrm.db'))
    try {
      const dataset = generateDemoData({ seed: 3, members: 120 })
      seedDatabase(database.db, dataset)
      const now = dataset.meta.now
      const store = createModelStore({ recheckMs: 0 })
      expect(await store.get(database.port.db)).toBeNull()
      const first = await trainIfStale(database.port, now, 24)
      expect(first?.modelRunId).toBeGreaterThan(0)
      expect((await store.get(database.port.db))?.runId).toBe(first!.modelRunId)
      expect(await trainIfStale(database.port, now + 3_600_000, 24)).toBeNull()
      const second = await trainIfStale(database.port, now + 25 * 3_600_000, 24)
      expect(second!.modelRunId).toBeGreaterThan(first!.modelRunId)
      expect((await store.get(database.port.db))?.runId).toBe(second!.modelRunId)
    }
    finally {
      database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('credits orders to earlier sends before training, so learned conversion includes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrm-jobs-'))
    const database = openDatabase(join(dir, 'scrm.db'))
    try {
      const dataset = generateDemoData({ seed: 4, members: 120 })
      seedDatabase(database.db, dataset)
      const now = dataset.meta.now
      const follow = database.sqlite.prepare(`select guide_userid g, member_id m from follows where status = 'active' limit 1`).get() as { g: string, m: number }
      const product = database.sqlite.prepare('select sku_id, spu_id, price from products limit 1').get() as { sku_id: string, spu_id: string, price: number }
      const sendId = database.db.insert(sends).values({ idempotencyKey: 'job-test-1', guideUserid: follow.g, memberId: follow.m, kind: 'news', payload: {}, skuId: product.sku_id, reasonCode: 'restock', status: 'sent', createdAt: now - 3 * DAY }).returning().get().id
      const orderId = database.db.insert(orders).values({ platform: 'youzan', orderNo: 'JOB-1', memberId: follow.m, status: 'completed', totalAmount: product.price, paidAmount: product.price, paidAt: now - 2 * DAY }).returning().get().id
      database.db.insert(orderLines).values({ orderId, skuId: product.sku_id, spuId: product.spu_id, quantity: 1, unitPrice: product.price, amount: product.price }).run()

      await trainIfStale(database.port, now, 24)
      expect(database.sqlite.prepare('select send_id from attributions where order_id = ?').get(orderId)).toEqual({ send_id: sendId })
      expect((await loadFeedbackStats(database.port.db)).byReason.get('restock')).toEqual({ sends: 1, conversions: 1 })
      expect(await runAttribution(database.port.db, now)).toEqual({ attributed: 0, revoked: 0, revalued: 0 })
    }
    finally {
      database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('trains and attributes as queue jobs on the schedules stored in the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrm-jobs-'))
    const database = openDatabase(join(dir, 'scrm.db'))
    try {
      const dataset = generateDemoData({ seed: 5, members: 80 })
      seedDatabase(database.db, dataset)
      let now = dataset.meta.now
      // Two instances' workers on one database: each scheduled run still happens once.
      const instances = [createJobQueue({ database: database.port, now: () => now }), createJobQueue({ database: database.port, now: () => now })]
      for (const queue of instances) {
        registerRecommendJobs(queue, { port: database.port, connection: { databaseUrl: '', databasePath: database.path }, recommender: createRecommender({ now: () => now, modelRecheckMs: 0 }), precomputeThreads: 2, now: () => now, trainIntervalHours: 24 })
        await scheduleRecommendJobs(queue, { trainIntervalHours: 24 })
      }
      const tickAll = async () => {
        for (const queue of instances)
          await queue.tick()
      }
      await tickAll()
      const runs = () => database.db.select().from(modelRuns).all().length
      const trained = runs()
      expect(trained).toBeGreaterThan(0)
      expect(database.db.select({ name: jobs.name, status: jobs.status }).from(jobs).orderBy(jobs.name).all().filter(job => job.name !== PRECOMPUTE_JOB))
        .toEqual([{ name: 'attribute', status: 'succeeded' }, { name: 'train', status: 'succeeded' }])
      // A new model re-scores every member's stored list (in two worker threads).
      await tickAll()
      const firstRun = database.db.select({ id: modelRuns.id }).from(modelRuns).orderBy(modelRuns.id).limit(1).get()!.id
      expect(database.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.name, PRECOMPUTE_JOB)).all()).toEqual([{ status: 'succeeded' }])
      const stored = database.db.select({ modelRunId: memberRecommendations.modelRunId }).from(memberRecommendations).all()
      expect(stored).toHaveLength(database.db.select().from(members).all().length)
      expect(stored.every(row => row.modelRunId === firstRun)).toBe(true)
      now += 23 * 3_600_000
      await tickAll()
      expect(runs()).toBe(trained)
      now += 2 * 3_600_000
      await tickAll()
      expect(runs()).toBe(trained * 2)
      expect(database.db.select().from(jobs).all().filter(job => job.name === 'train')).toHaveLength(2)
    }
    finally {
      database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
