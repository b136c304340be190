// Contact work as handlers of the durable job queue (jobs/queue.ts):
// - `contacts.events`: drains the `wecom_events` table. The callback route stores an event, then enqueues
//   this job; a schedule runs it too, retrying failed rows and catching an event stored while a drain was
//   finishing. One live job at a time (singleton), so no event is processed by two workers at once.
// - `contacts.sync`: a full contact sync (batch/get_by_user), enqueued by an admin.
import type { AsyncDbOrTx } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { ContactSyncClient, SyncProgress } from './sync.ts'
import { drainUntilIdle } from './events.ts'
import { syncAllContacts } from './sync.ts'

export const EVENTS_JOB = 'contacts.events'
export const SYNC_JOB = 'contacts.sync'
/** The singleton key the queue gives scheduled runs (`schedule:<name>`, queue.ts): enqueues share it, so one drain is live at a time. */
const EVENTS_SINGLETON = `schedule:${EVENTS_JOB}`
const SYNC_SINGLETON = 'full'
/** Backstop drain interval: retries failed events and picks up one stored as a drain was finishing. */
const EVENTS_INTERVAL_MS = 60_000

export interface ContactJobsOptions {
  db: AsyncDbOrTx
  wecom: ContactSyncClient
  now: () => number
  log?: JobsLogger
}

/** Registers the `contacts.events` and `contacts.sync` handlers on this instance's queue. */
export function registerContactJobs(queue: JobQueue, options: ContactJobsOptions) {
  const { db, wecom, now, log } = options
  queue.register(EVENTS_JOB, async ({ signal }) => {
    const result = await drainUntilIdle(db, wecom, {
      now,
      signal,
      onError: (row, err) => log?.error({ err, eventId: row.id, event: row.event, changeType: row.changeType }, 'WeCom event processing failed'),
    })
    if (result.processed + result.failed + result.dropped > 0)
      log?.info({ processed: result.processed, failed: result.failed, dropped: result.dropped }, 'WeCom events drained')
  }, { maxAttempts: 3, backoffMs: 5_000 })

  queue.register(SYNC_JOB, async ({ progress }) => {
    const report = (p: SyncProgress) => {
      // Phases, not pages: WeCom does not say how many pages there will be.
      const fraction = { tags: 0.05, contacts: 0.1, cleanup: 0.9, done: 1 }[p.phase]
      void progress(fraction).catch(err => log?.error({ err }, 'contact sync progress not recorded'))
    }
    const result = await syncAllContacts(db, wecom, { now, onProgress: report })
    log?.info({ ...result }, 'contact sync done')
  }, { maxAttempts: 3, backoffMs: 60_000, leaseMs: 5 * 60_000 })
}

/** Stores the backstop schedule of the event drain (every instance may call it). */
export async function scheduleContactJobs(queue: JobQueue) {
  await queue.schedule(EVENTS_JOB, EVENTS_INTERVAL_MS)
}

/** Asks for a drain of the stored events; null when one is already queued or running (it will see them). */
export async function enqueueEventDrain(queue: JobQueue): Promise<number | null> {
  return queue.enqueue(EVENTS_JOB, {}, { singletonKey: EVENTS_SINGLETON })
}

/** Asks for a full contact sync; null when one is already queued or running. */
export async function enqueueContactSync(queue: JobQueue): Promise<number | null> {
  return queue.enqueue(SYNC_JOB, {}, { singletonKey: SYNC_SINGLETON })
}
