// In-server training schedule. Training is synchronous CPU work on one instance: with several
// instances behind a load balancer, exactly ONE should run jobs (SCRM_JOBS=1, the default) and every
// other one must set SCRM_JOBS=0; they all pick the new model up from `model_runs` on their next
// re-check (model-store.ts). Alternatively set SCRM_JOBS=0 everywhere and run `pnpm train` from cron.
import type { Db } from '../db/client.ts'
import type { AttributionResult } from '../sends/attribution.ts'
import type { TrainResult } from './training.ts'
import { attributeOrders, DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../sends/attribution.ts'
import { latestModelRunId } from './model-store.ts'
import { trainModels } from './training.ts'

const DAY_MS = 86_400_000

export interface JobsLogger {
  info: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface TrainingScheduleOptions {
  db: Db
  now: () => number
  intervalHours?: number
  /** How often recent orders are credited to sends (default 60 min). */
  attributionIntervalMinutes?: number
  log?: JobsLogger
}

/** Whether this instance runs jobs: SCRM_JOBS unset or anything but '0'. */
export function jobsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SCRM_JOBS !== '0'
}

/** TRAIN_INTERVAL_HOURS (default 24). */
export function trainIntervalHours(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.TRAIN_INTERVAL_HOURS ?? 24)
  return Number.isFinite(v) && v > 0 ? v : 24
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
export function trainIfStale(db: Db, now: number, intervalHours: number): TrainResult | null {
  const latest = latestModelRunId(db)
  if (latest && now - latest.trainedAt < intervalHours * 3_600_000)
    return null
  runAttribution(db, now, 30)
  return trainModels(db, { now })
}

/** Start the schedule (first check right after start, then every interval); returns stop(). */
export function startTrainingSchedule(options: TrainingScheduleOptions): () => void {
  const intervalHours = options.intervalHours ?? trainIntervalHours()
  const run = () => {
    try {
      const started = performance.now()
      const result = trainIfStale(options.db, options.now(), intervalHours)
      if (result)
        options.log?.info({ modelRunId: result.modelRunId, ms: Math.round(performance.now() - started), ...result.stats.sufficiency }, 'recommend model trained')
    }
    catch (error) {
      options.log?.error({ err: error }, 'recommend training failed')
    }
  }
  const attribute = () => {
    try {
      const result = runAttribution(options.db, options.now())
      if (result.attributed + result.revoked + result.revalued > 0)
        options.log?.info({ ...result }, 'orders attributed to sends')
    }
    catch (error) {
      options.log?.error({ err: error }, 'attribution failed')
    }
  }
  const first = setTimeout(run, 0)
  first.unref()
  const timer = setInterval(run, intervalHours * 3_600_000)
  timer.unref()
  const attributionTimer = setInterval(attribute, (options.attributionIntervalMinutes ?? 60) * 60_000)
  attributionTimer.unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
    clearInterval(attributionTimer)
  }
}
