// Credit recent orders to sends, then train the recommender + propensity models once; prints a JSON summary:
//   pnpm --filter @scrm/server train --db PATH      (or DATABASE_PATH; default .data/scrm.db)
// Safe to run next to a serving instance: it writes one transaction, servers pick it up on their next re-check.
import { resolve } from 'node:path'
import { openDatabase } from '../db/client.ts'
import { runAttribution } from './jobs.ts'
import { trainModels } from './training.ts'

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  if (i >= 0)
    return process.argv[i + 1]
  const eq = process.argv.find(a => a.startsWith(`${name}=`))
  return eq?.slice(name.length + 1)
}

const path = resolve(argValue('--db') ?? process.env.DATABASE_PATH ?? '.data/scrm.db')
const nowArg = argValue('--now')
const now = nowArg ? Date.parse(nowArg) : Date.now()
if (!Number.isFinite(now))
  throw new Error(`--now must be a date, got ${nowArg}`)
const database = openDatabase(path)
try {
  const started = performance.now()
  const attribution = await runAttribution(database.port.db, now, 30)
  const { modelRunId, stats } = await trainModels(database.port, { now })
  console.log(JSON.stringify({ database: path, modelRunId, trainedAt: new Date(now).toISOString(), totalMs: Math.round(performance.now() - started), attribution, ...stats }))
}
finally {
  database.close()
}
