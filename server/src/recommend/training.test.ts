// Training through the database port: the same models and scores on SQLite and PostgreSQL, whatever the
// keyset page size; old model runs pruned; and the worker thread the `train` job uses.
import type { OpenedDatabase } from '../db/client.ts'
import type { Database } from '../db/port.ts'
import type { TrainingProgress, TrainResult } from './training.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, eq, isNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { generateDemoData } from '../../demo/generator.ts'
import { seedDatabase } from '../../demo/seed.ts'
import { copyDatabase } from '../../testing/copy-database.ts'
import { createPostgresTestDatabase, describeEachDialect } from '../../testing/dialects.ts'
import { openDatabase } from '../db/client.ts'
import { memberRecommendations, members, memberScores, modelRuns, recommendations, sends, staff } from '../db/schema.ts'
import { runTrainingInWorker } from './training-worker.ts'
import { pruneModelRuns, readPurchases, trainModels } from './training.ts'

let dir: string
let seeded: OpenedDatabase
let now: number
/** Trained on the SQLite file with the default page size: what every other run must reproduce. */
let reference: { result: TrainResult, scores: unknown[] }

async function scoresOf(database: Database) {
  return database.db.select().from(memberScores).orderBy(asc(memberScores.memberId))
}

// Small pages (a few orders) so the keyset pagination crosses many member boundaries.
const SMALL_PAGE = 7

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrm-training-'))
  seeded = openDatabase(join(dir, 'seed.db'))
  const dataset = generateDemoData({ seed: 4, members: 150 })
  seedDatabase(seeded.db, dataset)
  now = dataset.meta.now
  const reference_ = openDatabase(join(dir, 'reference.db'))
  await copyDatabase(seeded.port, reference_.port)
  const result = await trainModels(reference_.port, { now })
  reference = { result, scores: await scoresOf(reference_.port) }
  reference_.close()
}, 120_000)

afterAll(() => {
  seeded?.close()
  rmSync(dir, { recursive: true, force: true })
})

function withoutTimings(stats: TrainResult['stats']) {
  const { timingsMs, ...rest } = stats
  expect(Object.keys(timingsMs)).toContain('readOrders')
  return rest
}

describeEachDialect('training through the port', ({ fresh }) => {
  let database: Database
  beforeAll(async () => {
    database = (await fresh()).database
    await copyDatabase(seeded.port, database)
  }, 60_000)

  it('streams every purchase, member by member in id order, whatever the page size', async () => {
    const whole = await readPurchases(database.db, { now, recentDays: 30 })
    const paged = await readPurchases(database.db, { now, recentDays: 30, ordersPerPage: SMALL_PAGE })
    expect(paged).toEqual(whole)
    expect(whole.memberIds.length).toBe(reference.result.stats.membersWithOrders)
    expect(whole.orderDay.length).toBe(reference.result.stats.orders)
    expect([...whole.memberIds]).toEqual([...whole.memberIds].sort((a, b) => a - b))
    expect(new Set(whole.memberIds).size).toBe(whole.memberIds.length)
    for (let i = 0; i < whole.memberIds.length; i++) {
      const days = whole.orderDay.subarray(whole.memberOrderStart[i]!, whole.memberOrderStart[i + 1]!)
      expect([...days]).toEqual([...days].sort((a, b) => a - b))
    }
    expect(whole.orderLineStart[whole.orderDay.length]).toBe(whole.lineSpu.length)
  })

  it('trains the same models and scores as the SQLite reference, with small pages too', async () => {
    const progress: TrainingProgress[] = []
    const result = await trainModels(database, { now, ordersPerPage: SMALL_PAGE, onProgress: p => progress.push(p) })
    expect(withoutTimings(result.stats)).toEqual(withoutTimings(reference.result.stats))
    expect(await scoresOf(database)).toEqual(reference.scores)
    const [run] = await database.db.select({ kind: modelRuns.kind, trainedAt: modelRuns.trainedAt }).from(modelRuns).where(eq(modelRuns.id, result.modelRunId))
    expect(run).toEqual({ kind: 'recommend', trainedAt: now })
    const fractions = progress.map(p => p.fraction)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(progress.at(-1)).toEqual({ phase: 'done', fraction: 1 })
    expect(new Set(progress.map(p => p.phase))).toEqual(new Set(['readOrders', 'trainNbr', 'trainPropensity', 'scoreMembers', 'write', 'done']))
  }, 120_000)

  it('keeps the latest three runs per kind and any run logged recommendations point to', async () => {
    const db = database.db
    await db.delete(memberRecommendations)
    await db.update(recommendations).set({ modelRunId: null })
    await db.delete(modelRuns)
    const insertRun = async (kind: string, trainedAt: number) => (await db.insert(modelRuns).values({ kind, trainedAt, params: {}, metrics: {}, artifact: Buffer.from([1]) }).returning({ id: modelRuns.id }).get())!.id
    const recommendRuns: number[] = []
    for (let i = 0; i < 6; i++) recommendRuns.push(await insertRun('recommend', now + i))
    const otherRuns = [await insertRun('other', now), await insertRun('other', now + 1)]
    const [member] = await db.select({ id: members.id }).from(members).orderBy(asc(members.id)).limit(1)
    // The oldest run is still referenced by a logged recommendation a send hangs off.
    const [shown] = await db.insert(recommendations).values({ memberId: member!.id, guideUserid: 'g1', modelRunId: recommendRuns[0]!, items: [], createdAt: now }).returning({ id: recommendations.id })
    const [guide] = await db.select({ userid: staff.userid }).from(staff).limit(1)
    await db.insert(sends).values({ idempotencyKey: 'prune-1', guideUserid: guide!.userid, memberId: member!.id, kind: 'text', payload: {}, recommendationId: shown!.id, status: 'sent', createdAt: now })
    // The third oldest only by a precomputed list's log row that no send points at: it must not pin the run.
    await db.insert(recommendations).values({ memberId: member!.id, guideUserid: '', modelRunId: recommendRuns[2]!, items: [], createdAt: now })
    // The second oldest only by a precomputed list, which lets go of it (ON DELETE SET NULL).
    await db.insert(memberRecommendations).values({ memberId: member!.id, modelRunId: recommendRuns[1]!, items: [], computedAt: now })

    expect(await pruneModelRuns(db, 3)).toBe(2)
    expect(await db.select({ run: recommendations.modelRunId }).from(recommendations).where(eq(recommendations.modelRunId, recommendRuns[2]!))).toEqual([])
    const kept = await db.select({ id: modelRuns.id }).from(modelRuns).orderBy(asc(modelRuns.id))
    expect(kept.map(r => r.id)).toEqual([recommendRuns[0]!, ...recommendRuns.slice(3), ...otherRuns])
    expect(await db.select({ id: memberRecommendations.memberId }).from(memberRecommendations).where(isNull(memberRecommendations.modelRunId))).toEqual([{ id: member!.id }])
    expect(await pruneModelRuns(db, 3)).toBe(0)

    // Training prunes as it stores its run.
    const trained = await trainModels(database, { now: now + 10 })
    const after = await db.select({ id: modelRuns.id }).from(modelRuns).where(eq(modelRuns.kind, 'recommend')).orderBy(asc(modelRuns.id))
    expect(after.map(r => r.id)).toEqual([recommendRuns[0]!, recommendRuns[4]!, recommendRuns[5]!, trained.modelRunId])
    // Retraining replaced every member's scores row (upserted in chunks), none left from the earlier run.
    const rows = await scoresOf(database)
    expect(rows.length).toBe(trained.stats.members)
    expect(new Set(rows.map(r => r.updatedAt))).toEqual(new Set([now + 10]))
  }, 120_000)
})

describe('runTrainingInWorker', () => {
  it('trains on the SQLite file in a worker thread with its own connection, reporting progress', async () => {
    const path = join(dir, 'worker.db')
    const target = openDatabase(path)
    await copyDatabase(seeded.port, target.port)
    target.close()
    const progress: TrainingProgress[] = []
    const result = await runTrainingInWorker({ databaseUrl: '', databasePath: path }, now, p => progress.push(p))
    expect(withoutTimings(result.stats)).toEqual(withoutTimings(reference.result.stats))
    expect(progress.at(-1)).toEqual({ phase: 'done', fraction: 1 })
    const reopened = openDatabase(path)
    try {
      expect(await scoresOf(reopened.port)).toEqual(reference.scores)
    }
    finally {
      reopened.close()
    }
  }, 120_000)

  it.skipIf(!inject('postgresUrl'))('trains on PostgreSQL through DATABASE_URL', async () => {
    const created = await createPostgresTestDatabase()
    try {
      const { connectDatabase } = await import('../db/client.ts')
      const { port } = await connectDatabase({ databaseUrl: created.url, databasePath: '' })
      try {
        await copyDatabase(seeded.port, port)
        const result = await runTrainingInWorker({ databaseUrl: created.url, databasePath: '' }, now)
        expect(withoutTimings(result.stats)).toEqual(withoutTimings(reference.result.stats))
        expect(await scoresOf(port)).toEqual(reference.scores)
      }
      finally {
        await port.close()
      }
    }
    finally {
      await created.drop()
    }
  }, 120_000)

  it('rejects with the worker\'s error when the database cannot be opened', async () => {
    await expect(runTrainingInWorker({ databaseUrl: '', databasePath: join(dir, 'missing-dir', 'nope', 'x.db') }, now)).rejects.toThrow(/training failed/)
  }, 60_000)
})
