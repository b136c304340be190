// In-server training schedule. Training is synchronous CPU work on one instance: with several
// instances behind a load balancer, exactly ONE should run jobs (SCRM_JOBS=1, the default) and every
// other one must set SCRM_JOBS=0; they all pick the new model up from `model_runs` on their next
// re-check (model-store.ts). Alternatively set SCRM_JOBS=0 everywhere and run `pnpm train` from cron.
import type { DbOrTx } from '../db/client.ts'
import type { TrainResult } from './training.ts'
import { latestModelRunId } from './model-store.ts'
import { trainModels } from './training.ts'

export interface JobsLogger {
  info: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface TrainingScheduleOptions {
  db: DbOrTx
  now: () => number
  intervalHours?: number
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

/** Train now if there is no model or it is older than the interval; returns null when it was fresh. */
export function trainIfStale(db: DbOrTx, now: number, intervalHours: number): TrainResult | null {
  const latest = latestModelRunId(db)
  if (latest && now - latest.trainedAt < intervalHours * 3_600_000)
    return null
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
  const first = setTimeout(run, 0)
  first.unref()
  const timer = setInterval(run, intervalHours * 3_600_000)
  timer.unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
  }
}
