// `refresh-material-media` on the durable job queue: hourly, any one instance re-uploads the media ids of
// recently sent materials before their 3-day lifetime runs out (service.ts refreshExpiringMedia).
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { MaterialDeps } from './service.ts'
import { refreshExpiringMedia } from './service.ts'

export const REFRESH_MATERIAL_MEDIA_JOB = 'refresh-material-media'
const REFRESH_INTERVAL_MS = 3_600_000

export function registerMaterialJobs(queue: JobQueue, deps: MaterialDeps & { log?: JobsLogger }) {
  queue.register(REFRESH_MATERIAL_MEDIA_JOB, async () => {
    const result = await refreshExpiringMedia(deps)
    if (result.refreshed + result.dropped > 0)
      deps.log?.info(result, 'material media refreshed')
  }, { maxAttempts: 3, backoffMs: 60_000 })
}

/** Stores the schedule (idempotent; every instance may call it). */
export async function scheduleMaterialJobs(queue: JobQueue) {
  await queue.schedule(REFRESH_MATERIAL_MEDIA_JOB, REFRESH_INTERVAL_MS)
}
