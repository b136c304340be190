// Archive work as handlers of the durable job queue (jobs/queue.ts):
// - `archive.pull`: pulls until caught up (msgaudit_notify enqueues it; a schedule is the backstop).
//   One live run at a time (singleton), so batches never interleave and the checkpoint only moves forward.
// - `archive.media`: fetches media of stored messages in chunks into content-addressed files.
// - `archive.notify`: WeCom app messages to supervisors for new alerts.
// - `archive.reply-timeouts`: raises reply-timeout alerts (every minute).
import type { Database } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { AppMessageSender } from './alerts.ts'
import type { ArchiveKeyring } from './keys.ts'
import type { ArchiveSource } from './source.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { notifySupervisors, sweepReplyTimeouts } from './alerts.ts'
import { MEDIA_JOB, NOTIFY_JOB, pullUntilCaughtUp } from './ingest.ts'
import { fetchPendingMedia } from './media.ts'

export const PULL_JOB = 'archive.pull'
export const TIMEOUTS_JOB = 'archive.reply-timeouts'
/** Scheduled runs get the singleton key `schedule:<name>` (queue.ts); enqueues share it, so one pull is live at a time. */
const PULL_SINGLETON = `schedule:${PULL_JOB}`
const TIMEOUTS_INTERVAL_MS = 60_000

export interface ArchiveJobsOptions {
  database: Database
  /** Null when archiving is off: only the alert jobs that need no source run. */
  source: ArchiveSource | null
  keyring: ArchiveKeyring
  sourceName: string
  pullLimit: number
  mediaDir: string
  sender: AppMessageSender
  consoleUrl: string
  now: () => number
  log?: JobsLogger
}

export function registerArchiveJobs(queue: JobQueue, options: ArchiveJobsOptions) {
  const { database, source, now, log } = options
  if (source) {
    queue.register(PULL_JOB, async ({ signal }) => {
      const result = await pullUntilCaughtUp({ database, source, keyring: options.keyring, sourceName: options.sourceName, now, limit: options.pullLimit, publicUrl: options.consoleUrl }, signal)
      if (result.fetched > 0)
        log?.info({ ...result }, 'archive pulled')
    }, { maxAttempts: 10, backoffMs: 5_000, maxBackoffMs: 300_000, leaseMs: 120_000 })
    queue.register(MEDIA_JOB, async ({ signal }) => {
      const counts = await fetchPendingMedia({ database, source, dir: options.mediaDir, now }, signal)
      if (counts.stored + counts.failed > 0)
        log?.info(counts, 'archive media fetched')
    }, { maxAttempts: 10, backoffMs: 10_000, leaseMs: 300_000 })
  }
  queue.register(NOTIFY_JOB, async () => {
    await notifySupervisors(database.db, options.sender, now(), options.consoleUrl)
  }, { maxAttempts: 8, backoffMs: 10_000 })
  queue.register(TIMEOUTS_JOB, async () => {
    if (await sweepReplyTimeouts(database.db, now()) > 0)
      await enqueueJob(database.db, now(), NOTIFY_JOB, {}, { singletonKey: NOTIFY_JOB })
  }, { maxAttempts: 3 })
}

export async function scheduleArchiveJobs(queue: JobQueue, options: { pullIntervalSeconds: number, pulling: boolean }) {
  if (options.pulling)
    await queue.schedule(PULL_JOB, options.pullIntervalSeconds * 1000)
  await queue.schedule(TIMEOUTS_JOB, TIMEOUTS_INTERVAL_MS)
}

/** msgaudit_notify: new messages are waiting. Null when a pull is already queued or running (it will get them). */
export async function enqueueArchivePull(queue: JobQueue): Promise<number | null> {
  return queue.enqueue(PULL_JOB, {}, { singletonKey: PULL_SINGLETON })
}
