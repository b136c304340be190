// tsx bench/nbr-cap.ts DB_PATH [--sample 500] [--caps 1024,2048,4096] [--seed 1]
// The neighbour search with and without the posting cap (NbrOptions.postingCap) on a benchmark
// database's latest model: CPU ms per list (recommend() with the scorer's 60 candidates) and how much
// of the exact top-10/top-20 each capped search keeps. Opens the database read-only and writes nothing.
import type { NbrModel } from '../src/recommend/nbr/model.ts'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { Rng } from '../src/lib/random.ts'
import { decodeArtifact } from '../src/recommend/model-store.ts'
import { buildPostings, recommend } from '../src/recommend/nbr/model.ts'
import { BENCH_NOW } from './recommend.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sample: { type: 'string', default: '500' },
    caps: { type: 'string', default: '1024,2048,4096' },
    seed: { type: 'string', default: '1' },
  },
})
const path = positionals[0]
if (!path) {
  process.stderr.write('usage: tsx bench/nbr-cap.ts DB_PATH [--sample 500] [--caps 1024,2048,4096] [--seed 1]\n')
  process.exit(2)
}
/** The scorer's candidate count (scoring.ts CANDIDATES): what one precomputed list asks the model for. */
const SCORER_CANDIDATES = 60

let peakRssMb = 0
function rssMb(): number {
  const mb = process.memoryUsage().rss / 2 ** 20
  peakRssMb = Math.max(peakRssMb, mb)
  return Math.round(mb)
}

const db = new Database(path, { readonly: true, fileMustExist: true })
const row = db.prepare(`SELECT id, artifact FROM model_runs WHERE kind = 'recommend' ORDER BY trained_at DESC, id DESC LIMIT 1`).get() as { id: number, artifact: Buffer } | undefined
if (!row)
  throw new Error(`${path}: no trained recommend model`)
const rssBefore = rssMb()
const t0 = performance.now()
// As the model store loads it: the postings capped at the artifact's (or today's default) cap.
const { meta, nbr } = decodeArtifact(row.artifact)
const loadSeconds = (performance.now() - t0) / 1000
const rssLoaded = rssMb()
const spuIndex = new Map(meta.spuIds.map((s, i) => [s, i]))

const fullLengths = new Int32Array(nbr.itemCount)
for (const v of nbr.userVecs) {
  for (const id of v.ids) fullLengths[id]!++
}
const sortedLengths = [...fullLengths].sort((a, b) => b - a)

function withCap(cap: number): NbrModel {
  return { ...nbr, options: { ...nbr.options, postingCap: cap }, ...buildPostings(nbr.userVecs, nbr.itemCount, { cap, neighbours: nbr.options.neighbours }) }
}

// Sampled members' baskets, read as scoring.ts loadHistory reads them.
const memberIds = db.prepare('SELECT id FROM members').pluck().all() as number[]
const rng = new Rng(Number(values.seed), 7)
const sampleSize = Math.min(Number(values.sample), memberIds.length)
const sample = new Set<number>()
while (sample.size < sampleSize) sample.add(memberIds[rng.int(0, memberIds.length - 1)]!)
const linesOf = db.prepare(`SELECT o.id AS orderId, l.spu_id AS spuId FROM orders o JOIN order_lines l ON l.order_id = o.id
  WHERE o.member_id = ? AND o.status != 'cancelled' AND o.refunded_amount < o.paid_amount AND o.paid_at <= ?
  ORDER BY o.paid_at, o.id`)
const histories: number[][][] = []
for (const memberId of sample) {
  const baskets: number[][] = []
  let lastOrder = -1
  for (const r of linesOf.all(memberId, BENCH_NOW) as { orderId: number, spuId: string }[]) {
    if (r.orderId !== lastOrder) {
      baskets.push([])
      lastOrder = r.orderId
    }
    const idx = spuIndex.get(r.spuId)
    if (idx !== undefined)
      baskets.at(-1)!.push(idx)
  }
  histories.push(baskets.filter(b => b.length > 0))
}
db.close()

/** CPU ms per list over the sample (after one warm-up pass), and the top-20 lists. */
function run(model: NbrModel): { cpuMsPerList: number, top20: number[][] } {
  for (const h of histories) recommend(model, h, SCORER_CANDIDATES)
  const c0 = process.cpuUsage()
  for (const h of histories) recommend(model, h, SCORER_CANDIDATES)
  const c1 = process.cpuUsage(c0)
  return { cpuMsPerList: (c1.user + c1.system) / 1000 / histories.length, top20: histories.map(h => recommend(model, h, 20).map(r => r.itemId)) }
}

function overlap(exact: number[][], other: number[][], k: number): number {
  let kept = 0
  let total = 0
  exact.forEach((list, i) => {
    const mine = new Set(other[i]!.slice(0, k))
    for (const it of list.slice(0, k)) {
      total++
      if (mine.has(it))
        kept++
    }
  })
  return total ? kept / total : 1
}

const exact = run(withCap(Infinity))
rssMb()
const results = values.caps.split(',').map(Number).map((cap) => {
  const model = withCap(cap)
  const r = run(model)
  rssMb()
  return {
    cap,
    cappedItems: model.postingCapped.reduce((n, c) => n + c, 0),
    cpuMsPerList: +r.cpuMsPerList.toFixed(3),
    top10Overlap: +overlap(exact.top20, r.top20, 10).toFixed(4),
    top20Overlap: +overlap(exact.top20, r.top20, 20).toFixed(4),
  }
})
console.log(JSON.stringify({
  database: path,
  modelRunId: row.id,
  members: nbr.userVecs.length,
  items: nbr.itemCount,
  meanVectorLength: +(nbr.userVecs.reduce((n, v) => n + v.ids.length, 0) / nbr.userVecs.length).toFixed(2),
  storedPostingCap: nbr.options.postingCap,
  longestPostingLists: sortedLengths.slice(0, 5),
  sample: histories.length,
  meanBaskets: +(histories.reduce((n, h) => n + h.length, 0) / histories.length).toFixed(2),
  loadSeconds: +loadSeconds.toFixed(1),
  rssMb: { beforeLoad: rssBefore, afterLoad: rssLoaded, peak: Math.round(peakRssMb) },
  exact: { cpuMsPerList: +exact.cpuMsPerList.toFixed(3) },
  capped: results,
}))
