// Training and attribution as handlers of the durable job queue (jobs/queue.ts) with schedules stored in
// the database: any number of instances may run workers (SCRM_JOBS), and each run happens once. Until the
// conversion wave (issue 7) moves training.ts and attribution.ts onto the async port, the handlers call
// that sync SQLite code through the legacy handle, so they run on SQLite only; being sync CPU work they
// cannot heartbeat either, hence leases longer than a run.
import type { Db } from '../db/client.ts'
import type { Database } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { AttributionResult } from '../sends/attribution.ts'
import type { TrainResult } from './training.ts'
import { attributeOrders, DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../sends/attribution.ts'
import { latestModelRunId } from './model-store.ts'
import { trainModels } from './training.ts'

const DAY_MS = 86_400_000

export const TRAIN_JOB = 'train'
export const ATTRIBUTE_JOB = 'attribute'

export interface RecommendJobsOptions {
  /** The sync SQLite handle (see the note at the top). */
  db: Db
  /** The async port over the same database: training reads and writes through it. */
  port: Database
  now: () => number
  trainIntervalHours: number
  /** How often recent orders are credited to sends (default 60 min). */
  attributionIntervalMinutes?: number
  log?: JobsLogger
}

/**
 * Credits orders paid in the last `lookbackDays` to the sends before them (one transaction).
 * Orders arrive late (imports, platform sync) and refunds later still, so the look-back exceeds the window.
 */
export function runAttribution(db: Db, now: number, lookbackDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS + 2): AttributionResult {
  return db.transaction(tx => attributeOrders(tx, { now, since: now - lookbackDays * DAY_MS }))
}

/**
 * Train if there is no model or it is older than the interval; returns null when it was fresh.
 * Attribution runs first, over a month, so learned conversion and suppression see every outcome.
 */
export async function trainIfStale(db: Db, now: number, intervalHours: number, port: Database): Promise<TrainResult | null> {
  const latest = latestModelRunId(db)
  if (latest && now - latest.trainedAt < intervalHours * 3_600_000)
    return null
  runAttribution(db, now, 30)
  return trainModels(port, { now })
}

/** Registers the `train` and `attribute` handlers on this instance's queue. */
export function registerRecommendJobs(queue: JobQueue, options: RecommendJobsOptions) {
  queue.register(TRAIN_JOB, async () => {
    const started = performance.now()
    const result = await trainIfStale(options.db, options.now(), options.trainIntervalHours, options.port)
    if (result)
      options.log?.info({ modelRunId: result.modelRunId, ms: Math.round(performance.now() - started), ...result.stats.sufficiency }, 'recommend model trained')
  }, { leaseMs: 6 * 3_600_000, maxAttempts: 3, backoffMs: 10 * 60_000 })
  queue.register(ATTRIBUTE_JOB, async () => {
    const result = runAttribution(options.db, options.now())
    if (result.attributed + result.revoked + result.revalued > 0)
      options.log?.info({ ...result }, 'orders attributed to sends')
  }, { leaseMs: 3_600_000, maxAttempts: 5, backoffMs: 60_000 })
}

/**
 * Stores both schedules (idempotent; every instance may call it). A new database trains at once; the train
 * handler skips while the latest model is younger than the interval (e.g. after a manual `pnpm train`).
 */
export async function scheduleRecommendJobs(queue: JobQueue, options: Pick<RecommendJobsOptions, 'trainIntervalHours' | 'attributionIntervalMinutes'>) {
  await queue.schedule(TRAIN_JOB, options.trainIntervalHours * 3_600_000)
  await queue.schedule(ATTRIBUTE_JOB, (options.attributionIntervalMinutes ?? 60) * 60_000)
}
