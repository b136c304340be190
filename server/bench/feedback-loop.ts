// Closed-loop simulation of the recommendation feedback loop (a benchmark, not a unit test).
//
// Demo data with a hidden true preference per member → one seeded SQLite file → trained once →
// copied into two identical arms. Each arm then plays R weekly rounds starting at the data's
// `meta.now`: the same seeded sample of members (WeCom contacts who follow a guide) gets the top-k
// recommendations from the real scorer, sent as 'sent' news sends by her guide; each member buys
// each sent product or not according to her hidden preference (the generator's own taste model,
// `preferenceAffinity`), the orders go in as mini-programme orders, `attributeOrders` credits them,
// and the models are retrained at the round's end.
//
//   feedback ON  – the product as shipped: ignored products held back 14 days, learned conversion
//                  per SPU / per reason in the ranking, Thompson sampling on the exploration slot.
//   feedback OFF – the same scorer with `feedback: false` (no hold-back, no learned lift,
//                  exploration draws from the uninformed prior). It is retrained every round too,
//                  so both arms see their own new orders in the next-basket model and the only
//                  difference between the arms is whether send outcomes are used.
//
// Response model (the members' "truth"): P(buy) = maxP × (affinity / her best affinity)^gamma ×
// fatigue^(times this product was already sent to her and ignored). Coin flips come from a hash of
// (seed, member, SPU, round), so both arms see identical draws for identical offers.
import type { DemoDataset, MemberPreference, ProductRow } from '../src/demo/generator.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatFen } from '@scrm/shared'
import { openDatabase } from '../src/db/client.ts'
import { generateDemoData, preferenceAffinity } from '../src/demo/generator.ts'
import { seedDatabase } from '../src/demo/seed.ts'
import { createModelStore } from '../src/recommend/model-store.ts'
import { createRecommender } from '../src/recommend/scoring.ts'
import { trainModels } from '../src/recommend/training.ts'
import { attributeOrders } from '../src/sends/attribution.ts'

const DAY = 86_400_000
const HOUR = 3_600_000
const WEEK = 7 * DAY

export interface ResponseModel {
  /** Purchase probability of the member's single best-liked product. Default 0.5. */
  maxP: number
  /** Sharpness: P ∝ (affinity / best affinity)^gamma. Default 2. */
  gamma: number
  /** Multiplier per earlier ignored send of the same product to the same member (nagging). Default 0.5; 1 = memoryless. */
  fatigue: number
}

export interface FeedbackLoopOptions {
  members?: number
  seed?: number
  rounds?: number
  /** Members contacted per round (the same ones every round, in both arms). Default 600. */
  sample?: number
  /** Products sent per member per round (the top-k of the recommendation). Default 3. */
  k?: number
  response?: Partial<ResponseModel>
  log?: (line: string) => void
  /** Keep the temp directory with the three databases (for inspection). */
  keep?: boolean
}

export interface ArmRound {
  sends: number
  /** Sends an order was attributed to. */
  converted: number
  /** converted / sends. */
  rate: number
  /** Attributed orders and their revenue (yuan). */
  orders: number
  revenue: number
  /** Sends of a product this member had already been sent and had ignored. */
  repeatsOfIgnored: number
  /** Mean distinct products sent per sampled member so far. */
  uniqueProductsPerMember: number
  seconds: number
}

export interface FeedbackLoopResult {
  config: { members: number, seed: number, rounds: number, sample: number, k: number, response: ResponseModel, start: string }
  rounds: { round: number, on: ArmRound, off: ArmRound }[]
  summary: {
    /** Mean conversion over the last half of the rounds. */
    lastHalf: { on: number, off: number, relativeLift: number }
    overall: { on: number, off: number, relativeLift: number }
    uniqueProductsPerMember: { on: number, off: number }
    repeatsOfIgnored: { on: number, off: number }
    /** ON beats OFF in every round of the last half and on their mean. */
    loopWorks: boolean
  }
  timingsSeconds: { generateAndSeed: number, initialTraining: number, armOn: number, armOff: number, total: number }
  note: string
}

/** Uniform [0, 1) from a string key (FNV-1a + murmur3 finaliser): identical keys, identical draws. */
function hashUniform(key: string): number {
  let h = 2166136261
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619)
  h ^= h >>> 16
  h = Math.imul(h, 0x85EBCA6B)
  h ^= h >>> 13
  h = Math.imul(h, 0xC2B2AE35)
  h ^= h >>> 16
  return (h >>> 0) / 4294967296
}

interface Contact { memberId: number, guide: string, pref: MemberPreference, bestAffinity: number }

type Product = Pick<ProductRow, 'skuId' | 'spuId' | 'category' | 'price' | 'color' | 'season' | 'attributes' | 'categoryPath'>

const round4 = (x: number) => Math.round(x * 1e4) / 1e4

function runArm(path: string, arm: 'on' | 'off', ctx: {
  start: number
  rounds: number
  k: number
  seed: number
  contacts: Contact[]
  skus: Map<string, Product>
  response: ResponseModel
  log: (line: string) => void
}): ArmRound[] {
  const database = openDatabase(path)
  const { sqlite, db } = database
  let clock = ctx.start
  const recommender = createRecommender({ now: () => clock, feedback: arm === 'on', store: createModelStore({ recheckMs: 0 }) })
  const insertSend = sqlite.prepare(`insert into sends (idempotency_key, guide_userid, member_id, kind, payload, sku_id, recommendation_id, reason_code, status, created_at, completed_at)
    values (?, ?, ?, 'news', ?, ?, ?, ?, 'sent', ?, ?) returning id`)
  const insertOrder = sqlite.prepare(`insert into orders (platform, order_no, member_id, status, total_amount, paid_amount, refunded_amount, paid_at, created_at)
    values ('miniprogram', ?, ?, 'completed', ?, ?, 0, ?, ?) returning id`)
  const insertLine = sqlite.prepare(`insert into order_lines (order_id, sku_id, spu_id, quantity, unit_price, amount) values (?, ?, ?, 1, ?, ?)`)
  const roundStats = sqlite.prepare(`select count(*) sends, count(distinct a.send_id) converted, count(a.order_id) orders, coalesce(sum(a.revenue), 0) revenue
    from sends s left join attributions a on a.send_id = s.id where s.created_at >= ? and s.created_at < ?`)
  const convertedSends = sqlite.prepare(`select distinct a.send_id id from attributions a join sends s on s.id = a.send_id where s.created_at >= ? and s.created_at < ?`)

  // (member, SPU) → sends of it she ignored so far; member → distinct SPUs sent.
  const ignored = new Map<string, number>()
  const sentSpus = new Map<number, Set<string>>()
  const out: ArmRound[] = []
  for (let r = 0; r < ctx.rounds; r++) {
    const started = performance.now()
    const roundStart = ctx.start + r * WEEK
    const roundEnd = roundStart + WEEK
    clock = roundStart + HOUR
    const sentAt = clock + 60_000
    const sent: { sendId: number, memberId: number, spuId: string }[] = []
    let repeatsOfIgnored = 0
    db.transaction(() => {
      for (const c of ctx.contacts) {
        const rec = recommender.score(db, c.memberId, { k: ctx.k, log: true, guideUserid: c.guide })
        rec.items.forEach((item, rank) => {
          const product = ctx.skus.get(item.skuId)!
          const key = `${c.memberId}:${item.spuId}`
          const ignoredBefore = ignored.get(key) ?? 0
          if (ignoredBefore > 0)
            repeatsOfIgnored++
          const payload = { msgtype: 'news', news: { link: item.linkUrl, title: item.name, desc: formatFen(item.price), imgUrl: item.imageUrl } }
          const { id: sendId } = insertSend.get(`sim-${arm}-${r}-${c.memberId}-${rank}`, c.guide, c.memberId, JSON.stringify(payload), item.skuId, rec.recommendationId, item.facts.code, sentAt, sentAt) as { id: number }
          sent.push({ sendId, memberId: c.memberId, spuId: item.spuId })
          const spus = sentSpus.get(c.memberId) ?? new Set<string>()
          spus.add(item.spuId)
          sentSpus.set(c.memberId, spus)
          // Her hidden response: the same coin for the same (member, product, round) in both arms.
          const relative = Math.min(1, preferenceAffinity(c.pref, product, sentAt) / c.bestAffinity)
          const p = ctx.response.maxP * relative ** ctx.response.gamma * ctx.response.fatigue ** ignoredBefore
          if (hashUniform(`${ctx.seed}:buy:${c.memberId}:${item.spuId}:${r}`) < p) {
            const paidAt = Math.round(sentAt + (1 + 4 * hashUniform(`${ctx.seed}:when:${c.memberId}:${item.spuId}:${r}`)) * DAY)
            const { id: orderId } = insertOrder.get(`SIM-${arm}-${r}-${c.memberId}-${rank}`, c.memberId, product.price, product.price, paidAt, paidAt) as { id: number }
            insertLine.run(orderId, product.skuId, product.spuId, product.price, product.price)
          }
        })
      }
    })
    attributeOrders(db, { now: roundEnd, since: roundStart })
    const converted = new Set((convertedSends.all(roundStart, roundEnd) as { id: number }[]).map(x => x.id))
    for (const s of sent) {
      if (!converted.has(s.sendId)) {
        const key = `${s.memberId}:${s.spuId}`
        ignored.set(key, (ignored.get(key) ?? 0) + 1)
      }
    }
    const stats = roundStats.get(roundStart, roundEnd) as { sends: number, converted: number, orders: number, revenue: number }
    // Retrain at the round's end in both arms (new orders for the next-basket model; feedback stats only the ON arm uses).
    trainModels(db, { now: roundEnd })
    let uniqueTotal = 0
    for (const s of sentSpus.values()) uniqueTotal += s.size
    const row: ArmRound = {
      sends: stats.sends,
      converted: stats.converted,
      rate: round4(stats.sends ? stats.converted / stats.sends : 0),
      orders: stats.orders,
      revenue: Math.round(stats.revenue / 100),
      repeatsOfIgnored,
      uniqueProductsPerMember: Math.round(uniqueTotal / Math.max(1, sentSpus.size) * 100) / 100,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }
    out.push(row)
    ctx.log(`  feedback ${arm.padEnd(3)} round ${r + 1}/${ctx.rounds}: ${row.converted}/${row.sends} = ${(row.rate * 100).toFixed(2)} % (${row.seconds} s)`)
  }
  database.close()
  return out
}

function eligibleContacts(path: string, dataset: DemoDataset, skus: Product[], sample: number, seed: number): Contact[] {
  const database = openDatabase(path)
  // Her guide: the earliest active follow (the one who added her first).
  const rows = database.sqlite.prepare(`select m.id memberId, (select f.guide_userid from follows f where f.member_id = m.id and f.status = 'active' order by f.added_at, f.guide_userid limit 1) guide
    from members m where m.external_userid is not null`).all() as { memberId: number, guide: string | null }[]
  database.close()
  const at = dataset.meta.now
  return rows
    .filter((r): r is { memberId: number, guide: string } => r.guide !== null && dataset.hidden.preferenceByMember.has(r.memberId))
    .sort((a, b) => hashUniform(`${seed}:sample:${a.memberId}`) - hashUniform(`${seed}:sample:${b.memberId}`) || a.memberId - b.memberId)
    .slice(0, sample)
    .map((r) => {
      const pref = dataset.hidden.preferenceByMember.get(r.memberId)!
      let best = 0
      for (const p of skus) best = Math.max(best, preferenceAffinity(pref, p, at))
      return { ...r, pref, bestAffinity: Math.max(best, 1e-9) }
    })
}

export async function runFeedbackLoop(options: FeedbackLoopOptions = {}): Promise<FeedbackLoopResult> {
  const members = options.members ?? 3000
  const seed = options.seed ?? 42
  const rounds = options.rounds ?? 8
  const sample = options.sample ?? 600
  const k = options.k ?? 3
  const response: ResponseModel = { maxP: 0.5, gamma: 2, fatigue: 0.5, ...options.response }
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'scrm-feedback-loop-'))
  try {
    log(`feedback loop: generating ${members.toLocaleString()} members (seed ${seed}) …`)
    const dataset = generateDemoData({ seed, members })
    const basePath = join(dir, 'base.db')
    const base = openDatabase(basePath)
    seedDatabase(base.db, dataset)
    const tSeeded = performance.now()
    log('feedback loop: initial training …')
    trainModels(base.db, { now: dataset.meta.now })
    const tTrained = performance.now()
    // Both arms start from byte-identical databases.
    const paths = { on: join(dir, 'on.db'), off: join(dir, 'off.db') }
    for (const p of Object.values(paths)) base.sqlite.prepare('vacuum into ?').run(p)
    base.close()

    const skuRows: Product[] = dataset.products.filter(p => p.status === 'on_sale' && p.stock > 0)
    const skus = new Map<string, Product>(dataset.products.map(p => [p.skuId, p]))
    const contacts = eligibleContacts(basePath, dataset, skuRows, sample, seed)
    log(`feedback loop: ${contacts.length} members contacted per round, top ${k}, ${rounds} weekly rounds per arm`)
    const ctx = { start: dataset.meta.now, rounds, k, seed, contacts, skus, response, log }
    let t = performance.now()
    const on = runArm(paths.on, 'on', ctx)
    const armOn = (performance.now() - t) / 1000
    t = performance.now()
    const off = runArm(paths.off, 'off', ctx)
    const armOff = (performance.now() - t) / 1000

    const half = Math.floor(rounds / 2)
    const lastOn = on.slice(half)
    const lastOff = off.slice(half)
    const pooled = (xs: ArmRound[]) => xs.reduce((a, x) => a + x.converted, 0) / Math.max(1, xs.reduce((a, x) => a + x.sends, 0))
    const lift = (a: number, b: number) => (b > 0 ? round4(a / b - 1) : 0)
    const lastHalf = { on: round4(pooled(lastOn)), off: round4(pooled(lastOff)), relativeLift: 0 }
    lastHalf.relativeLift = lift(lastHalf.on, lastHalf.off)
    const overall = { on: round4(pooled(on)), off: round4(pooled(off)), relativeLift: 0 }
    overall.relativeLift = lift(overall.on, overall.off)
    const result: FeedbackLoopResult = {
      config: { members, seed, rounds, sample: contacts.length, k, response, start: new Date(dataset.meta.now).toISOString() },
      rounds: on.map((x, i) => ({ round: i + 1, on: x, off: off[i]! })),
      summary: {
        lastHalf,
        overall,
        uniqueProductsPerMember: { on: on.at(-1)?.uniqueProductsPerMember ?? 0, off: off.at(-1)?.uniqueProductsPerMember ?? 0 },
        repeatsOfIgnored: { on: on.reduce((a, x) => a + x.repeatsOfIgnored, 0), off: off.reduce((a, x) => a + x.repeatsOfIgnored, 0) },
        loopWorks: lastHalf.on > lastHalf.off && lastOn.every((x, i) => x.rate > lastOff[i]!.rate),
      },
      timingsSeconds: {
        generateAndSeed: Math.round((tSeeded - t0) / 100) / 10,
        initialTraining: Math.round((tTrained - tSeeded) / 100) / 10,
        armOn: Math.round(armOn * 10) / 10,
        armOff: Math.round(armOff * 10) / 10,
        total: Math.round((performance.now() - t0) / 100) / 10,
      },
      note: 'Without feedback the scorer keeps re-sending the same ignored products to the same member every week (see repeatsOfIgnored and unique products per member); '
        + `the response model makes each earlier ignored send of a product multiply her purchase probability by ${response.fatigue} (nagging). That is the product's behaviour without feedback, so it is part of the measured effect, not an artefact; `
        + 'with fatigue 1 (memoryless members, a repeat costs nothing) the difference comes from trying other products instead of repeats, learned conversion per product / per reason and informed exploration. '
        + 'The catalog gets no launches after the start, so the exploration slot disappears once the last new arrival is 30 days old (both arms, round 5 with the defaults).',
    }
    return result
  }
  finally {
    if (!options.keep)
      rmSync(dir, { recursive: true, force: true })
    else
      log(`feedback loop: databases kept in ${dir}`)
  }
}

/** The per-round table and summary as printable lines (used by the CLI and `pnpm bench`). */
export function formatFeedbackLoop(result: FeedbackLoopResult): string[] {
  const lines: string[] = []
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`
  const cell = (a: ArmRound) => `${String(a.converted).padStart(4)}/${String(a.sends).padEnd(5)} ${pct(a.rate).padStart(8)}  ${String(a.uniqueProductsPerMember).padStart(5)}  ${String(a.repeatsOfIgnored).padStart(5)}`
  const { config, summary, timingsSeconds: t } = result
  lines.push(`closed-loop feedback simulation: ${config.members} members (seed ${config.seed}), ${config.sample} contacted weekly from ${config.start.slice(0, 10)}, top ${config.k}, response maxP ${config.response.maxP} gamma ${config.response.gamma} fatigue ${config.response.fatigue}`)
  lines.push('')
  lines.push('round | feedback ON: conv/sends    rate  uniq/m  reps | feedback OFF: conv/sends   rate  uniq/m  reps | lift')
  for (const r of result.rounds) {
    const lift = r.off.rate > 0 ? `${((r.on.rate / r.off.rate - 1) * 100).toFixed(1)} %` : 'n/a'
    lines.push(`${String(r.round).padStart(5)} | ${cell(r.on)}      | ${cell(r.off)}       | ${lift}`)
  }
  lines.push('')
  lines.push(`(uniq/m = distinct products sent per member so far; reps = sends of a product she had already been sent and ignored)`)
  lines.push(`last ${config.rounds - Math.floor(config.rounds / 2)} rounds: ON ${pct(summary.lastHalf.on)} vs OFF ${pct(summary.lastHalf.off)}, relative lift ${(summary.lastHalf.relativeLift * 100).toFixed(1)} %`)
  lines.push(`all rounds: ON ${pct(summary.overall.on)} vs OFF ${pct(summary.overall.off)}, relative lift ${(summary.overall.relativeLift * 100).toFixed(1)} %`)
  lines.push(`distinct products per member after ${config.rounds} rounds: ON ${summary.uniqueProductsPerMember.on}, OFF ${summary.uniqueProductsPerMember.off}; repeat sends of ignored products: ON ${summary.repeatsOfIgnored.on}, OFF ${summary.repeatsOfIgnored.off}`)
  lines.push(`loop works (ON > OFF in every round of the last half and on their mean): ${summary.loopWorks ? 'yes' : 'NO'}`)
  lines.push(`note: ${result.note}`)
  lines.push(`time: generate+seed ${t.generateAndSeed} s, initial training ${t.initialTraining} s, ON arm ${t.armOn} s, OFF arm ${t.armOff} s, total ${t.total} s`)
  return lines
}
