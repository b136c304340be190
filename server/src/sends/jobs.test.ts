import type { Database } from '../db/port.ts'
import { eq } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { jobs, jobSchedules, members, sends, staff } from '../db/schema.ts'
import { createJobQueue } from '../jobs/queue.ts'
import { RECONCILE_SENDS_JOB, registerSendJobs, scheduleSendJobs } from './jobs.ts'
import { PENDING_SEND_TTL_MS } from './service.ts'

const T = Date.UTC(2026, 11, 1, 2)

async function pendingSend(database: Database, memberId: number, createdAt: number) {
  const [row] = await database.db.insert(sends).values({ idempotencyKey: `job-${createdAt}`, guideUserid: 'g1', memberId, kind: 'text', payload: {}, status: 'pending', createdAt }).returning({ id: sends.id })
  return row!.id
}

describeEachDialect('reconcile-sends job', ({ fresh }) => {
  it('expires stale pending sends every 5 minutes, once per run across two instances', async () => {
    const { database, another } = await fresh()
    await database.db.insert(staff).values({ userid: 'g1', name: '导购一', role: 'guide' })
    const [member] = await database.db.insert(members).values({ name: '王女士' }).returning({ id: members.id })
    const stale = await pendingSend(database, member!.id, T - PENDING_SEND_TTL_MS - 1)
    const recent = await pendingSend(database, member!.id, T - 60_000)

    let now = T
    const instances = [createJobQueue({ database, now: () => now }), createJobQueue({ database: await another(), now: () => now })]
    for (const queue of instances) {
      registerSendJobs(queue, { db: database.db, now: () => now })
      await scheduleSendJobs(queue)
    }
    const tickAll = async () => {
      for (const queue of instances) await queue.tick()
    }
    const statusOf = async (id: number) => (await database.db.select({ status: sends.status }).from(sends).where(eq(sends.id, id)).get())!.status
    const runs = async () => (await database.db.select().from(jobs).where(eq(jobs.name, RECONCILE_SENDS_JOB))).map(job => job.status)

    await tickAll()
    expect(await statusOf(stale)).toBe('expired')
    expect(await statusOf(recent)).toBe('pending')
    expect(await runs()).toEqual(['succeeded'])
    expect(await database.db.select({ nextRunAt: jobSchedules.nextRunAt }).from(jobSchedules).where(eq(jobSchedules.name, RECONCILE_SENDS_JOB))).toEqual([{ nextRunAt: T + 5 * 60_000 }])

    now = T + 4 * 60_000
    await tickAll()
    expect(await runs()).toHaveLength(1)
    now = T + PENDING_SEND_TTL_MS
    await tickAll()
    expect(await runs()).toEqual(['succeeded', 'succeeded'])
    expect(await statusOf(recent)).toBe('expired')
  })
})
