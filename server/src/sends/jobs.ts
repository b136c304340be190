// `reconcile-sends` on the durable job queue (jobs/queue.ts): every few minutes any one instance settles
// sends whose completion never arrived (service.ts reconcilePendingSends).
import type { AsyncDb } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import { reconcilePendingSends } from './service.ts'

export const RECONCILE_SENDS_JOB = 'reconcile-sends'
const RECONCILE_INTERVAL_MS = 5 * 60_000

export interface SendJobsOptions {
  db: AsyncDb
  now: () => number
  log?: JobsLogger
}

export function registerSendJobs(queue: JobQueue, options: SendJobsOptions) {
  queue.register(RECONCILE_SENDS_JOB, async () => {
    const { expired } = await reconcilePendingSends(options.db, options.now())
    if (expired > 0)
      options.log?.info({ expired }, 'pending sends expired')
  }, { maxAttempts: 3, backoffMs: 30_000 })
}

/** Stores the schedule (idempotent; every instance may call it). */
export async function scheduleSendJobs(queue: JobQueue) {
  await queue.schedule(RECONCILE_SENDS_JOB, RECONCILE_INTERVAL_MS)
}
