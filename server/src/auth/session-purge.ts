// `purge-sessions` on the durable job queue: once a day any one instance deletes sessions that ended
// (expired or revoked) more than a day ago, and rate-limit counters whose window has ended. A day's grace
// keeps recent logouts visible to whoever investigates an incident the next morning.
// (Apart from session-repository.ts so the core conversion of that file and this job do not collide.)
import type { AsyncDbOrTx } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import { lt, or } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { sessions } from '../db/schema.ts'
import { purgeRateLimits } from '../plugins/rate-limit-store.ts'

export const PURGE_SESSIONS_JOB = 'purge-sessions'
const DAY_MS = 86_400_000

/** Deletes sessions expired or revoked more than a day before `now`; returns how many. */
export async function purgeSessions(db: AsyncDbOrTx, now: number): Promise<number> {
  const before = now - DAY_MS
  return changes(await db.delete(sessions).where(or(lt(sessions.expiresAt, before), lt(sessions.revokedAt, before))).run())
}

export interface SessionPurgeOptions {
  db: AsyncDbOrTx
  now: () => number
  log?: JobsLogger
}

export function registerSessionPurgeJob(queue: JobQueue, options: SessionPurgeOptions) {
  queue.register(PURGE_SESSIONS_JOB, async () => {
    const at = options.now()
    const purged = { sessions: await purgeSessions(options.db, at), rateLimits: await purgeRateLimits(options.db, at) }
    if (purged.sessions + purged.rateLimits > 0)
      options.log?.info(purged, 'ended sessions and rate-limit windows purged')
  }, { maxAttempts: 3, backoffMs: 10 * 60_000 })
}

/** Stores the daily schedule (idempotent; every instance may call it). */
export async function scheduleSessionPurgeJob(queue: JobQueue) {
  await queue.schedule(PURGE_SESSIONS_JOB, DAY_MS)
}
