// Training and per-member scoring on the benchmark database, and next-basket training on the
// whole of Ta-Feng when that public data set is at hand.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openDatabase } from '../src/db/client.ts'
import { loadTafengDir } from '../src/recommend/eval/nbr-data.ts'
import { recommend, trainNbrModel } from '../src/recommend/nbr/model.ts'
import { createRecommender } from '../src/recommend/scoring.ts'
import { runTrainingInWorker } from '../src/recommend/training-worker.ts'
import { summarise } from './stats.ts'

/** Argument that makes this file the training bench's child process. */
const TRAIN_CHILD_FLAG = '--bench-training-child'

/** Demo data's "today": the generator's default clock, so cycles and recency line up with the data. */
export const BENCH_NOW = Date.UTC(2026, 10, 23)

/**
 * Trains on the benchmark database as the `train` job does (runTrainingInWorker), in a child process so
 * `peakRssMb` is the high-water mark of training alone: that process's main thread plus the worker thread.
 */
export function benchTraining(databasePath: string, databaseUrl = '') {
  const child = spawnSync(process.execPath, [...tsxArgs(), fileURLToPath(import.meta.url), TRAIN_CHILD_FLAG, databasePath, databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  if (child.status !== 0)
    throw new Error(`training bench failed (exit ${child.status ?? child.signal})`)
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as TrainingBench
}

export interface TrainingBench {
  seconds: number
  /** Peak RSS of the training process (main thread and worker), MB. */
  peakRssMb: number
  members: number
  orders: number
  orderLines: number
  artifactKb: number
  timingsMs: Record<string, number>
}

function tsxArgs(): string[] {
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
}

async function trainingChild(databasePath: string, databaseUrl: string): Promise<TrainingBench> {
  const started = performance.now()
  let lastPhase = ''
  const { stats } = await runTrainingInWorker({ databasePath, databaseUrl }, BENCH_NOW, (p) => {
    if (p.phase !== lastPhase)
      process.stderr.write(`  training: ${p.phase} (${Math.round(p.fraction * 100)} %, ${Math.round(process.memoryUsage.rss() / 1048576)} MB RSS)\n`)
    lastPhase = p.phase
  })
  const seconds = (performance.now() - started) / 1000
  return {
    seconds: Math.round(seconds * 10) / 10,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    members: stats.members,
    orders: stats.orders,
    orderLines: stats.orderLines,
    artifactKb: Math.round(stats.artifactBytes / 1024),
    timingsMs: stats.timingsMs,
  }
}

/** Whether the bench database has a trained recommend model. */
export function hasModel(databasePath: string): boolean {
  const database = openDatabase(databasePath)
  try {
    return database.sqlite.prepare(`select 1 from model_runs where kind = 'recommend' limit 1`).get() !== undefined
  }
  finally {
    database.close()
  }
}

export async function benchScoring(databasePath: string, members: number) {
  const database = openDatabase(databasePath)
  const ids = database.sqlite.prepare(`select f.member_id as id, f.guide_userid as guide from follows f where f.status = 'active' order by random() limit ?`).all(members + 50) as { id: number, guide: string }[]
  const recommender = createRecommender({ now: () => BENCH_NOW })
  for (const { id, guide } of ids.slice(0, 50)) await recommender.score(database.port.db, id, { guideUserid: guide, k: 6, log: true })
  const withLog: number[] = []
  const withoutLog: number[] = []
  for (const { id, guide } of ids.slice(50)) {
    let t = performance.now()
    await recommender.score(database.port.db, id, { guideUserid: guide, k: 6, log: false })
    withoutLog.push(performance.now() - t)
    t = performance.now()
    await recommender.score(database.port.db, id, { guideUserid: guide, k: 6, log: true })
    withLog.push(performance.now() - t)
  }
  database.close()
  return { scoreOnly: summarise(withoutLog), scoreAndLog: summarise(withLog) }
}

/** Next-basket model trained on every Ta-Feng customer's history (the "< 30 s" target). */
export function benchTafengTraining(dir: string) {
  if (!existsSync(dir))
    return null
  const { data } = loadTafengDir(dir)
  const histories = [...data.history.values()]
  const started = performance.now()
  const model = trainNbrModel(histories)
  const trainSeconds = (performance.now() - started) / 1000
  const sample = histories.slice(0, 2000)
  const t = performance.now()
  for (const history of sample) recommend(model, history, 20)
  return { users: histories.length, trainSeconds: Math.round(trainSeconds * 100) / 100, scoreMsPerUser: Math.round((performance.now() - t) / sample.length * 100) / 100 }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === TRAIN_CHILD_FLAG) {
  const result = await trainingChild(process.argv[3]!, process.argv[4] ?? '')
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
