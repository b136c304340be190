// Training and per-member scoring on the benchmark database, and next-basket training on the
// whole of Ta-Feng when that public data set is at hand.
import { existsSync } from 'node:fs'
import { openDatabase } from '../src/db/client.ts'
import { loadTafengDir } from '../src/recommend/eval/nbr-data.ts'
import { recommend, trainNbrModel } from '../src/recommend/nbr/model.ts'
import { createRecommender } from '../src/recommend/scoring.ts'
import { trainModels } from '../src/recommend/training.ts'
import { summarise } from './stats.ts'

/** Demo data's "today": the generator's default clock, so cycles and recency line up with the data. */
export const BENCH_NOW = Date.UTC(2026, 10, 23)

export function benchTraining(databasePath: string) {
  const database = openDatabase(databasePath)
  const started = performance.now()
  const { stats } = trainModels(database.db, { now: BENCH_NOW })
  const seconds = (performance.now() - started) / 1000
  database.close()
  return { seconds: Math.round(seconds * 10) / 10, artifactKb: Math.round(stats.artifactBytes / 1024), members: stats.members, orders: stats.orders, timingsMs: stats.timingsMs }
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
