// Training and attribution as handlers of the durable job queue (jobs/queue.ts) with schedules stored in
// the database: any number of instances may run workers (SCRM_JOBS), and each run happens once. After a
// new model, every member's list is re-scored by the `precompute-recommendations` job (precomputed.ts,
// in worker threads: precompute-worker.ts); a change to one member's data re-scores hers (`refresh-recommendations`).
import type { AsyncDb, AsyncDbOrTx, Database } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { AttributionResult } from '../sends/attribution.ts'
import type { DatabaseClock } from './precomputed.ts'
import type { Recommender } from './scoring.ts'
import type { TrainingConnection } from './training-worker.ts'
import type { TrainResult } from './training.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { attributeOrders, DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../sends/attribution.ts'
import { latestModelRunId } from './model-store.ts'
import { precomputeRecommendationsInWorkers } from './precompute-worker.ts'
import { markStaleAfterNewOrders, PRECOMPUTE_JOB, precomputeRecommendations, REFRESH_JOB, refreshRecommendations } from './precomputed.ts'
import { runTrainingInWorker } from './training-worker.ts'
import { trainModels } from './training.ts'

const DAY_MS = 86_400_000

export const TRAIN_JOB = 'train'
export const ATTRIBUTE_JOB = 'attribute'

export interface RecommendJobsOptions {
  /** The async port (attribution, model runs, precomputed lists). */
  port: Database
  /** Where the training worker connects (its own connection, as config.ts names them). */
  connection: TrainingConnection
  /** Scores the precomputed lists; give it `modelRecheckMs: 0` so a new run is used at once. */
  recommender: Recommender
  /** Worker threads of the precompute job (PRECOMPUTE_THREADS; 0 scores on this thread). */
  precomputeThreads: number
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
export async function runAttribution(db: AsyncDb, now: number, lookbackDays = DEFAULT_ATTRIBUTION_WINDOW_DAYS + 2): Promise<AttributionResult> {
  return db.transaction(async tx => attributeOrders(tx, { now, since: now - lookbackDays * DAY_MS }))
}

/**
 * Train if there is no model or it is older than the interval; returns null when it was fresh.
 * Attribution runs first, over a month, so learned conversion and suppression see every outcome.
 */
export async function trainIfStale(port: Database, now: number, intervalHours: number, train: (now: number) => Promise<TrainResult> = async at => trainModels(port, { now: at })): Promise<TrainResult | null> {
  const latest = await latestModelRunId(port.db)
  if (latest && now - latest.trainedAt < intervalHours * 3_600_000)
    return null
  await runAttribution(port.db, now, 30)
  return train(now)
}

/** Registers the `train` and `attribute` handlers on this instance's queue. */
export function registerRecommendJobs(queue: JobQueue, options: RecommendJobsOptions) {
  queue.register(TRAIN_JOB, async ({ progress }) => {
    const started = performance.now()
    // Training is CPU work for minutes at brand scale: it runs in a worker thread with its own connection,
    // so this instance keeps answering requests; its phases are the job's progress.
    const result = await trainIfStale(options.port, options.now(), options.trainIntervalHours, async now => runTrainingInWorker(options.connection, now, (p) => {
      void progress(p.fraction)
    }))
    if (result) {
      options.log?.info({ modelRunId: result.modelRunId, ms: Math.round(performance.now() - started), ...result.stats.sufficiency }, 'recommend model trained')
      await enqueueJob(options.port.db, options.now(), PRECOMPUTE_JOB, { modelRunId: result.modelRunId }, { singletonKey: 'all' })
    }
  }, { leaseMs: 6 * 3_600_000, maxAttempts: 3, backoffMs: 10 * 60_000 })
  queue.register(ATTRIBUTE_JOB, async () => {
    const result = await runAttribution(options.port.db, options.now())
    if (result.attributed + result.revoked + result.revalued > 0)
      options.log?.info({ ...result }, 'orders attributed to sends')
    const stale = await markStaleAfterNewOrders(options.port.db, options.now())
    if (stale.length)
      options.log?.info({ members: stale.length }, 'recommendations stale after new orders')
  }, { leaseMs: 3_600_000, maxAttempts: 5, backoffMs: 60_000 })
  registerPrecomputeJobs(queue, { db: options.port.db, databaseClock: options.port.sql.nowMs, recommender: options.recommender, now: options.now, workers: { threads: options.precomputeThreads, connection: options.connection }, log: options.log })
}

export interface PrecomputeJobsOptions {
  db: AsyncDbOrTx
  databaseClock: DatabaseClock
  recommender: Recommender
  now: () => number
  /** Worker threads that score the precompute job's batches, connecting to `connection` (none or 0 threads: this thread). */
  workers?: { threads: number, connection: TrainingConnection }
  log?: { info: (obj: object, msg: string) => void }
}

/**
 * Registers the precompute and per-member refresh handlers. The precompute scores every member: in worker
 * threads when given, so this instance keeps answering requests. A refresh scores one member (a few ms)
 * on this thread.
 */
export function registerPrecomputeJobs(queue: JobQueue, options: PrecomputeJobsOptions) {
  const threads = options.workers?.threads ?? 0
  queue.register(PRECOMPUTE_JOB, async ({ progress, signal }) => {
    const started = performance.now()
    const run = { now: options.now(), databaseClock: options.databaseClock, signal, progress: async (p: { done: number, total: number }) => progress(p.total ? p.done / p.total : 1) }
    const result = options.workers && threads > 0
      ? await precomputeRecommendationsInWorkers(options.db, { ...run, threads, connection: options.workers.connection, settings: options.recommender.settings, clock: options.now })
      : await precomputeRecommendations(options.db, options.recommender, run)
    options.log?.info({ ...result, threads, ms: Math.round(performance.now() - started) }, 'recommendations precomputed')
  }, { leaseMs: 10 * 60_000, maxAttempts: 5, backoffMs: 60_000 })
  queue.register(REFRESH_JOB, async ({ payload }) => {
    const memberId = Number(payload.memberId)
    if (!Number.isInteger(memberId))
      throw new Error(`${REFRESH_JOB}: payload.memberId is not an integer`)
    await refreshRecommendations(options.db, options.recommender, memberId, options.now, options.databaseClock)
  }, { maxAttempts: 5, backoffMs: 10_000 })
}

/**
 * Stores both schedules (idempotent; every instance may call it). A new database trains at once; the train
 * handler skips while the latest model is younger than the interval (e.g. after a manual `pnpm train`).
 */
export async function scheduleRecommendJobs(queue: JobQueue, options: Pick<RecommendJobsOptions, 'trainIntervalHours' | 'attributionIntervalMinutes'>) {
  await queue.schedule(TRAIN_JOB, options.trainIntervalHours * 3_600_000)
  await queue.schedule(ATTRIBUTE_JOB, (options.attributionIntervalMinutes ?? 60) * 60_000)
}
