// `settle-red-packets` on the durable job queue: every minute any one instance queries WeChat Pay about
// every packet that is not final and pays again, with the same bill, what WeChat Pay never saw.
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { RedPacketDeps } from './service.ts'
import { settleRedPackets } from './service.ts'

export const SETTLE_RED_PACKETS_JOB = 'settle-red-packets'
const SETTLE_INTERVAL_MS = 60_000

export function registerRedPacketJobs(queue: JobQueue, deps: RedPacketDeps, log?: JobsLogger) {
  queue.register(SETTLE_RED_PACKETS_JOB, async () => {
    if (!deps.pay)
      return
    const { checked } = await settleRedPackets(deps)
    if (checked > 0)
      log?.info({ checked }, 'red packets settled')
  }, { maxAttempts: 3, backoffMs: 30_000 })
}

/** Scheduled only where WeChat Pay is configured: elsewhere there is nothing to settle, every minute. */
export async function scheduleRedPacketJobs(queue: JobQueue, options: { paying: boolean }) {
  if (options.paying)
    await queue.schedule(SETTLE_RED_PACKETS_JOB, SETTLE_INTERVAL_MS)
}
