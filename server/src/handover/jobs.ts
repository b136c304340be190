// Handover work on the durable job queue:
// - `handover.submit` {handoverId}: sends a handover's queued customers to WeCom (one live job per handover).
// - `handover.poll`: asks transfer_result about every pending customer; scheduled, because WeCom decides 24 h
//   later and an event can be lost. The events (contacts/events.ts) usually settle them first. It also queues
//   again the submission of a handover whose submit job died (customers still queued after its retries).
import type { AsyncDbOrTx } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { TransferClient } from './service.ts'
import { POLL_JOB, pollHandovers, requeueStalledSubmissions, SUBMIT_JOB, submitHandover } from './service.ts'

const POLL_INTERVAL_MS = 15 * 60_000

export interface HandoverJobsOptions {
  db: AsyncDbOrTx
  wecom: TransferClient
  now: () => number
  log?: JobsLogger
}

export function registerHandoverJobs(queue: JobQueue, { db, wecom, now, log }: HandoverJobsOptions) {
  queue.register(SUBMIT_JOB, async ({ payload }) => {
    const handoverId = Number(payload.handoverId)
    const result = await submitHandover(db, wecom, handoverId, now)
    log?.info({ handoverId, ...result }, 'handover submitted to WeCom')
  }, { maxAttempts: 6, backoffMs: 30_000 })

  queue.register(POLL_JOB, async () => {
    const requeued = await requeueStalledSubmissions(db, now())
    if (requeued.length > 0)
      log?.info({ handoverIds: requeued }, 'stalled handover submissions queued again')
    const result = await pollHandovers(db, wecom, now)
    if (result.completed + result.refused + result.lost > 0)
      log?.info(result, 'handover results applied')
  }, { maxAttempts: 3, backoffMs: 60_000 })
}

export async function scheduleHandoverJobs(queue: JobQueue) {
  await queue.schedule(POLL_JOB, POLL_INTERVAL_MS)
}
