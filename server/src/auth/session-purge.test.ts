import { asc, eq } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { jobs, jobSchedules, rateLimits, sessions, staff } from '../db/schema.ts'
import { createJobQueue } from '../jobs/queue.ts'
import { PURGE_SESSIONS_JOB, purgeSessions, registerSessionPurgeJob, scheduleSessionPurgeJob } from './session-purge.ts'

const T = Date.UTC(2026, 11, 1, 3)
const DAY = 86_400_000

describeEachDialect('purge-sessions job', ({ fresh }) => {
  it('deletes sessions ended more than a day ago and ended rate-limit windows, daily', async () => {
    const { database } = await fresh()
    const { db } = database
    await db.insert(staff).values({ userid: 'g1', name: '导购一', role: 'guide' })
    const session = (tokenHash: string, expiresAt: number, revokedAt: number | null = null) => ({ tokenHash, userid: 'g1', createdAt: T - 3 * DAY, expiresAt, revokedAt })
    await db.insert(sessions).values([
      session('live', T + DAY),
      session('expired-long-ago', T - DAY - 1),
      session('expired-recently', T - DAY + 1),
      session('revoked-long-ago', T + DAY, T - DAY - 1),
      session('revoked-recently', T + DAY, T - 60_000),
    ])
    await db.insert(rateLimits).values([{ key: 'api:ip:old', count: 9, resetAt: T - 1 }, { key: 'api:ip:live', count: 2, resetAt: T + 30_000 }])

    let now = T
    const queue = createJobQueue({ database, now: () => now })
    registerSessionPurgeJob(queue, { db, now: () => now })
    await scheduleSessionPurgeJob(queue)
    await queue.tick()
    expect((await db.select({ t: sessions.tokenHash }).from(sessions).orderBy(asc(sessions.tokenHash))).map(r => r.t)).toEqual(['expired-recently', 'live', 'revoked-recently'])
    expect(await db.select({ key: rateLimits.key }).from(rateLimits)).toEqual([{ key: 'api:ip:live' }])
    expect(await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.name, PURGE_SESSIONS_JOB))).toEqual([{ status: 'succeeded' }])
    expect(await db.select({ nextRunAt: jobSchedules.nextRunAt }).from(jobSchedules).where(eq(jobSchedules.name, PURGE_SESSIONS_JOB))).toEqual([{ nextRunAt: T + DAY }])

    now = T + DAY
    await queue.tick()
    expect((await db.select({ t: sessions.tokenHash }).from(sessions).orderBy(asc(sessions.tokenHash))).map(r => r.t)).toEqual(['live'])
    expect(await purgeSessions(db, now)).toBe(0)
  })
})
