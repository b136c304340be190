// pnpm bench [--members 100000] [--seed 42] [--requests 2000] [--tafeng DIR] [--skip-loop]
// Prints each measurement as it completes, then one JSON line with everything (progress on stderr).
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureBenchDatabase } from './bench-db.ts'
import { benchMemberContext } from './context.ts'
import { formatFeedbackLoop, runFeedbackLoop } from './feedback-loop.ts'
import { benchScoring, benchTafengTraining, benchTraining } from './recommend.ts'

const defaultTafeng = resolve(fileURLToPath(import.meta.url), '../../../../shared/data/tafeng-nbr')
const { values } = parseArgs({
  options: {
    'members': { type: 'string', default: '100000' },
    'seed': { type: 'string', default: '42' },
    'requests': { type: 'string', default: '2000' },
    'tafeng': { type: 'string', default: defaultTafeng },
    'skip-loop': { type: 'boolean', default: false },
  },
})
const members = Number(values.members)
const seed = Number(values.seed)
const log = (line: string) => process.stderr.write(`${line}\n`)
const results: Record<string, unknown> = { members, seed }
const target = (ok: boolean) => (ok ? 'meets target' : 'MISSES target')

const db = ensureBenchDatabase(members, seed, log)
if (db.seedSeconds !== null)
  results.seedSeconds = Math.round(db.seedSeconds * 10) / 10
console.log(`database: ${db.path}${db.seedSeconds !== null ? ` (generated and seeded in ${db.seedSeconds.toFixed(1)} s)` : ' (cached)'}`)

log('training …')
const training = benchTraining(db.path)
results.training = training
console.log(`training on ${training.members.toLocaleString()} members / ${training.orders.toLocaleString()} orders: ${training.seconds} s, model ${training.artifactKb} KB`)

log('scoring …')
const scoring = benchScoring(db.path, 2000)
results.scoring = scoring
console.log(`scoring one member: mean ${scoring.scoreOnly.mean} ms, p50 ${scoring.scoreOnly.p50} ms, p99 ${scoring.scoreOnly.p99} ms; with the recommendation log write: mean ${scoring.scoreAndLog.mean} ms (target < 5 ms: ${target(scoring.scoreOnly.mean < 5)})`)

log('member context …')
const context = await benchMemberContext(db.path, { requests: Number(values.requests) })
results.memberContext = context
console.log(`member context with recommendations, in-process: p50 ${context.inject.p50} ms, p95 ${context.inject.p95} ms, p99 ${context.inject.p99} ms (n=${context.inject.n}; target p99 < 50 ms: ${target(context.inject.p99 < 50)})`)
console.log(`member context with recommendations, loopback HTTP: p50 ${context.http.p50} ms, p99 ${context.http.p99} ms (n=${context.http.n}); RSS ${context.rssMb} MB`)

if (existsSync(values.tafeng)) {
  log('Ta-Feng training …')
  const tafeng = benchTafengTraining(values.tafeng)
  results.tafeng = tafeng
  if (tafeng)
    console.log(`Ta-Feng next-basket model on all ${tafeng.users.toLocaleString()} customers: trained in ${tafeng.trainSeconds} s (target < 30 s: ${target(tafeng.trainSeconds < 30)}), ${tafeng.scoreMsPerUser} ms per customer scored`)
}
else {
  console.log(`Ta-Feng training: skipped (no data at ${values.tafeng}; pass --tafeng DIR)`)
}

if (!values['skip-loop']) {
  log('closed-loop feedback simulation …')
  const loop = await runFeedbackLoop({ log })
  results.feedbackLoop = { summary: loop.summary, rounds: loop.rounds, timingsSeconds: loop.timingsSeconds }
  for (const line of formatFeedbackLoop(loop)) console.log(line)
}

console.log(JSON.stringify(results))
