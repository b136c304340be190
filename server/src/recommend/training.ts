// The training job: everything the sidebar's scorer needs, computed from the orders and written to the
// database (`member_scores` for every member in short chunks, then a `model_runs` row with the serialised
// model, old runs pruned). Scoring then only loads the artifact and one member's rows.
// Order lines stream through the database port in keyset pages into typed arrays (readPurchases), so a
// brand with 10M lines fits in memory; training-worker.ts runs this off the API process's thread.
//
//   baskets      – one basket of SPU indices per order (dense index over every SPU in the catalog),
//                  chronological per member → next-basket model (nbr/model.ts)
//   propensity   – P(buy in 7 / 30 days) from the classifier (propensity/classifier.ts), cut-off today
//   cycles       – per-(member, consumable leaf category) replenishment cycles (propensity/cycles.ts)
//   value        – mean net order value per member, shrunk to the population mean
//   feedback     – send → order conversion per SPU and per reason (feedback.ts)
//
// Data-sufficiency gate (the Klaviyo bar): 'none' = no orders, 'thin' = fewer than 2 purchase days;
// both get blank (null) numbers rather than a guess.
import type { SQL } from 'drizzle-orm'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import type { FitReport } from './nbr/fit.ts'
import type { NbrOptions } from './nbr/model.ts'
import type { PropensityModel } from './propensity/classifier.ts'
import type { CategoryPurchase } from './propensity/cycles.ts'
import { and, asc, eq, gt, isNotNull, lt, lte, ne, sql } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { memberRecommendations, members, memberScores, modelRuns, orderLines, orders, products, recommendations, sends } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { DAY_MS, shanghaiDay, shanghaiDayStart } from '../lib/china-time.ts'
import { loadFeedbackStats } from './feedback.ts'
import { encodeArtifact } from './model-store.ts'
import { fitNbrModel } from './nbr/fit.ts'
import { scorePropensity, trainPropensityModel } from './propensity/classifier.ts'
import { categoryMedians, collectCategoryGaps, cyclesOf, groupCategoryDays, median } from './propensity/cycles.ts'

export const MODEL_KIND = 'recommend'

/**
 * The next-basket model's blend weights are learned from the brand's own orders (nbr/fit.ts): the
 * model is fitted on orders before the last `NBR_VALIDATION_DAYS`, the weights chosen that best
 * predict each member's first order inside those days, and the model retrained on everything.
 * Four weeks: long enough for a few hundred validation members in the 3,000-member demo, short
 * enough that "what sells now" is still now. `eval:nbr` runs the same fitNbrModel.
 */
export const NBR_VALIDATION_DAYS = 28

/**
 * Back-test windows (days before the cut-off) of the propensity timing model: recent windows that
 * reach past the 30-day horizon; both horizons are then re-calibrated on the latest complete
 * horizon. Demo data (2,000 members, seed 5, cut-off 31 days before the end), ECE at 7 / 30 days:
 * 0.033 / 0.049, mean predicted 0.112 / 0.416 against 0.138 / 0.429 bought. The two logistic
 * classifiers this replaced: ECE 0.035 / 0.118, mean 0.106 / 0.312.
 */
const PROPENSITY_WINDOWS_DAYS = [30, 60, 90]

/** Pseudo-orders at the population mean when shrinking a member's mean order value. */
const VALUE_PRIOR_ORDERS = 2
/** Pseudo-gaps at the category median when shrinking a member's own cycle (as cycles.ts). */
export const CYCLE_PRIOR_GAPS = 2

export interface TrainOptions {
  now: number
  /** Days counted as "recent" for the popular reason's sales count. */
  recentDays?: number
  nbr?: Partial<NbrOptions>
  /** Customers the propensity models are fitted on (default 1200); every member is scored. */
  propensitySample?: number
  /** Orders per keyset page while reading (default 40,000). */
  ordersPerPage?: number
  /** Model runs kept per kind (default KEEP_MODEL_RUNS). */
  keepModelRuns?: number
  onProgress?: (progress: TrainingProgress) => void
}

export interface TrainStats {
  members: number
  membersWithOrders: number
  orders: number
  orderLines: number
  spus: number
  sufficiency: { ok: number, thin: number, none: number }
  artifactBytes: number
  propensityError: string | null
  /** How the next-basket blend weights were learned (validation cases, objective). */
  nbrFit: Omit<FitReport, 'tuneMs' | 'trainMs'>
  timingsMs: Record<string, number>
}

export interface TrainResult { modelRunId: number, stats: TrainStats }

/** Own cycle shrunk towards the category prior (same rule as propensity/cycles.ts). */
export function shrunkCycleDays(days: readonly number[], priorDays: number): { cycleDays: number, ownMedianDays: number | null, gapCount: number } {
  const gaps = days.slice(1).map((d, i) => d - days[i]!)
  const own = gaps.length ? median(gaps) : null
  const cycleDays = Math.max(1, own === null ? priorDays : (gaps.length * own + CYCLE_PRIOR_GAPS * priorDays) / (gaps.length + CYCLE_PRIOR_GAPS))
  return { cycleDays, ownMedianDays: own, gapCount: gaps.length }
}

/** Orders per keyset page when streaming purchases (≈ 50k order lines at the demo's 1.3 lines per order). */
const ORDERS_PER_PAGE = 40_000
/** Members per page when listing every member. */
const MEMBERS_PER_PAGE = 50_000
/** Rows per insert when writing member scores (8 parameters each, far below PostgreSQL's 65,535). */
const SCORE_ROWS_PER_INSERT = 1000
/** Model runs kept per kind when pruning, besides any that logged recommendations still point to. */
export const KEEP_MODEL_RUNS = 3

/**
 * Every purchase, compact: members in id order, each member's orders chronologically, each order's
 * SPU indices. Typed arrays instead of one object per order line, so 10M lines take ~100 MB.
 */
export interface Purchases {
  spuIds: string[]
  spuLeaf: string[]
  spuConsumable: boolean[]
  /** Members with at least one purchase, ascending. */
  memberIds: Int32Array
  /** Member i's orders are [memberOrderStart[i], memberOrderStart[i + 1]). */
  memberOrderStart: Int32Array
  /** Per order: Asia/Shanghai day and net value (paid − refunded). */
  orderDay: Int32Array
  orderNet: Float64Array
  /** Order j's SPU indices are lineSpu[orderLineStart[j] … orderLineStart[j + 1]). */
  orderLineStart: Int32Array
  lineSpu: Int32Array
  /** Units sold per SPU in the recent window. */
  recentSales: Int32Array
  /** Order lines read (including lines of SPUs no longer in the catalog). */
  linesRead: number
}

/** An append-only typed array that doubles its buffer when full. */
class Growable<T extends Int32Array | Float64Array> {
  length = 0
  constructor(private data: T, private readonly make: (n: number) => T) {}
  push(value: number) {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = value
  }

  /** A copy of exactly the pushed values (the doubled buffer is released). */
  trimmed(): T {
    return this.data.slice(0, this.length) as T
  }
}
const int32s = () => new Growable(new Int32Array(1024), n => new Int32Array(n))
const float64s = () => new Growable(new Float64Array(1024), n => new Float64Array(n))

/**
 * Streams the purchases (not cancelled, not fully refunded, paid by `now`) through the port in member-id
 * order, one keyset page of about `ordersPerPage` orders at a time, into compact arrays.
 */
export async function readPurchases(db: AsyncDbOrTx, options: { now: number, recentDays: number, ordersPerPage?: number, onProgress?: (fraction: number) => void }): Promise<Purchases> {
  const { now } = options
  const ordersPerPage = options.ordersPerPage ?? ORDERS_PER_PAGE
  // Catalog: a dense index over every SPU (new arrivals included, so they can be scored later).
  const productRows = await db.select({ spuId: products.spuId, categoryPath: products.categoryPath, consumable: products.consumable }).from(products).orderBy(asc(products.spuId))
  const spuIndex = new Map<string, number>()
  const spuIds: string[] = []
  const spuLeaf: string[] = []
  const spuConsumable: boolean[] = []
  for (const p of productRows) {
    if (spuIndex.has(p.spuId))
      continue
    spuIndex.set(p.spuId, spuIds.length)
    spuIds.push(p.spuId)
    spuLeaf.push(p.categoryPath)
    spuConsumable.push(Boolean(p.consumable))
  }

  const purchase = and(isNotNull(orders.memberId), ne(orders.status, 'cancelled'), lt(orders.refundedAmount, orders.paidAmount), lte(orders.paidAt, now))
  const total = (await db.select({ n: sql<number>`count(*)` }).from(orders).where(isNotNull(orders.memberId)).get())?.n ?? 0
  const memberIds = int32s()
  const memberOrderStart = int32s()
  const orderDay = int32s()
  const orderNet = float64s()
  const orderLineStart = int32s()
  const lineSpu = int32s()
  const recentSales = new Int32Array(spuIds.length)
  const recentFrom = now - options.recentDays * DAY_MS
  let linesRead = 0
  let ordersPassed = 0
  let afterMember: number | null = null
  for (;;) {
    // The page ends at the member of the ordersPerPage-th order after the previous page (that member's
    // orders all included), so a member's orders never straddle two pages. Walks orders_member_paid_idx.
    const after: SQL | undefined = afterMember === null ? undefined : gt(orders.memberId, afterMember)
    const end = await db.select({ memberId: orders.memberId }).from(orders).where(and(isNotNull(orders.memberId), after)).orderBy(asc(orders.memberId)).limit(1).offset(ordersPerPage).get()
    const lastMember: number | null = end?.memberId ?? null
    const rows = await db.select({
      memberId: orders.memberId,
      orderId: orders.id,
      paidAt: orders.paidAt,
      net: sql<number>`${orders.paidAmount} - ${orders.refundedAmount}`,
      spuId: orderLines.spuId,
      quantity: orderLines.quantity,
    }).from(orders).innerJoin(orderLines, eq(orderLines.orderId, orders.id)).where(and(purchase, after, lastMember === null ? undefined : lte(orders.memberId, lastMember))).orderBy(asc(orders.memberId), asc(orders.paidAt), asc(orders.id), asc(orderLines.id))
    let currentMember: number | null = null
    let currentOrder: number | null = null
    for (const r of rows) {
      if (r.memberId !== currentMember) {
        currentMember = r.memberId
        memberIds.push(r.memberId!)
        memberOrderStart.push(orderDay.length)
      }
      if (r.orderId !== currentOrder) {
        currentOrder = r.orderId
        orderDay.push(shanghaiDay(r.paidAt))
        orderNet.push(r.net)
        orderLineStart.push(lineSpu.length)
      }
      linesRead++
      const idx = spuIndex.get(r.spuId)
      if (idx === undefined)
        continue
      lineSpu.push(idx)
      if (r.paidAt >= recentFrom)
        recentSales[idx]! += r.quantity
    }
    if (lastMember === null)
      break
    afterMember = lastMember
    ordersPassed += ordersPerPage
    options.onProgress?.(total ? Math.min(1, ordersPassed / total) : 1)
  }
  memberOrderStart.push(orderDay.length)
  orderLineStart.push(lineSpu.length)
  options.onProgress?.(1)
  return {
    spuIds,
    spuLeaf,
    spuConsumable,
    memberIds: memberIds.trimmed(),
    memberOrderStart: memberOrderStart.trimmed(),
    orderDay: orderDay.trimmed(),
    orderNet: orderNet.trimmed(),
    orderLineStart: orderLineStart.trimmed(),
    lineSpu: lineSpu.trimmed(),
    recentSales,
    linesRead,
  }
}

/** Member i's distinct purchase days, ascending (orders are chronological). */
function purchaseDays(p: Purchases, i: number): number[] {
  const days: number[] = []
  for (let o = p.memberOrderStart[i]!; o < p.memberOrderStart[i + 1]!; o++) {
    const day = p.orderDay[o]!
    if (days[days.length - 1] !== day)
      days.push(day)
  }
  return days
}

/** Member i's consumable purchases, as propensity/cycles.ts takes them. */
function consumablePurchases(p: Purchases, i: number): CategoryPurchase[] {
  const memberId = String(p.memberIds[i])
  const out: CategoryPurchase[] = []
  for (let o = p.memberOrderStart[i]!; o < p.memberOrderStart[i + 1]!; o++) {
    for (let l = p.orderLineStart[o]!; l < p.orderLineStart[o + 1]!; l++) {
      const idx = p.lineSpu[l]!
      if (p.spuConsumable[idx])
        out.push({ memberId, category: p.spuLeaf[idx]!, day: p.orderDay[o]! })
    }
  }
  return out
}

/** Every member id, ascending, read page by page. */
async function readMemberIds(db: AsyncDbOrTx): Promise<Int32Array> {
  const ids = int32s()
  let after = 0
  for (;;) {
    const page = await db.select({ id: members.id }).from(members).where(gt(members.id, after)).orderBy(asc(members.id)).limit(MEMBERS_PER_PAGE)
    for (const r of page) ids.push(r.id)
    if (page.length < MEMBERS_PER_PAGE)
      return ids.trimmed()
    after = page[page.length - 1]!.id
  }
}

const SUFFICIENCY = ['none', 'thin', 'ok'] as const

/** Where a training run is (fraction of the whole run, 0…1, for the job's progress). */
export interface TrainingProgress { phase: string, fraction: number }

/**
 * Train every model and store them with the per-member scores. Reads stream through the port; every
 * score is computed before anything is written, then written in short chunks and the run stored last.
 */
export async function trainModels(database: Database, options: TrainOptions): Promise<TrainResult> {
  const { db } = database
  const { now } = options
  const recentDays = options.recentDays ?? 30
  const timings: Record<string, number> = {}
  let t0 = performance.now()
  const lap = (name: string) => {
    const t = performance.now()
    timings[name] = Math.round(t - t0)
    t0 = t
  }
  const report = (phase: string, from: number, to: number) => (fraction: number) => options.onProgress?.({ phase, fraction: from + (to - from) * fraction })
  const cutoffDay = shanghaiDay(now)

  const purchases = await readPurchases(db, { now, recentDays, ordersPerPage: options.ordersPerPage, onProgress: report('readOrders', 0, 0.35) })
  const { spuIds, memberIds: buyerIds, memberOrderStart, orderNet, orderLineStart, lineSpu, orderDay } = purchases
  const buyers = buyerIds.length
  const orderCount = orderDay.length
  lap('readOrders')

  // Next-basket model over every member with orders, weights learned on the last weeks.
  report('trainNbr', 0.35, 0.35)(0)
  const validationFromDay = cutoffDay - NBR_VALIDATION_DAYS
  let sequences: number[][][] | null = []
  const validationStart: number[] = []
  // Most baskets hold one or two SPUs: those are shared arrays (the model only reads baskets), which at
  // 1M members saves millions of small arrays. Larger baskets get their own.
  const spuCount = spuIds.length
  const singles: (number[] | undefined)[] = Array.from({ length: spuCount })
  const pairs = new Map<number, number[]>()
  const basketOf = (from: number, to: number): number[] => {
    if (to - from === 1) {
      const a = lineSpu[from]!
      return (singles[a] ??= [a])
    }
    if (to - from === 2) {
      const a = lineSpu[from]!
      const b = lineSpu[from + 1]!
      const key = a * spuCount + b
      let pair = pairs.get(key)
      if (!pair) {
        pair = [a, b]
        pairs.set(key, pair)
      }
      return pair
    }
    return Array.from(lineSpu.subarray(from, to))
  }
  for (let i = 0; i < buyers; i++) {
    const start = memberOrderStart[i]!
    const end = memberOrderStart[i + 1]!
    let keptCount = 0
    for (let o = start; o < end; o++) {
      if (orderLineStart[o + 1]! > orderLineStart[o]!)
        keptCount++
    }
    if (!keptCount)
      continue
    const kept: number[][] = Array.from({ length: keptCount })
    let k = 0
    let first = -1
    for (let o = start; o < end; o++) {
      const from = orderLineStart[o]!
      const to = orderLineStart[o + 1]!
      if (from === to)
        continue
      if (first === -1 && orderDay[o]! >= validationFromDay)
        first = k
      kept[k++] = basketOf(from, to)
    }
    sequences.push(kept)
    validationStart.push(first === -1 ? keptCount : first)
  }
  const { model: nbr, report: nbrFit } = fitNbrModel({ sequences, validationStart }, options.nbr)
  sequences = null // the baskets are in the model now; let them go before scoring
  lap('trainNbr')
  report('trainPropensity', 0.7, 0.7)(0)

  let propensity: PropensityModel | null = null
  let propensityError: string | null = null
  try {
    // The BG/NBD fits inside are Nelder–Mead over every customer: fit on a deterministic sample
    // (population parameters need not see all 100k), score everyone. One timing model answers both
    // horizons shown (7 and 30 days) exactly; its back-test windows are the recent ones.
    const sample = sampleCustomers(buyerIds, options.propensitySample ?? 1200, i => purchaseDays(purchases, i))
    propensity = trainPropensityModel(sample, cutoffDay, 30, { trainHorizonsDays: [15, 30], timingWindowsDays: PROPENSITY_WINDOWS_DAYS, recalibrateHorizonsDays: [7, 30] })
  }
  catch (error) {
    // Too few customers to back-test: every member's numbers stay blank (sufficiency 'thin').
    propensityError = error instanceof Error ? error.message : String(error)
    propensity = null
  }
  lap('trainPropensity')

  // Consumable cycles per (member, leaf category): the population prior per category, gathered member by member.
  const categoryGaps = new Map<string, number[]>()
  for (let i = 0; i < buyers; i++) collectCategoryGaps(groupCategoryDays(consumablePurchases(purchases, i), cutoffDay).values(), categoryGaps)
  const categoryMedian = categoryMedians(categoryGaps)
  categoryGaps.clear()
  const categoryCycleDays: Record<string, number> = Object.fromEntries(categoryMedian)
  lap('cycles')

  // Expected order value: mean net value per order, shrunk to the population mean.
  let totalNet = 0
  for (let o = 0; o < orderCount; o++) totalNet += orderNet[o]!
  const populationMean = orderCount ? totalNet / orderCount : 0

  const feedback = await loadFeedbackStats(db)
  lap('feedback')

  const artifact = encodeArtifact({
    version: 1,
    trainedAt: now,
    cutoffDay,
    spuIds,
    categoryCycleDays,
    recentDays,
    recentSales: Array.from(purchases.recentSales),
    feedback: {
      bySpu: [...feedback.bySpu].map(([k, v]) => [k, v.sends, v.conversions]),
      byReason: [...feedback.byReason].map(([k, v]) => [k, v.sends, v.conversions]),
      overall: [feedback.overall.sends, feedback.overall.conversions],
    },
  }, nbr)
  const nbrOptions = { ...nbr.options }
  lap('encode')

  // Scores into columns (NaN = blank) first: the write transaction then only writes.
  const memberIds = await readMemberIds(db)
  const n = memberIds.length
  const pAlive = new Float64Array(n).fill(Number.NaN)
  const pBuy7 = new Float64Array(n).fill(Number.NaN)
  const pBuy30 = new Float64Array(n).fill(Number.NaN)
  const expectedValue = new Float64Array(n).fill(Number.NaN)
  const expectedNextAt = new Float64Array(n).fill(Number.NaN)
  const sufficiencyCode = new Uint8Array(n) // index into SUFFICIENCY
  const sufficiency = { ok: 0, thin: 0, none: 0 }
  const scoreProgress = report('scoreMembers', 0.7, 0.9)
  let b = 0
  for (let k = 0; k < n; k++) {
    if (k % 50_000 === 0)
      scoreProgress(k / n)
    const memberId = memberIds[k]!
    while (b < buyers && buyerIds[b]! < memberId) b++
    if (b >= buyers || buyerIds[b] !== memberId) {
      sufficiency.none++
      continue
    }
    const i = b
    const days = purchaseDays(purchases, i)
    if (days.length < 2 || !propensity) {
      sufficiency.thin++
      sufficiencyCode[k] = 1
      continue
    }
    const s7 = scorePropensity(propensity, days, 7)
    const s30 = scorePropensity(propensity, days, 30)
    const from = memberOrderStart[i]!
    const count = memberOrderStart[i + 1]! - from
    let net = 0
    for (let o = from; o < from + count; o++) net += orderNet[o]!
    const meanNet = net / count
    // A member's expected next purchase: the soonest consumable cycle with her own rhythm that is not long overdue.
    let nextDay: number | null = null
    for (const c of cyclesOf(groupCategoryDays(consumablePurchases(purchases, i), cutoffDay).values(), categoryMedian, cutoffDay, { priorGaps: CYCLE_PRIOR_GAPS })) {
      if (c.gapCount >= 1 && c.status !== 'overdue' && (nextDay === null || c.expectedNextDay < nextDay))
        nextDay = c.expectedNextDay
    }
    if (nextDay === null && days.length >= 3) {
      // Overall rhythm: regular gaps (CV ≤ 0.75) and not long overdue.
      const gaps = days.slice(1).map((d, j) => d - days[j]!)
      const m = median(gaps)
      const mean = gaps.reduce((a, g) => a + g, 0) / gaps.length
      const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length)
      const last = days[days.length - 1]!
      if (m > 0 && sd / mean <= 0.75 && cutoffDay - last <= 1.5 * m)
        nextDay = last + Math.round(m)
    }
    sufficiency.ok++
    sufficiencyCode[k] = 2
    pAlive[k] = round4(s30.pAlive)
    pBuy7[k] = round4(s7.pBuy)
    pBuy30[k] = round4(s30.pBuy)
    expectedValue[k] = Math.round((count * meanNet + VALUE_PRIOR_ORDERS * populationMean) / (count + VALUE_PRIOR_ORDERS))
    if (nextDay !== null)
      expectedNextAt[k] = shanghaiDayStart(Math.round(nextDay))
  }
  lap('scoreMembers')

  const stats: TrainStats = {
    members: n,
    membersWithOrders: buyers,
    orders: orderCount,
    orderLines: purchases.linesRead,
    spus: spuIds.length,
    sufficiency,
    artifactBytes: artifact.length,
    propensityError,
    nbrFit: { weights: nbrFit.weights, learned: nbrFit.learned, objective: nbrFit.objective, recall: nbrFit.recall, validationCases: nbrFit.validationCases, exploreRecall: nbrFit.exploreRecall, storeWideExploreRecall: nbrFit.storeWideExploreRecall },
    timingsMs: timings,
  }
  const params = { nbr: nbrOptions, cutoffDay, recentDays, valuePriorOrders: VALUE_PRIOR_ORDERS, cyclePriorGaps: CYCLE_PRIOR_GAPS }
  const orNull = (x: number) => (Number.isNaN(x) ? null : x)
  const writeProgress = report('write', 0.9, 1)
  // Scores are upserted in chunks, each its own statement, so on SQLite the API's writes wait for one chunk
  // (milliseconds), not for a million rows; a member's row is replaced whole. The run is stored last.
  for (let start = 0; start < n; start += SCORE_ROWS_PER_INSERT) {
    if (start % 100_000 === 0)
      writeProgress(start / n)
    const rows: (typeof memberScores.$inferInsert)[] = []
    for (let k = start; k < Math.min(n, start + SCORE_ROWS_PER_INSERT); k++) {
      rows.push({
        memberId: memberIds[k]!,
        pAlive: orNull(pAlive[k]!),
        pBuy7: orNull(pBuy7[k]!),
        pBuy30: orNull(pBuy30[k]!),
        expectedValue: orNull(expectedValue[k]!),
        expectedNextAt: orNull(expectedNextAt[k]!),
        sufficiency: SUFFICIENCY[sufficiencyCode[k]!]!,
        updatedAt: now,
      })
    }
    await db.insert(memberScores).values(rows).onConflictDoUpdate({
      target: memberScores.memberId,
      set: {
        pAlive: sql`excluded.p_alive`,
        pBuy7: sql`excluded.p_buy_7`,
        pBuy30: sql`excluded.p_buy_30`,
        expectedValue: sql`excluded.expected_value`,
        expectedNextAt: sql`excluded.expected_next_at`,
        sufficiency: sql`excluded.sufficiency`,
        updatedAt: sql`excluded.updated_at`,
      },
    })
  }
  const modelRunId = await db.transaction(async (tx) => {
    const run = await tx.insert(modelRuns).values({ kind: MODEL_KIND, trainedAt: now, params, metrics: { ...stats, populationMeanOrderValue: Math.round(populationMean) }, artifact }).returning({ id: modelRuns.id }).get()
    await pruneModelRuns(tx, options.keepModelRuns ?? KEEP_MODEL_RUNS)
    return run!.id
  })
  lap('write')
  options.onProgress?.({ phase: 'done', fraction: 1 })
  return { modelRunId, stats }
}

/**
 * Deletes all but the latest `keepPerKind` model runs of each kind, except runs that logged
 * recommendations still point to (sends hang off those); member_recommendations' own reference is
 * ON DELETE SET NULL. Returns how many were deleted.
 */
export async function pruneModelRuns(db: AsyncDbOrTx, keepPerKind = KEEP_MODEL_RUNS): Promise<number> {
  const oldRuns = sql`select ranked.id from (select id, row_number() over (partition by kind order by trained_at desc, id desc) as newest from ${modelRuns}) ranked where ranked.newest > ${keepPerKind}`
  // Every precomputed list logs a `recommendations` row per member and run; of an old run only the rows a
  // send points at matter (attribution and learned conversion read them). The rest would pin every run.
  await db.run(sql`delete from ${recommendations} where ${recommendations.modelRunId} in (${oldRuns})
    and not exists (select 1 from ${sends} where ${qualified(sends.recommendationId)} = ${qualified(recommendations.id)})
    and not exists (select 1 from ${memberRecommendations} where ${qualified(memberRecommendations.recommendationId)} = ${qualified(recommendations.id)})`)
  const result = await db.run(sql`delete from ${modelRuns} where ${modelRuns.id} in (${oldRuns})
    and not exists (select 1 from ${recommendations} where ${qualified(recommendations.modelRunId)} = ${qualified(modelRuns.id)})`)
  return changes(result)
}

/** Up to `n` customers chosen by a hash of their id (stable across runs), with their purchase days. */
function sampleCustomers(ids: Int32Array, n: number, daysOf: (index: number) => number[]): Map<string, number[]> {
  const hash = (s: string) => {
    let h = 2166136261
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
    return h >>> 0
  }
  const picked = Int32Array.from({ length: ids.length }, (_, i) => i)
  if (ids.length > n) {
    const hashes = Uint32Array.from(ids, id => hash(String(id)))
    picked.sort((a, b) => hashes[a]! - hashes[b]! || (String(ids[a]) < String(ids[b]) ? -1 : 1))
  }
  return new Map(Array.from(picked.subarray(0, Math.min(n, ids.length)), i => [String(ids[i]), daysOf(i)]))
}

function round4(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0
}
