// Per-request scoring for the sidebar: one member's orders from the database + the cached model →
// 3-10 products with a reason each, logged as a `recommendations` row. Synchronous and in-process
// (a few small indexed queries plus the NBR model's sparse kNN), a few ms per member.
//
// Pipeline: candidates from the NBR model (personal / neighbours / complement / popular), excluding
// what cannot or should not be shown (no in-stock SKU, off sale, apparel she already owns, SPUs she
// ignored in the last 14 days) → reason per item (restock when a consumable's cycle is due, else
// the dominant source) → re-rank with category/price-band fit and learned conversion per SPU and
// per reason → at most `diversityCap` per category → one exploration slot for a new arrival chosen
// by Thompson sampling on its send→conversion counts → an in-stock SKU in her usual size/colour.
import type { Propensity, ReasonFacts, Recommendations, RecommendedProduct } from '@scrm/shared'
import type { DbOrTx } from '../db/client.ts'
import type { RecommendedItemLog } from '../db/schema.ts'
import type { RecommendationProvider } from '../members/service.ts'
import type { Session } from '../plugins/session.ts'
import type { FeedbackStats } from './feedback.ts'
import type { LoadedModel, ModelStore } from './model-store.ts'
import { and, asc, eq, lt, lte, ne } from 'drizzle-orm'
import { memberScores, orderLines, orders, products, recommendations } from '../db/schema.ts'
import { Rng } from '../lib/random.ts'
import { conversionLift, DEFAULT_SUPPRESS_DAYS, suppressedSpus } from './feedback.ts'
import { createModelStore } from './model-store.ts'
import { recommend } from './nbr/model.ts'
import { DAY_MS, shanghaiDay, shrunkCycleDays } from './training.ts'

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

export interface Recommender {
  provider: RecommendationProvider
  score: (db: DbOrTx, memberId: number, request: ScoreRequest) => Recommendations
}

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

function loadCatalog(db: DbOrTx): Catalog {
  const rows = db.select({
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
  lines: number
  sizeByCategory: Map<string, Map<string, number>>
  colors: Map<string, number>
  pricesByTop: Map<string, number[]>
  /** Consumable leaf category path → distinct purchase days and the SPU bought last. */
  consumables: Map<string, { days: number[], lastSpu: string }>
  purchaseDays: number
}

function loadHistory(db: DbOrTx, memberId: number, now: number, model: LoadedModel | null, catalog: Catalog): MemberHistory {
  const rows = db.select({
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
  const h: MemberHistory = { baskets: [], owned: new Map(), categoryCount: new Map(), lines: 0, sizeByCategory: new Map(), colors: new Map(), pricesByTop: new Map(), consumables: new Map(), purchaseDays: 0 }
  let lastOrder = -1
  let basket: number[] = []
  const days = new Set<number>()
  const orderSpus = new Set<string>()
  for (const r of rows) {
    const day = shanghaiDay(r.paidAt)
    days.add(day)
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
  h.purchaseDays = days.size
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
  base: number
  score: number
  facts: ReasonFacts
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

  function catalogFor(db: DbOrTx): Catalog {
    const c = catalogs.get(db)
    const wall = Date.now()
    if (c && wall - c.loadedAt < cacheTtlMs && wall >= c.loadedAt)
      return c
    const fresh = loadCatalog(db)
    catalogs.set(db, fresh)
    return fresh
  }

  function propensityOf(db: DbOrTx, memberId: number, history: MemberHistory): Propensity {
    const row = db.select().from(memberScores).where(eq(memberScores.memberId, memberId)).get()
    if (!row) {
      // No trained scores yet: say how much data there is, with blank numbers.
      const sufficiency = history.purchaseDays === 0 ? 'none' : history.purchaseDays < 2 ? 'thin' : 'ok'
      return { pBuy7: null, pBuy30: null, pAlive: null, expectedNextAt: null, sufficiency }
    }
    const ok = row.sufficiency === 'ok'
    return {
      pBuy7: ok ? row.pBuy7 : null,
      pBuy30: ok ? row.pBuy30 : null,
      pAlive: ok ? row.pAlive : null,
      expectedNextAt: ok ? row.expectedNextAt : null,
      sufficiency: row.sufficiency,
    }
  }

  function score(db: DbOrTx, memberId: number, request: ScoreRequest): Recommendations {
    const t = now()
    const k = Math.min(MAX_ITEMS, Math.max(1, request.k))
    const model = store.get(db)
    const catalog = catalogFor(db)
    const history = loadHistory(db, memberId, t, model, catalog)
    const propensity = propensityOf(db, memberId, history)
    if (!model)
      return { recommendationId: null, propensity, items: [] }

    const today = shanghaiDay(t)
    const suppressed = parts.holdBack ? suppressedSpus(db, memberId, t, suppressDays, { outcomeBlind: parts.holdBack === 'sent' }) : new Set<string>()
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

    // Her categories, most bought first; "favourite" = bought at least twice and among her top 3.
    const topCategories = [...history.categoryCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    const favourite = new Set(topCategories.slice(0, 3).filter(([, n]) => n >= 2).map(([c]) => c))
    const priceMedian = new Map([...history.pricesByTop].map(([top, p]) => [top, medianOf(p)]))
    const recentOwned = [...history.owned].sort((a, b) => b[1].lastPaidAt - a[1].lastPaidAt || (a[0] < b[0] ? -1 : 1)).slice(0, 12)

    const candidates: Candidate[] = []
    for (const r of recs) {
      const spuId = meta.spuIds[r.itemId]!
      const spu = catalog.spus.get(spuId)
      if (!spu)
        continue
      let factor = 1
      let facts: ReasonFacts | null = null
      const owned = history.owned.get(spuId)
      if (spu.consumable && owned) {
        const cyc = history.consumables.get(spu.categoryPath)
        if (cyc) {
          const prior = meta.categoryCycleDays[spu.categoryPath] ?? 30
          const c = shrunkCycleDays(cyc.days, prior)
          const lastDay = cyc.days[cyc.days.length - 1]!
          const ratio = (today - lastDay) / c.cycleDays
          if (c.gapCount >= 1 && ratio >= 0.8 && ratio <= 1.5 && cyc.lastSpu === spuId) {
            const dueScore = Math.exp(-(Math.log(ratio) ** 2) / (2 * 0.5 ** 2))
            factor *= 1 + 2 * dueScore
            // The cycle the decision used (her gaps shrunk toward the category's), so the text agrees with it.
            facts = { code: 'restock', productName: spu.name, daysSince: today - lastDay, cycleDays: c.cycleDays }
          }
          else if (ratio < 0.8) {
            // Bought recently, not due yet: keep it, but behind the rest.
            factor *= 0.4
          }
        }
      }
      if (!facts) {
        const s = r.sources
        const dominant = s.complement >= s.neighbours && s.complement >= s.personal && s.complement >= s.popular && s.complement > 0
          ? 'complement'
          : s.personal >= s.neighbours && s.personal >= s.popular && s.personal > 0
            ? 'personal'
            : s.neighbours >= s.popular && s.neighbours > 0 ? 'neighbours' : 'popular'
        const isNew = spu.launchedAt >= t - newArrivalMs && spu.launchedAt <= t
        const catCount = history.categoryCount.get(spu.category) ?? 0
        if (dominant === 'complement')
          facts = complementFacts(model, r.itemId, recentOwned, catalog, today)
        if (!facts && dominant === 'personal' && owned)
          facts = { code: 'favourite_category', categoryPath: spu.categoryPath, purchaseCount: owned.orders, isNew: false, productName: spu.name, sameProduct: true }
        if (!facts && favourite.has(spu.category))
          facts = { code: 'favourite_category', categoryPath: spu.categoryPath, purchaseCount: catCount, isNew }
        if (!facts && dominant === 'neighbours')
          facts = { code: 'similar_members' }
        if (!facts && dominant === 'complement')
          facts = { code: 'similar_members' }
        if (!facts)
          facts = { code: 'popular', units: meta.recentSales[r.itemId] ?? 0, days: meta.recentDays }
      }
      // Preferences: her category share, and price within her usual band for this top category.
      factor *= 1 + 0.3 * (history.lines ? (history.categoryCount.get(spu.category) ?? 0) / history.lines : 0)
      const usual = priceMedian.get(spu.top)
      const price = spu.skus[0]!.price
      if (usual && (history.pricesByTop.get(spu.top)?.length ?? 0) >= 2) {
        const ratio = price / usual
        if (ratio > 2.5)
          factor *= 0.7
        else if (ratio < 0.3)
          factor *= 0.85
      }
      factor *= conversionLift(feedback.bySpu.get(spuId), feedback.overall) * conversionLift(feedback.byReason.get(facts.code), feedback.overall)
      candidates.push({ spu, itemId: r.itemId, base: r.score, score: r.score * factor, facts })
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
        facts: c.facts,
      }
    })
    let recommendationId: number | null = null
    if (request.log && items.length) {
      const logged: RecommendedItemLog[] = items.map((it, i) => ({ skuId: it.skuId, spuId: it.spuId, reasonCode: it.facts.code, score: it.score, rank: i + 1 }))
      recommendationId = db.insert(recommendations).values({ memberId, guideUserid: request.guideUserid, modelRunId: model.runId, items: logged, createdAt: t }).returning({ id: recommendations.id }).get().id
    }
    return { recommendationId, propensity, items }
  }

  return {
    score,
    provider: (db: DbOrTx, memberId: number, session: Session) => score(db, memberId, { k: defaultLimit, log: true, guideUserid: session.userid }),
  }
}

/** The sidebar's provider (see createRecommender). */
export function createRecommendationProvider(options: RecommenderOptions = {}): RecommendationProvider {
  return createRecommender(options).provider
}

/** The earlier purchase that best explains a complement candidate (strongest association × recency). */
function complementFacts(model: LoadedModel, itemId: number, recentOwned: [string, { lastDay: number }][], catalog: Catalog, today: number): ReasonFacts | null {
  let best: { spuId: string, lastDay: number, w: number } | null = null
  for (const [spuId, o] of recentOwned) {
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
  const fresh = [...catalog.spus.values()].filter(s => s.skus.length > 0 && s.launchedAt >= t - newArrivalMs && s.launchedAt <= t && !suppressed.has(s.spuId) && !(!s.consumable && history.owned.has(s.spuId)))
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
  return {
    spu: best.spu,
    itemId: model.spuIndex.get(best.spu.spuId) ?? -1,
    base: 0,
    score: Math.round(best.draw * 1e4) / 1e4,
    facts: { code: 'explore', categoryPath: best.spu.categoryPath, launchedDaysAgo: (t - best.spu.launchedAt) / DAY_MS, likedCategory: liked.length > 0 },
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
