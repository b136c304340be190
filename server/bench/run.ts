// pnpm bench [--members 100000] [--seed 42] [--tafeng DIR] [--only PART[,PART…]] [--skip-loop]
//             [--connections 10] [--duration 15] [--database-url postgres://…]
//             [--messages 100000] [--messages-per-key 1] [--rsa-threads <cores>] [--import-orders 100000 | --import-mb N]
//             [--precompute-threads <cores>] [--rescore N]
//   parts: training, scoring, context, tafeng, loop, redpackets, archive, import, tags, materials (default: all of them, in that order)
// `archive` (--messages N) ingests N emulated archive messages and searches them; with --database-url on PostgreSQL.
// `import` imports a generated Taobao GBK export of 100,000 orders twice (--import-orders N to change, or
// --import-mb N for an export of about N MB), reporting the process's peak RSS during the first import.
// `context` loads GET /api/members/context over loopback HTTP from autocannon in a separate process. It
// first precomputes the lists not yet scored with the latest model, on `--precompute-threads` worker
// threads (0: the main thread); `--rescore N` marks the first N stored lists for scoring again.
// `--database-url postgres://…` runs the `context` part on PostgreSQL: an empty database there is filled
// once with a copy of the seeded SQLite bench database (training and precompute run before the copy).
// Prints each measurement as it completes, then one JSON line with everything (progress on stderr).
// `--only loop` runs the closed-loop feedback simulation alone (fatigue 1, 5 seeds, all arms).
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { openDatabase } from '../src/db/client.ts'
import { benchArchive } from './archive.ts'
import { ensureBenchDatabase } from './bench-db.ts'
import { benchMemberContext, postgresBenchDatabase } from './context.ts'
import { formatFeedbackLoop, runFeedbackLoop } from './feedback-loop.ts'
import { benchImport } from './import.ts'
import { benchMaterials } from './materials.ts'
import { BENCH_NOW, benchScoring, benchTafengTraining, benchTraining, hasModel } from './recommend.ts'
import { benchRedPackets } from './redpackets.ts'
import { benchComputedTags } from './tags.ts'

const PARTS = ['training', 'scoring', 'context', 'tafeng', 'loop', 'redpackets', 'archive', 'import', 'tags', 'materials'] as const
type Part = typeof PARTS[number]

const defaultTafeng = resolve(fileURLToPath(import.meta.url), '../../../../shared/data/tafeng-nbr')
const { values } = parseArgs({
  options: {
    'members': { type: 'string', default: '100000' },
    'seed': { type: 'string', default: '42' },
    'connections': { type: 'string', default: '10' },
    'duration': { type: 'string', default: '15' },
    'database-url': { type: 'string' },
    'tafeng': { type: 'string', default: defaultTafeng },
    'only': { type: 'string' },
    'skip-loop': { type: 'boolean', default: false },
    'messages': { type: 'string', default: '100000' },
    'messages-per-key': { type: 'string', default: '1' },
    'rsa-threads': { type: 'string', default: String(availableParallelism()) },
    'precompute-threads': { type: 'string', default: String(availableParallelism()) },
    'rescore': { type: 'string', default: '0' },
    'import-orders': { type: 'string', default: '100000' },
    'import-mb': { type: 'string' },
  },
})
const only = values.only?.split(',').map(p => p.trim()).filter(Boolean)
const unknown = only?.filter(p => !(PARTS as readonly string[]).includes(p))
if (unknown?.length) {
  process.stderr.write(`--only: unknown part(s) ${unknown.join(', ')}; choose from ${PARTS.join(', ')}\n`)
  process.exit(2)
}
const selected = new Set<Part>((only as Part[] | undefined) ?? PARTS.filter(p => p !== 'loop' || !values['skip-loop']))
const members = Number(values.members)
const seed = Number(values.seed)
const log = (line: string) => process.stderr.write(`${line}\n`)
const results: Record<string, unknown> = { members, seed, parts: [...selected] }
const target = (ok: boolean) => (ok ? 'meets target' : 'MISSES target')
const databaseUrl = values['database-url']
/** Parts that run on PostgreSQL with --database-url; the others measure SQLite only. */
const POSTGRES_PARTS: readonly Part[] = ['context', 'archive']
const notOnPostgres = databaseUrl ? [...selected].filter(p => !POSTGRES_PARTS.includes(p)) : []
if (notOnPostgres.length) {
  process.stderr.write(`--database-url: only ${POSTGRES_PARTS.join(' and ')} run on PostgreSQL; run ${notOnPostgres.join(', ')} without it (SQLite)\n`)
  process.exit(2)
}

if (selected.has('training') || selected.has('scoring') || selected.has('context')) {
  const db = ensureBenchDatabase(members, seed, log)
  if (db.seedSeconds !== null)
    results.seedSeconds = Math.round(db.seedSeconds * 10) / 10
  console.log(`database: ${db.path}${db.seedSeconds !== null ? ` (generated and seeded in ${db.seedSeconds.toFixed(1)} s)` : ' (cached)'}`)

  // Scoring and the member context need a trained model: training runs when asked for or when there is none.
  if (selected.has('training') || !hasModel(db.path)) {
    log('training …')
    const training = benchTraining(db.path)
    results.training = training
    console.log(`training on ${training.members.toLocaleString()} members / ${training.orders.toLocaleString()} orders: ${training.seconds} s, model ${training.artifactKb} KB`)
  }

  if (selected.has('scoring')) {
    log('scoring …')
    const scoring = await benchScoring(db.path, 2000)
    results.scoring = scoring
    console.log(`scoring one member: mean ${scoring.scoreOnly.mean} ms, p50 ${scoring.scoreOnly.p50} ms, p99 ${scoring.scoreOnly.p99} ms; with the recommendation log write: mean ${scoring.scoreAndLog.mean} ms (target < 5 ms: ${target(scoring.scoreOnly.mean < 5)})`)
  }

  if (selected.has('context')) {
    log('member context …')
    const database = databaseUrl ? await postgresBenchDatabase(databaseUrl, db.path, members, log) : openDatabase(db.path).port
    const precompute = { threads: Number(values['precompute-threads']), connection: { databaseUrl: databaseUrl ?? '', databasePath: db.path } }
    const context = await benchMemberContext(database, { connections: Number(values.connections), durationSeconds: Number(values.duration), now: BENCH_NOW, precompute, rescore: Number(values.rescore), log }).finally(async () => database.close())
    Object.assign(results, { memberContext: context.memberContext, bareRoute: context.bareRoute, dialect: context.dialect, connections: context.connections, precompute: context.precompute })
    const m = context.memberContext
    const p = context.precompute
    console.log(`precomputed lists: ${p.scored.toLocaleString()} members scored in ${p.seconds} s on ${p.threads ? `${p.threads} worker threads` : 'the main thread'} (CPU ${p.cpuSeconds} s, of which the main thread ${p.mainThreadCpuSeconds} s), peak RSS ${p.peakRssMb} MB, main thread's longest stall ${p.longestStallMs} ms`)
    console.log(`member context over loopback HTTP (${context.dialect}, ${context.connections} connections): ${m.rps} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${m.non2xx} non-2xx, server RSS ${m.serverRssMb} MB (target ≥ 1,500 req/s, p99 ≤ 30 ms, 0 non-2xx: ${target(m.rps >= 1500 && m.p99Ms <= 30 && m.non2xx === 0)})`)
    console.log(`bare JSON route, same server: ${context.bareRoute.rps} req/s, p50 ${context.bareRoute.p50Ms} ms, p99 ${context.bareRoute.p99Ms} ms`)
  }
}

if (selected.has('tafeng')) {
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
}

if (selected.has('loop')) {
  log('closed-loop feedback simulation …')
  const loop = await runFeedbackLoop({ log })
  results.loop = { config: loop.config, arms: loop.arms, onMinus: loop.onMinus, seconds: loop.seconds }
  for (const line of formatFeedbackLoop(loop)) console.log(line)
}

if (selected.has('redpackets')) {
  log('red packets …')
  const r = await benchRedPackets({ log })
  results.redPackets = r
  console.log(`red packets: ${r.clicks} clicks (${r.requests} requests) in ${r.seconds} s, ${r.requestsPerSecond} req/s; paid ${r.paid} of expected ${r.expectedPaid}, ${r.refused} refused by limits, ${r.settledByJob} settled by the job; duplicate bills ${r.duplicateBillnos}, over budget ¥${(r.overBudgetFen / 100).toFixed(2)}, ledger matches db: ${r.ledgerMatchesDb} (target: paid == expected, 0 duplicates, 0 over, ledger matches: ${target(r.paid === r.expectedPaid && r.duplicateBillnos === 0 && r.overBudgetFen === 0 && r.ledgerMatchesDb)})`)
}

if (selected.has('archive')) {
  log('archive ingest and search …')
  const archive = await benchArchive({ messages: Number(values.messages), messagesPerKey: Number(values['messages-per-key']), rsaThreads: Number(values['rsa-threads']), databaseUrl: values['database-url'], log })
  results.archive = archive
  for (const query of archive.queries)
    console.log(`archive search ${JSON.stringify(query.q)}${query.filter ? ` (${query.filter})` : ''}: p50 ${query.p50Ms} ms, p95 ${query.p95Ms} ms, ${query.hits} hits shown`)
  console.log(`archive on ${archive.dialect}: ${archive.messages.toLocaleString()} messages ingested at ${archive.ingestPerSecond.toLocaleString()} msg/s (${archive.ingestPerCpuSecond.toLocaleString()} per CPU-second of this process) with ${archive.messagesPerKey} message(s) per RSA key, ${archive.rsaThreads} RSA thread(s) (target ≥ 5,000: ${target(archive.ingestPerSecond >= 5000)}); search p50 ${archive.searchP50Ms} ms, p95 ${archive.searchP95Ms} ms (target at 1M: p95 ≤ 50 ms)`)
}

if (selected.has('import')) {
  log('order import …')
  const imported = await benchImport(values['import-mb'] ? { megabytes: Number(values['import-mb']) } : { orders: Number(values['import-orders']) }, log)
  results.import = imported
  console.log(`import of a Taobao GBK export (${imported.orders.toLocaleString()} orders, ${imported.itemLines.toLocaleString()} item lines, ${imported.fileMb} MB): ${imported.seconds} s, RSS ${imported.rssBeforeMb} MB before and ${imported.peakRssMb} MB at peak; second run ${imported.secondRunSeconds} s adding ${imported.secondRunAdded} (target ≤ 60 s and 0 added: ${target(imported.seconds <= 60 && imported.secondRunAdded === 0)})`)
}

if (selected.has('tags')) {
  const db = ensureBenchDatabase(members, seed, log)
  log('computed tags …')
  const tags = await benchComputedTags(db.path, BENCH_NOW)
  results.tags = tags
  console.log(`computed tags: ${tags.tags.toLocaleString()} tags for ${tags.members.toLocaleString()} members in ${tags.seconds} s (${tags.tagsPerActiveMember} per member active in the last year); segment preview ${tags.segmentPreviewMs} ms (${tags.segmentSize} members)`)
}

if (selected.has('materials')) {
  const m = await benchMaterials({ log })
  results.materials = m
  for (const [q, s] of Object.entries(m.search))
    console.log(`material search「${q}」over ${m.materials.toLocaleString()} materials (guide, store-limited): p50 ${s.p50} ms, p95 ${s.p95} ms`)
  console.log(`the sidebar's reply library (once per session, a store's view) over ${m.replies.toLocaleString()} replies: p50 ${m.replyLibrary.p50} ms, p95 ${m.replyLibrary.p95} ms`)
  console.log(`reply import of ${m.importRows.toLocaleString()} XLSX rows: ${m.importSeconds} s; GBK CSV export: ${m.exportSeconds} s`)
}

console.log(JSON.stringify(results))
