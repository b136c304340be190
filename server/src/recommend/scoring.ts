// Scoring one member: her orders from the database + the cached model → 3-10 products with a reason
// each. In-process (a few small indexed queries plus the NBR model's sparse kNN), a few ms per member;
// run by the precompute/refresh jobs (precompute.ts), never on the sidebar's request path.
//
// Pipeline: candidates from the NBR model (personal / neighbours / complement / popular), excluding
// what cannot or should not be shown (no in-stock SKU, off sale, apparel she already owns, SPUs she
// ignored in the last 14 days, any consumable of a kind she bought within its repurchase cycle)
// → a restock boost when a consumable's cycle is due → re-rank with category/price-band fit and
// learned conversion per SPU and per reason, keeping the score split by source (contributions) →
// the reason names the largest contributor → at most `diversityCap` per category → one
// exploration slot for a new arrival chosen by Thompson sampling on its send→conversion counts →
// an in-stock SKU in her usual size/colour.
import type { ReasonCode, ReasonFacts, Recommendations, RecommendedProduct, ScoreContributions, ScoreSource } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { RecommendedItemLog } from '../db/schema.ts'
import type { FeedbackStats } from './feedback.ts'
import type { LoadedModel, ModelStore } from './model-store.ts'
import { and, asc, eq, lt, lte, ne } from 'drizzle-orm'
import { orderLines, orders, products, recommendations } from '../db/schema.ts'
import { DAY_MS, shanghaiDay } from '../lib/china-time.ts'
import { Rng } from '../lib/random.ts'
import { conversionLift, DEFAULT_SUPPRESS_DAYS, suppressedSpus } from './feedback.ts'
import { createModelStore } from './model-store.ts'
import { recommend } from './nbr/model.ts'
import { shrunkCycleDays } from './training.ts'

export interface RecommenderOptions {
  /** Business clock (tests pin it). */
  now?: () => number
  /** How long the catalog snapshot (stock, status) is reused, wall-clock ms. Default 60 s. */
  cacheTtlMs?: number
  /** How often to check for a newer model run, wall-clock ms. Default 30 s. */
  modelRecheckMs?: number
  /** Items returned by the provider (3-10). Default 6. */
  limit?: number
  /** At most this many items per category in one list. Default 2. */
  diversityCap?: number
  suppressDays?: number
  /**
   * Use the outcomes of earlier sends (default true). false ⇒ no hold-back of ignored products,
   * no learned conversion per SPU / per reason, and the exploration slot stays but draws from the
   * uninformed prior Beta(1, 1) instead of the send→conversion counts. The "feedback off" arm of
   * bench/feedback-loop.ts; with true the scorer behaves exactly as without the option. An object
   * switches the parts separately (the bench's ablation arms); missing parts are on.
   */
  feedback?: boolean | Partial<FeedbackParts>
  /** A product launched within this many days is a new arrival (exploration). Default 30. */
  newArrivalDays?: number
  store?: ModelStore
}

export interface FeedbackParts {
  /**
   * 'ignored': hold back products sent within `suppressDays` that led to no order (the product);
   * 'sent': hold back every product sent within it, outcome-blind (a plain rotation); false: none.
   */
  holdBack: 'ignored' | 'sent' | false
  /** Learned send→conversion per SPU and per reason multiplies the score. */
  learnedConversion: boolean
  /** The exploration slot's Thompson draw uses the send→conversion counts (else Beta(1, 1)). */
  informedExploration: boolean
}

export interface ScoreRequest {
  /** Number of items (clamped to 1-10). */
  k: number
  /** Write a `recommendations` row (the sidebar); the today list's lead products do not. */
  log: boolean
  guideUserid: string
}

/**
 * The options a recommender was made with besides its clock and model store: plain data, so a worker
 * thread (precompute-worker.ts) can make the same scorer. A given `store` does not cross: the worker's
 * scorer loads the latest model run from its own connection.
 */
export type ScoringSettings = Omit<RecommenderOptions, 'now' | 'store'>

export interface Recommender {
  /** Items per list when the caller has no preference (RecommenderOptions.limit, clamped to 3-10). */
  defaultLimit: number
  settings: ScoringSettings
  score: (db: AsyncDbOrTx, memberId: number, request: ScoreRequest) => Promise<ScoredList>
}

/** A scored list; her propensity is not the scorer's business (precomputed.ts reads it with the list). */
export type ScoredList = Omit<Recommendations, 'propensity'>

interface SkuInfo { skuId: string, color: string | null, size: string | null, stock: number, price: number, imageUrl: string, linkUrl: string, name: string }
interface SpuInfo {
  spuId: string
  name: string
  categoryPath: string
  category: string
  top: string
  consumable: boolean
  launchedAt: number
  /** In-stock, on-sale SKUs (empty ⇒ not recommendable). */
  skus: SkuInfo[]
}
interface Catalog { loadedAt: number, spus: Map<string, SpuInfo> }

const MIN_ITEMS = 3
/** Feedback as seen with `feedback: false`: no counts ⇒ every lift is 1, exploration draws Beta(1, 1). */
const NO_FEEDBACK: FeedbackStats = { bySpu: new Map(), byReason: new Map(), overall: { sends: 0, conversions: 0 } }
const MAX_ITEMS = 10
const CANDIDATES = 60

async function loadCatalog(db: AsyncDbOrTx): Promise<Catalog> {
  const rows = await db.select({
    skuId: products.skuId,
    spuId: products.spuId,
    name: products.name,
    categoryPath: products.categoryPath,
    category: products.category,
    price: products.price,
    color: products.color,
    size: products.size,
    stock: products.stock,
    imageUrl: products.imageUrl,
    linkUrl: products.linkUrl,
    consumable: products.consumable,
    launchedAt: products.launchedAt,
    status: products.status,
  }).from(products).orderBy(asc(products.skuId)).all()
  const spus = new Map<string, SpuInfo>()
  for (const r of rows) {
    let spu = spus.get(r.spuId)
    if (!spu) {
      spu = { spuId: r.spuId, name: r.name, categoryPath: r.categoryPath, category: r.category, top: r.categoryPath.split('/')[0] ?? '', consumable: r.consumable, launchedAt: r.launchedAt, skus: [] }
      spus.set(r.spuId, spu)
    }
    spu.launchedAt = Math.min(spu.launchedAt, r.launchedAt)
    if (r.status === 'on_sale' && r.stock > 0)
      spu.skus.push({ skuId: r.skuId, color: r.color, size: r.size, stock: r.stock, price: r.price, imageUrl: r.imageUrl, linkUrl: r.linkUrl, name: r.name })
  }
  return { loadedAt: Date.now(), spus }
}

/** What scoring needs from one member's orders. */
interface MemberHistory {
  baskets: number[][]
  /** Per SPU she bought: number of orders, last purchase day. */
  owned: Map<string, { orders: number, lastDay: number, lastPaidAt: number }>
  categoryCount: Map<string, number>
  /** Leaf category paths she has bought. */
  leaves: Set<string>
  lines: number
  sizeByCategory: Map<string, Map<string, number>>
  colors: Map<string, number>
  pricesByTop: Map<string, number[]>
  /** Consumable leaf category path → distinct purchase days and the SPU bought last. */
  consumables: Map<string, { days: number[], lastSpu: string }>
}

async function loadHistory(db: AsyncDbOrTx, memberId: number, now: number, model: LoadedModel | null, catalog: Catalog): Promise<MemberHistory> {
  const rows = await db.select({
    orderId: orders.id,
    paidAt: orders.paidAt,
    spuId: orderLines.spuId,
    skuId: orderLines.skuId,
    unitPrice: orderLines.unitPrice,
    color: products.color,
    size: products.size,
  }).from(orders).innerJoin(orderLines, eq(orderLines.orderId, orders.id)).innerJoin(products, eq(products.skuId, orderLines.skuId)).where(and(
    eq(orders.memberId, memberId),
    ne(orders.status, 'cancelled'),
    lt(orders.refundedAmount, orders.paidAmount),
    lte(orders.paidAt, now),
  )).orderBy(asc(orders.paidAt), asc(orders.id)).all()
  const h: MemberHistory = { baskets: [], owned: new Map(), categoryCount: new Map(), leaves: new Set(), lines: 0, sizeByCategory: new Map(), colors: new Map(), pricesByTop: new Map(), consumables: new Map() }
  let lastOrder = -1
  let basket: number[] = []
  const orderSpus = new Set<string>()
  for (const r of rows) {
    const day = shanghaiDay(r.paidAt)
    if (r.orderId !== lastOrder) {
      if (basket.length)
        h.baskets.push(basket)
      basket = []
      orderSpus.clear()
      lastOrder = r.orderId
    }
    const idx = model?.spuIndex.get(r.spuId)
    if (idx !== undefined)
      basket.push(idx)
    const spu = catalog.spus.get(r.spuId)
    if (!orderSpus.has(r.spuId)) {
      orderSpus.add(r.spuId)
      const o = h.owned.get(r.spuId)
      h.owned.set(r.spuId, { orders: (o?.orders ?? 0) + 1, lastDay: day, lastPaidAt: r.paidAt })
    }
    if (!spu)
      continue
    h.lines++
    inc(h.categoryCount, spu.category)
    h.leaves.add(spu.categoryPath)
    if (r.size) {
      const m = h.sizeByCategory.get(spu.category) ?? new Map<string, number>()
      inc(m, r.size)
      h.sizeByCategory.set(spu.category, m)
    }
    if (r.color)
      inc(h.colors, r.color)
    const prices = h.pricesByTop.get(spu.top) ?? []
    prices.push(r.unitPrice)
    h.pricesByTop.set(spu.top, prices)
    if (spu.consumable) {
      const c = h.consumables.get(spu.categoryPath) ?? { days: [], lastSpu: r.spuId }
      if (c.days[c.days.length - 1] !== day)
        c.days.push(day)
      c.lastSpu = r.spuId
      h.consumables.set(spu.categoryPath, c)
    }
  }
  if (basket.length)
    h.baskets.push(basket)
  return h
}

function inc(m: Map<string, number>, key: string, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by)
}

function modeOf(m: Map<string, number> | undefined): string | null {
  if (!m)
    return null
  let best: string | null = null
  let n = 0
  for (const [k, v] of m) {
    if (v > n || (v === n && best !== null && k < best)) {
      best = k
      n = v
    }
  }
  return best
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const n = s.length
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2
}

interface Candidate {
  spu: SpuInfo
  itemId: number
  score: number
  contributions: ScoreContributions
  facts: ReasonFacts
}

const SOURCES = ['restock', 'personal', 'complement', 'neighbours', 'popular', 'explore'] as const satisfies readonly ScoreSource[]
/** The reason each source is shown as. */
export const REASON_OF_SOURCE = {
  restock: 'restock',
  personal: 'favourite_category',
  complement: 'complement',
  neighbours: 'similar_members',
  popular: 'popular',
  explore: 'explore',
} as const satisfies Record<ScoreSource, ReasonCode>

/** A consumable counts as due from this share of her cycle on; before it, nothing of its kind is shown. */
const DUE_FROM = 0.8

/** Her rhythm for a consumable's leaf category, if she has bought it (null otherwise). */
function consumableCycle(history: MemberHistory, spu: SpuInfo, categoryCycleDays: Record<string, number>, today: number): { ratio: number, daysSince: number, cycleDays: number, gapCount: number, lastSpu: string } | null {
  const cyc = spu.consumable ? history.consumables.get(spu.categoryPath) : undefined
  if (!cyc)
    return null
  const c = shrunkCycleDays(cyc.days, categoryCycleDays[spu.categoryPath] ?? 30)
  const daysSince = today - cyc.days[cyc.days.length - 1]!
  return { ratio: daysSince / c.cycleDays, daysSince, cycleDays: c.cycleDays, gapCount: c.gapCount, lastSpu: cyc.lastSpu }
}

interface FactsContext {
  spu: SpuInfo
  owned: { orders: number } | undefined
  restock: ReasonFacts | null
  model: LoadedModel
  itemId: number
  history: MemberHistory
  catalog: Catalog
  today: number
}

/**
 * The reason for the largest contributor, stating only what is true at the level it names: the
 * product's own purchase count, the anchor product of a complement pair, sales counted in the store.
 * A source whose facts cannot be stated (no complement anchor among her orders) yields to the next.
 */
function factsFor(contributions: ScoreContributions, c: FactsContext): ReasonFacts {
  const ranked = [...SOURCES].sort((a, b) => contributions[b] - contributions[a] || SOURCES.indexOf(a) - SOURCES.indexOf(b))
  for (const source of ranked) {
    if (contributions[source] <= 0)
      break
    if (source === 'restock' && c.restock)
      return c.restock
    if (source === 'personal' && c.owned)
      return { code: 'favourite_category', categoryPath: c.spu.categoryPath, purchaseCount: c.owned.orders, isNew: false, productName: c.spu.name, sameProduct: true }
    if (source === 'complement') {
      const facts = complementFacts(c.model, c.itemId, c.history, c.catalog, c.today)
      if (facts)
        return facts
    }
    if (source === 'neighbours')
      return { code: 'similar_members' }
    if (source === 'popular')
      break
  }
  return { code: 'popular', units: c.model.meta.recentSales[c.itemId] ?? 0, days: c.model.meta.recentDays }
}

export function createRecommender(options: RecommenderOptions = {}): Recommender {
  const now = options.now ?? Date.now
  const cacheTtlMs = options.cacheTtlMs ?? 60_000
  const defaultLimit = Math.min(MAX_ITEMS, Math.max(MIN_ITEMS, options.limit ?? 6))
  const diversityCap = options.diversityCap ?? 2
  const suppressDays = options.suppressDays ?? DEFAULT_SUPPRESS_DAYS
  const parts: FeedbackParts = options.feedback === false
    ? { holdBack: false, learnedConversion: false, informedExploration: false }
    : { holdBack: 'ignored', learnedConversion: true, informedExploration: true, ...(options.feedback === true ? {} : options.feedback) }
  const newArrivalMs = (options.newArrivalDays ?? 30) * DAY_MS
  const store = options.store ?? createModelStore({ recheckMs: options.modelRecheckMs })
  const catalogs = new WeakMap<object, Catalog>()

  async function catalogFor(db: AsyncDbOrTx): Promise<Catalog> {
    const c = catalogs.get(db)
    const wall = Date.now()
    if (c && wall - c.loadedAt < cacheTtlMs && wall >= c.loadedAt)
      return c
    const fresh = await loadCatalog(db)
    catalogs.set(db, fresh)
    return fresh
  }

  async function score(db: AsyncDbOrTx, memberId: number, request: ScoreRequest): Promise<ScoredList> {
    const t = now()
    const k = Math.min(MAX_ITEMS, Math.max(1, request.k))
    const model = await store.get(db)
    const catalog = await catalogFor(db)
    const history = await loadHistory(db, memberId, t, model, catalog)
    if (!model)
      return { recommendationId: null, items: [] }

    const today = shanghaiDay(t)
    const suppressed = parts.holdBack ? await suppressedSpus(db, memberId, t, suppressDays, { outcomeBlind: parts.holdBack === 'sent' }) : new Set<string>()
    const { nbr, meta } = model
    const feedback = parts.learnedConversion ? model.feedback : NO_FEEDBACK

    // Exclusions in model index space: unavailable, already-owned one-off items, recently ignored.
    const exclude = new Set<number>()
    meta.spuIds.forEach((spuId, idx) => {
      const spu = catalog.spus.get(spuId)
      if (!spu || spu.skus.length === 0 || suppressed.has(spuId) || (!spu.consumable && history.owned.has(spuId)))
        exclude.add(idx)
    })
    const recs = recommend(nbr, history.baskets, CANDIDATES, { exclude })

    const priceMedian = new Map([...history.pricesByTop].map(([top, p]) => [top, medianOf(p)]))

    const candidates: Candidate[] = []
    for (const r of recs) {
      const spuId = meta.spuIds[r.itemId]!
      const spu = catalog.spus.get(spuId)
      if (!spu)
        continue
      const cycle = consumableCycle(history, spu, meta.categoryCycleDays, today)
      // Her repurchase cycle for this kind of consumable has not come round: nothing of the kind now.
      if (cycle && cycle.ratio < DUE_FROM)
        continue
      let restockFactor = 1
      let restock: ReasonFacts | null = null
      if (cycle && cycle.gapCount >= 1 && cycle.ratio <= 1.5 && cycle.lastSpu === spuId) {
        const dueScore = Math.exp(-(Math.log(cycle.ratio) ** 2) / (2 * 0.5 ** 2))
        restockFactor = 1 + 2 * dueScore
        // The cycle the decision used (her gaps shrunk toward the category's), so the text agrees with it.
        restock = { code: 'restock', productName: spu.name, daysSince: cycle.daysSince, cycleDays: cycle.cycleDays }
      }
      // Preferences: her category share, and price within her usual band for this top category.
      let factor = 1 + 0.3 * (history.lines ? (history.categoryCount.get(spu.category) ?? 0) / history.lines : 0)
      const usual = priceMedian.get(spu.top)
      const price = spu.skus[0]!.price
      if (usual && (history.pricesByTop.get(spu.top)?.length ?? 0) >= 2) {
        const ratio = price / usual
        if (ratio > 2.5)
          factor *= 0.7
        else if (ratio < 0.3)
          factor *= 0.85
      }
      factor *= conversionLift(feedback.bySpu.get(spuId), feedback.overall)
      const contributions: ScoreContributions = {
        personal: r.sources.personal * factor,
        neighbours: r.sources.neighbours * factor,
        complement: r.sources.complement * factor,
        popular: r.sources.popular * factor,
        restock: r.score * (restockFactor - 1) * factor,
        explore: 0,
      }
      const facts = factsFor(contributions, { spu, owned: history.owned.get(spuId), restock, model, itemId: r.itemId, history, catalog, today })
      // The learned conversion of the reason shown scales every source alike (the split stays).
      const reasonLift = conversionLift(feedback.byReason.get(facts.code), feedback.overall)
      for (const key of SOURCES) contributions[key] *= reasonLift
      candidates.push({ spu, itemId: r.itemId, score: r.score * restockFactor * factor * reasonLift, contributions, facts })
    }
    candidates.sort((a, b) => b.score - a.score || (a.spu.spuId < b.spu.spuId ? -1 : a.spu.spuId > b.spu.spuId ? 1 : 0))

    // Exploration: one new arrival in a category she buys (any category for a new member).
    const chosenSpus = new Set<string>()
    const explore = k >= MIN_ITEMS ? pickExploration(catalog, history, suppressed, t, newArrivalMs, model, parts.informedExploration ? model.feedback : NO_FEEDBACK, memberId, today) : null
    const slots = explore ? k - 1 : k
    const picked: Candidate[] = []
    const perCategory = new Map<string, number>()
    if (explore)
      perCategory.set(explore.spu.category, 1)
    for (const c of candidates) {
      if (picked.length >= slots)
        break
      if ((perCategory.get(c.spu.category) ?? 0) >= diversityCap || c.spu.spuId === explore?.spu.spuId)
        continue
      picked.push(c)
      chosenSpus.add(c.spu.spuId)
      inc(perCategory, c.spu.category)
    }
    // Too few categories to fill the list under the cap: relax it rather than show fewer than 3.
    for (const c of candidates) {
      if (picked.length >= Math.min(slots, MIN_ITEMS))
        break
      if (!chosenSpus.has(c.spu.spuId) && c.spu.spuId !== explore?.spu.spuId) {
        picked.push(c)
        chosenSpus.add(c.spu.spuId)
      }
    }
    if (explore && !chosenSpus.has(explore.spu.spuId))
      picked.push(explore)

    const items: RecommendedProduct[] = picked.map((c) => {
      const sku = chooseSku(c.spu, history)
      return {
        skuId: sku.skuId,
        spuId: c.spu.spuId,
        name: sku.name,
        categoryPath: c.spu.categoryPath,
        price: sku.price,
        imageUrl: sku.imageUrl,
        linkUrl: sku.linkUrl,
        score: Math.round(c.score * 1e4) / 1e4,
        contributions: roundContributions(c.contributions),
        facts: c.facts,
      }
    })
    let recommendationId: number | null = null
    if (request.log && items.length) {
      const logged: RecommendedItemLog[] = items.map((it, i) => ({ skuId: it.skuId, spuId: it.spuId, reasonCode: it.facts.code, score: it.score, rank: i + 1 }))
      recommendationId = (await db.insert(recommendations).values({ memberId, guideUserid: request.guideUserid, modelRunId: model.runId, items: logged, createdAt: t }).returning({ id: recommendations.id }).get())!.id
    }
    return { recommendationId, items }
  }

  const { now: _clock, store: _store, ...settings } = options
  return { score, defaultLimit, settings }
}

function roundContributions(c: ScoreContributions): ScoreContributions {
  const out = { ...c }
  for (const key of SOURCES) out[key] = Math.round(c[key] * 1e6) / 1e6
  return out
}

/**
 * The earlier purchase that best explains a complement candidate (strongest association × recency).
 * Complement lists hold only pairs that beat chance (nbr/model.ts isComplementPair).
 */
function complementFacts(model: LoadedModel, itemId: number, history: MemberHistory, catalog: Catalog, today: number): ReasonFacts | null {
  let best: { spuId: string, lastDay: number, w: number } | null = null
  for (const [spuId, o] of history.owned) {
    const idx = model.spuIndex.get(spuId)
    if (idx === undefined)
      continue
    const ids = model.nbr.complementIds[idx]!
    const vals = model.nbr.complementVals[idx]!
    for (let j = 0; j < ids.length; j++) {
      if (ids[j] !== itemId)
        continue
      const w = vals[j]! * 0.98 ** Math.max(0, today - o.lastDay)
      if (!best || w > best.w)
        best = { spuId, lastDay: o.lastDay, w }
      break
    }
  }
  const anchor = best && catalog.spus.get(best.spuId)
  if (!best || !anchor)
    return null
  return { code: 'complement', anchorCategoryPath: anchor.categoryPath, anchorDaysAgo: today - best.lastDay }
}

/** Thompson sampling over new arrivals' send→conversion counts (Beta(1 + c, 1 + s − c)). */
function pickExploration(catalog: Catalog, history: MemberHistory, suppressed: Set<string>, t: number, newArrivalMs: number, model: LoadedModel, feedback: FeedbackStats, memberId: number, today: number): Candidate | null {
  const fresh = [...catalog.spus.values()].filter((s) => {
    if (s.skus.length === 0 || s.launchedAt < t - newArrivalMs || s.launchedAt > t || suppressed.has(s.spuId) || (!s.consumable && history.owned.has(s.spuId)))
      return false
    // A new lipstick six days after she bought one is not news: respect the kind's cycle.
    const cycle = consumableCycle(history, s, model.meta.categoryCycleDays, today)
    return !cycle || cycle.ratio >= DUE_FROM
  })
  if (!fresh.length)
    return null
  const liked = fresh.filter(s => history.categoryCount.has(s.category))
  const pool = (liked.length ? liked : fresh).sort((a, b) => (a.spuId < b.spuId ? -1 : 1))
  const rng = new Rng(`${memberId}:${today}`)
  let best: { spu: SpuInfo, draw: number } | null = null
  for (const spu of pool) {
    const c = feedback.bySpu.get(spu.spuId)
    const sends = c?.sends ?? 0
    const conv = Math.min(sends, c?.conversions ?? 0)
    const draw = rng.beta(1 + conv, 1 + sends - conv)
    if (!best || draw > best.draw)
      best = { spu, draw }
  }
  if (!best)
    return null
  const score = Math.round(best.draw * 1e4) / 1e4
  return {
    spu: best.spu,
    itemId: model.spuIndex.get(best.spu.spuId) ?? -1,
    score,
    contributions: { personal: 0, neighbours: 0, complement: 0, popular: 0, restock: 0, explore: score },
    // "She has bought this kind" is said of the leaf the text names, not of its broader category.
    facts: { code: 'explore', categoryPath: best.spu.categoryPath, launchedDaysAgo: (t - best.spu.launchedAt) / DAY_MS, likedCategory: history.leaves.has(best.spu.categoryPath) },
  }
}

/** An in-stock SKU, preferring her usual size in this category, then her usual colour. */
function chooseSku(spu: SpuInfo, history: MemberHistory): SkuInfo {
  const size = modeOf(history.sizeByCategory.get(spu.category))
  const color = modeOf(history.colors)
  let best = spu.skus[0]!
  let bestScore = -1
  for (const sku of spu.skus) {
    const s = (size && sku.size === size ? 2 : 0) + (color && sku.color === color ? 1 : 0)
    if (s > bestScore || (s === bestScore && (sku.stock > best.stock || (sku.stock === best.stock && sku.skuId < best.skuId)))) {
      best = sku
      bestScore = s
    }
  }
  return best
}
