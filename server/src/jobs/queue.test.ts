import { eq } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { jobs } from '../db/schema.ts'
import { createJobQueue, enqueueJob, retryDelay } from './queue.ts'

const T0 = 1_764_000_000_000

describeEachDialect('job queue', ({ dialect, fresh }) => {
  it('runs every job exactly once when two workers on separate connections claim at the same time', async () => {
    const { database, another } = await fresh()
    const ran: number[] = []
    const byWorker = new Map<string, number>()
    const workers = [createJobQueue({ database, concurrency: 4 }), createJobQueue({ database: await another(), concurrency: 4 })]
    for (const worker of workers) {
      worker.register('count', async ({ job }) => {
        ran.push(job.id)
        byWorker.set(worker.workerId, (byWorker.get(worker.workerId) ?? 0) + 1)
        await new Promise(resolve => setTimeout(resolve, 2))
      })
    }
    const ids: number[] = []
    for (let i = 0; i < 40; i++)
      ids.push((await workers[0]!.enqueue('count', { i }))!)
    let claimed = 1
    while (claimed > 0)
      claimed = (await Promise.all(workers.map(async worker => worker.tick()))).reduce((a, b) => a + b, 0)
    expect(ran.toSorted((a, b) => a - b)).toEqual(ids)
    const done = await database.db.select({ status: jobs.status, attempts: jobs.attempts }).from(jobs)
    expect(done.every(job => job.status === 'succeeded' && job.attempts === 1)).toBe(true)
    if (dialect === 'postgres')
      expect(byWorker.size).toBe(2)
  })

  it('runs a job again after its worker died, once the lease has run out; dead when out of attempts', async () => {
    const { database } = await fresh()
    let now = T0
    // What a killed worker leaves behind: running jobs it will never finish nor renew.
    await database.db.insert(jobs).values([
      { name: 'import', payload: { file: 'a' }, status: 'running', runAt: T0, attempts: 1, maxAttempts: 3, lockedBy: 'killed', lockedUntil: T0 + 1000, createdAt: T0 },
      { name: 'import', payload: { file: 'b' }, status: 'running', runAt: T0, attempts: 3, maxAttempts: 3, lockedBy: 'killed', lockedUntil: T0 + 1000, createdAt: T0 },
    ])
    const files: unknown[] = []
    const worker = createJobQueue({ database, now: () => now })
    worker.register('import', async ({ payload }) => {
      files.push(payload.file)
    })
    now = T0 + 999
    expect(await worker.tick()).toBe(0)
    now = T0 + 1000
    expect(await worker.tick()).toBe(1)
    expect(files).toEqual(['a'])
    const rows = await database.db.select().from(jobs).orderBy(jobs.id)
    expect(rows.map(r => [r.status, r.attempts, r.lockedBy])).toEqual([['succeeded', 2, null], ['dead', 3, null]])
    expect(rows[1]!.lastError).toMatch(/lease expired/)
  })

  it('retries a failing job with exponential backoff, then marks it dead', async () => {
    const { database } = await fresh()
    let now = T0
    const worker = createJobQueue({ database, now: () => now })
    let calls = 0
    worker.register('flaky', async () => {
      calls++
      throw new Error(`platform said no (${calls})`)
    }, { maxAttempts: 3, backoffMs: 1000 })
    const id = (await worker.enqueue('flaky'))!
    const job = async () => (await database.db.select().from(jobs).where(eq(jobs.id, id)).get())!

    expect(await worker.tick()).toBe(1)
    expect(await job()).toMatchObject({ status: 'queued', attempts: 1, runAt: T0 + 1000, lastError: 'platform said no (1)' })
    now = T0 + 999
    expect(await worker.tick()).toBe(0)
    now = T0 + 1000
    expect(await worker.tick()).toBe(1)
    expect(await job()).toMatchObject({ status: 'queued', attempts: 2, runAt: T0 + 3000 })
    now = T0 + 3000
    expect(await worker.tick()).toBe(1)
    expect(await job()).toMatchObject({ status: 'dead', attempts: 3, finishedAt: T0 + 3000, lastError: 'platform said no (3)' })
    now = T0 + 1_000_000
    expect(await worker.tick()).toBe(0)
    expect(calls).toBe(3)
    expect((await worker.overview()).counts).toEqual({ queued: 0, running: 0, succeeded: 0, dead: 1 })
    expect(retryDelay(20, { backoffMs: 1000, maxBackoffMs: 60_000 })).toBe(60_000)
  })

  it('enqueues a singleton key once while it is queued or running, and again after it finished', async () => {
    const { database, another } = await fresh()
    const second = await another()
    const worker = createJobQueue({ database, now: () => T0 })
    const progress: number[] = []
    worker.register('refresh', async ({ job, progress: report }) => {
      await report(0.5)
      progress.push((await database.db.select({ p: jobs.progress }).from(jobs).where(eq(jobs.id, job.id)).get())!.p!)
    })
    const [a, b] = await Promise.all([
      enqueueJob(database.db, T0, 'refresh', { member: 1 }, { singletonKey: 'member:1' }),
      enqueueJob(second.db, T0, 'refresh', { member: 1 }, { singletonKey: 'member:1' }),
    ])
    expect([a, b].filter(id => id !== null)).toHaveLength(1)
    expect(await worker.enqueue('refresh', { member: 2 }, { singletonKey: 'member:2' })).toBeTypeOf('number')
    expect(await worker.enqueue('refresh', {}, { singletonKey: 'member:1' })).toBeNull()
    expect(await worker.tick()).toBe(2)
    expect(progress).toEqual([0.5, 0.5])
    expect(await worker.enqueue('refresh', {}, { singletonKey: 'member:1' })).toBeTypeOf('number')
  })

  it('fires a schedule stored in the database once per interval, whichever instances tick', async () => {
    const { database, another } = await fresh()
    let now = T0
    const runs: string[] = []
    const instances = [createJobQueue({ database, now: () => now }), createJobQueue({ database: await another(), now: () => now })]
    for (const instance of instances) {
      instance.register('attribute', async () => {
        runs.push(instance.workerId)
      })
      await instance.schedule('attribute', 60_000, { lookbackDays: 9 })
    }
    await Promise.all(instances.map(async instance => instance.tick()))
    await Promise.all(instances.map(async instance => instance.tick()))
    expect(runs).toHaveLength(1)
    now = T0 + 59_999
    await Promise.all(instances.map(async instance => instance.tick()))
    expect(runs).toHaveLength(1)
    now = T0 + 60_000
    await Promise.all(instances.map(async instance => instance.tick()))
    await Promise.all(instances.map(async instance => instance.tick()))
    expect(runs).toHaveLength(2)
    const { schedules, jobs: listed } = await instances[0]!.overview()
    expect(schedules).toEqual([{ name: 'attribute', intervalMs: 60_000, nextRunAt: T0 + 120_000, lastRunAt: T0 + 60_000 }])
    expect(listed.map(job => job.status)).toEqual(['succeeded', 'succeeded'])
  })
})
