// Next-basket recommender ("ours"): TIFUKNN-style personal item-frequency vectors (Hu et al.,
// SIGIR 2020) plus three more evidence sources, blended with weights tuned on validation users.
//   personal    – the member's own time-decayed item frequencies, where the fit finds it pays
//                 weighted by how readily members rebuy each item ("restock")
//   neighbours  – what similar members (cosine kNN over the same vectors) buy ("members like her")
//   complement  – items often in the same basket as her recent items ("often bought together")
//   popular     – recency-weighted popularity, i.e. what is selling now (cold-start fallback)
// Each source is max-normalised per member before blending, so weights are comparable.

import { interleaveSides, slottedNewScores } from './explore-slots.ts'

export type Basket = readonly number[]
export type History = readonly Basket[]

export interface NbrOptions {
  /** Number of basket groups (TIFUKNN "group size"; 7 for Ta-Feng). */
  groupCount: number
  /** Per-basket decay by distance from the most recent basket. */
  withinDecay: number
  /** Per-group decay by distance from the most recent group. */
  groupDecay: number
  neighbours: number
  /** Neighbour similarity is raised to this power before averaging (sharpens the closest ones). */
  simPower: number
  /** Per-basket decay for the popularity source (0.5 ⇒ mostly the members' latest baskets). */
  popularityDecay: number
  /** Co-occurrence partners kept per item. */
  complementTopN: number
  /** A pair counts as a complement only when bought together in at least this many baskets … */
  complementMinSupport: number
  /** … and at least this many times as often as chance (lift = P(i and j) / (P(i) P(j))). */
  complementMinLift: number
  /**
   * Members kept per item in the neighbour search's inverted index: an item bought by more keeps
   * the ones it weighs most in (buildPostings), so a member's search visits at most this many per item
   * of hers. Lists within the cap are searched exactly, as before.
   */
  postingCap: number
  weights: BlendWeights
}

export interface BlendWeights {
  personal: number
  neighbours: number
  complement: number
  popular: number
  /** An item she never bought scores (1 + novelty) × its blend: the exploration/repeat balance (models fitted before explore slots). */
  novelty: number
  /**
   * When set, replaces `novelty`: this many of every 10 places go to items she never bought
   * (nbr/explore-slots.ts). Absent in artifacts written before slots existed.
   */
  exploreSlots?: number
  /**
   * Her own items score × (repeatPropensity of the item) to this power: 0 (or absent, as in artifacts
   * written before it) ignores how readily members rebuy an item. Learned like the weights.
   */
  repeatPower?: number
}

/**
 * Above Ta-Feng's longest list (3,413 members), so the published evaluation searches exactly. With it
 * a search visits at most a few items × 4,096 members whatever the member count. On the 1M-member bench
 * database (lists up to ~98k) a list took 1/6 of the exact search's CPU and kept 74 % of its top-10;
 * 8,192 kept 84 % at 1/3. On Ta-Feng even a cap of 300 moved recall@10 by -0.0004 (bench/nbr-cap.ts;
 * the numbers are in the commit message).
 */
export const DEFAULT_POSTING_CAP = 4096

/**
 * The vector and search settings stay fixed (TIFUKNN's Ta-Feng settings: 7 groups, decays .9 / .7,
 * 300 neighbours; popularity decay .5): the fit learns the blend on top of them. Each moved alone,
 * history-only Ta-Feng, the fit's validation objective (nbr/tune.ts; these settings .1666): within
 * decay .8 → .1647, 1 → .1664; group decay .5 → .1588, .9 → .1651; neighbours 100 → .1600, 600 →
 * .1665; popularity decay .3 → .1668, .8 → .1663; 4 groups → .1645, 10 → .1651. None is clearly
 * better, so none is learned per brand (each would multiply the training's search).
 */
export const DEFAULT_NBR_OPTIONS: NbrOptions = {
  groupCount: 7,
  withinDecay: 0.9,
  groupDecay: 0.7,
  neighbours: 300,
  simPower: 1,
  popularityDecay: 0.5,
  complementTopN: 30,
  // Re-checked on Ta-Feng keyset 0 (eval/nbr-complements.ts): pairs counted on train users'
  // baskets, lift measured again on test users' baskets. Training lift < 2 → held-out lift 1.2–1.3
  // at any support (barely above chance); lift ≥ 2 → 2.38 at support 2, 2.73 at 3–4, 4.29 at 5+.
  complementMinSupport: 3,
  complementMinLift: 2,
  postingCap: DEFAULT_POSTING_CAP,
  weights: { personal: 0.7, neighbours: 0.3, complement: 0, popular: 0, novelty: 0 },
}

interface SparseVec { ids: Int32Array, vals: Float64Array }

export interface NbrModel {
  options: NbrOptions
  itemCount: number
  /** L2-normalised TIFU vector of every training member. */
  userVecs: SparseVec[]
  /** Inverted index item → (member, weight) for the kNN search, in member order, at most `postingCap` per item. */
  postingUsers: Int32Array[]
  postingVals: Float64Array[]
  /** 1 for an item whose list lost members to the cap (a search through it re-scores its candidates exactly). */
  postingCapped: Uint8Array
  /**
   * Per item, how readily members buy it again, relative to the average item (1): the share of
   * chances to rebuy it that were taken (baskets after a member's first purchase of it that hold it
   * again), shrunk towards the brand's mean share. Multiplies the personal source (BlendWeights.repeatPower).
   */
  repeatPropensity: Float64Array
  /** Recency-weighted popularity per item, max-normalised. */
  popularity: Float64Array
  /** Items sorted by popularity (candidate pool for the popular source). */
  popularRanking: Int32Array
  /** Co-occurrence partners per item: (partner, association) sorted by association. */
  complementIds: Int32Array[]
  complementVals: Float64Array[]
}

export interface Recommendation {
  itemId: number
  score: number
  /** Weighted contribution of each source to `score` (they sum to it). */
  sources: { personal: number, neighbours: number, complement: number, popular: number }
}

/**
 * TIFU vector: baskets are split into min(n, groupCount) contiguous groups (earlier groups get
 * the smaller share when uneven), each basket decays by withinDecay^(baskets after it), groups are
 * averaged and decay by groupDecay^(groups after it).
 */
export function tifuVector(history: History, opts: Pick<NbrOptions, 'groupCount' | 'withinDecay' | 'groupDecay'>): Map<number, number> {
  const out = new Map<number, number>()
  const n = history.length
  if (n === 0)
    return out
  const g = Math.min(n, opts.groupCount)
  const base = Math.floor(n / g)
  const extra = n - base * g
  let idx = 0
  for (let gi = 0; gi < g; gi++) {
    const size = base + (gi >= g - extra ? 1 : 0)
    const groupWeight = opts.groupDecay ** (g - 1 - gi) / size / g
    for (let j = 0; j < size; j++, idx++) {
      const w = groupWeight * opts.withinDecay ** (n - 1 - idx)
      for (const item of new Set(history[idx]!)) out.set(item, (out.get(item) ?? 0) + w)
    }
  }
  return out
}

function toSparse(m: Map<number, number>, normalise: boolean): SparseVec {
  const ids = new Int32Array(m.size)
  const vals = new Float64Array(m.size)
  let i = 0
  let norm = 0
  for (const [k, v] of m) {
    ids[i] = k
    vals[i] = v
    norm += v * v
    i++
  }
  if (normalise && norm > 0) {
    const s = 1 / Math.sqrt(norm)
    for (let j = 0; j < vals.length; j++) vals[j]! *= s
  }
  return { ids, vals }
}

/** How the neighbour search's posting lists are bounded (NbrOptions.postingCap and .neighbours). */
export interface PostingLimits { cap: number, neighbours: number }

/**
 * Inverted index item → (users, weights) over the users' sparse vectors: neighbours are found through it.
 * An item in more than `cap` vectors keeps `cap` of them, still in user order (so a list within the cap
 * is exactly the uncapped one): the users who bought that item alone are interchangeable (the same
 * vector) and no search takes more than `neighbours` of them, so the first `neighbours` stay; the rest
 * of the cap goes to the other users with the largest weights on it (ties: the first users).
 */
export function buildPostings(userVecs: NbrModel['userVecs'], itemCount: number, limits: PostingLimits = { cap: Infinity, neighbours: 0 }): Pick<NbrModel, 'postingUsers' | 'postingVals' | 'postingCapped'> {
  const postingLen = new Int32Array(itemCount)
  for (const v of userVecs) {
    for (const id of v.ids) postingLen[id]!++
  }
  const postingUsers = Array.from(postingLen, n => new Int32Array(n))
  const postingVals = Array.from(postingLen, n => new Float64Array(n))
  const fill = new Int32Array(itemCount)
  userVecs.forEach((v, u) => {
    for (let j = 0; j < v.ids.length; j++) {
      const id = v.ids[j]!
      postingUsers[id]![fill[id]!] = u
      postingVals[id]![fill[id]!] = v.vals[j]!
      fill[id]!++
    }
  })
  const postingCapped = new Uint8Array(itemCount)
  const cap = Math.max(limits.cap, limits.neighbours)
  for (let id = 0; id < itemCount; id++) {
    const users = postingUsers[id]!
    const vals = postingVals[id]!
    if (users.length <= cap)
      continue
    let sole = 0
    for (const u of users) {
      if (userVecs[u]!.ids.length === 1)
        sole++
    }
    const soleKept = Math.min(sole, limits.neighbours)
    const othersKept = Math.min(users.length - sole, cap - soleKept)
    const otherVals = new Float64Array(users.length - sole)
    let o = 0
    for (let k = 0; k < users.length; k++) {
      if (userVecs[users[k]!]!.ids.length !== 1)
        otherVals[o++] = vals[k]!
    }
    const cut = othersKept > 0 ? nthLargest(otherVals, othersKept) : Infinity
    let above = 0
    for (const w of otherVals) {
      if (w > cut)
        above++
    }
    let ties = othersKept - above
    let soleLeft = soleKept
    const keptUsers = new Int32Array(soleKept + othersKept)
    const keptVals = new Float64Array(soleKept + othersKept)
    let kept = 0
    for (let k = 0; k < users.length; k++) {
      const w = vals[k]!
      const keep = userVecs[users[k]!]!.ids.length === 1 ? soleLeft-- > 0 : w > cut || (w === cut && ties-- > 0)
      if (keep) {
        keptUsers[kept] = users[k]!
        keptVals[kept++] = w
      }
    }
    postingUsers[id] = keptUsers
    postingVals[id] = keptVals
    postingCapped[id] = 1
  }
  return { postingUsers, postingVals, postingCapped }
}

/**
 * Chances to rebuy an item (pseudo-counts at the brand's mean share) added to each item's own before
 * its share is taken, so an item few members bought twice keeps about the average propensity.
 * History-only Ta-Feng, validation objective (nbr/tune.ts) with the propensity raised to 0 (off),
 * 0.5, 1, 1.5, 2: .1634, .1669, .1675, .1674, .1670 (prior 20); prior 5 at power 1: .1674. The fit
 * chooses between powers 0 and 1 (nbr/tune.ts): on Ta-Feng 1 (repeat R@10 on test .556 → .586 at
 * the same slots); on the demo brand, whose apparel is rarely rebought, 0 can win.
 */
export const REPEAT_PRIOR = 20

/**
 * repeatPropensity over the members' sequences. One pass per member: an item first bought in
 * basket f of n had n − 1 − f chances to be bought again and took (baskets holding it) − 1 of them.
 */
export function repeatPropensities(histories: readonly History[], itemCount: number): Float64Array {
  const chances = new Float64Array(itemCount)
  const taken = new Float64Array(itemCount)
  for (const h of histories) {
    const first = new Map<number, number>()
    const baskets = new Map<number, number>()
    h.forEach((b, bi) => {
      for (const i of new Set(b)) {
        if (!first.has(i))
          first.set(i, bi)
        baskets.set(i, (baskets.get(i) ?? 0) + 1)
      }
    })
    for (const [i, f] of first) {
      chances[i]! += h.length - 1 - f
      taken[i]! += baskets.get(i)! - 1
    }
  }
  let allChances = 0
  let allTaken = 0
  for (let i = 0; i < itemCount; i++) {
    allChances += chances[i]!
    allTaken += taken[i]!
  }
  const out = new Float64Array(itemCount).fill(1)
  // Nobody bought anything twice (or only single baskets): nothing to tell items apart by.
  if (allTaken === 0)
    return out
  const mean = allTaken / allChances
  for (let i = 0; i < itemCount; i++) out[i] = (taken[i]! + REPEAT_PRIOR * mean) / (chances[i]! + REPEAT_PRIOR) / mean
  return out
}

/** Train on members' full basket sequences (oldest first). Item ids must be non-negative integers. */
export function trainNbrModel(histories: readonly History[], opts: Partial<NbrOptions> = {}): NbrModel {
  const options: NbrOptions = { ...DEFAULT_NBR_OPTIONS, ...opts, weights: { ...DEFAULT_NBR_OPTIONS.weights, ...opts.weights } }
  let itemCount = 0
  for (const h of histories) {
    for (const b of h) {
      for (const i of b) {
        if (!Number.isInteger(i) || i < 0)
          throw new Error(`item ids must be non-negative integers, got ${i}`)
        if (i >= itemCount)
          itemCount = i + 1
      }
    }
  }
  const userVecs = histories.map(h => toSparse(tifuVector(h, options), true))
  const { postingUsers, postingVals, postingCapped } = buildPostings(userVecs, itemCount, { cap: options.postingCap, neighbours: options.neighbours })

  const popularity = new Float64Array(itemCount)
  const itemCounts = new Float64Array(itemCount)
  let basketCount = 0
  // Co-occurrence counts; a sparse map per item is enough at grocery basket sizes.
  const co: Map<number, number>[] = Array.from({ length: itemCount }, () => new Map())
  for (const h of histories) {
    h.forEach((b, bi) => {
      const items = [...new Set(b)]
      const w = options.popularityDecay ** (h.length - 1 - bi)
      basketCount++
      for (const i of items) {
        popularity[i]! += w
        itemCounts[i]!++
      }
      for (let x = 0; x < items.length; x++) {
        const mx = co[items[x]!]!
        for (let y = 0; y < items.length; y++) {
          if (x !== y)
            mx.set(items[y]!, (mx.get(items[y]!) ?? 0) + 1)
        }
      }
    })
  }
  const maxPop = Math.max(1e-12, ...popularity)
  for (let i = 0; i < itemCount; i++) popularity[i]! /= maxPop
  const popularRanking = Int32Array.from(Array.from({ length: itemCount }, (_, i) => i).sort((a, b) => popularity[b]! - popularity[a]! || a - b))

  const complementIds: Int32Array[] = []
  const complementVals: Float64Array[] = []
  for (let i = 0; i < itemCount; i++) {
    // Only pairs that beat chance; ranked by cosine association co(i,j)/√(n_i n_j), with a small
    // count floor so rare pairs do not dominate.
    const partners = [...co[i]!.entries()]
      .filter(([j, c]) => isComplementPair(c, itemCounts[i]!, itemCounts[j]!, basketCount, options))
      .map(([j, c]) => [j, c / Math.sqrt((itemCounts[i]! + 5) * (itemCounts[j]! + 5))] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, options.complementTopN)
    complementIds.push(Int32Array.from(partners.map(p => p[0])))
    complementVals.push(Float64Array.from(partners.map(p => p[1])))
  }
  const repeatPropensity = repeatPropensities(histories, itemCount)
  return { options, itemCount, userVecs, postingUsers, postingVals, postingCapped, repeatPropensity, popularity, popularRanking, complementIds, complementVals }
}

/** The complement floor: `together` baskets of `basketCount` held both items, bought in `ni` and `nj` baskets. */
export function isComplementPair(together: number, ni: number, nj: number, basketCount: number, opts: Pick<NbrOptions, 'complementMinSupport' | 'complementMinLift'>): boolean {
  return together >= opts.complementMinSupport && together * basketCount >= opts.complementMinLift * ni * nj
}

/** Raw (unweighted, max-normalised) source scores for one member. */
export interface SourceScores {
  items: number[]
  personal: Float64Array
  neighbours: Float64Array
  complement: Float64Array
  popular: Float64Array
  /** Each candidate's repeatPropensity (the personal source is plain: see withRepeatPower). */
  repeatPropensity: Float64Array
}

/** Per-source candidates kept before blending; anything outside every source's top list cannot plausibly reach a top-20. */
const CANDIDATES_PER_SOURCE = 150

/** The n-th largest value (1-based) by in-place quickselect (Hoare partition), O(len) expected. */
export function nthLargest(values: Float64Array, n: number): number {
  let lo = 0
  let hi = values.length - 1
  const k = n - 1
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i]! > pivot) i++
      while (values[j]! < pivot) j--
      if (i <= j) {
        const t = values[i]!
        values[i] = values[j]!
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j)
      hi = j
    else if (k >= i)
      lo = i
    else break
  }
  return values[k]!
}

/** Keys of the `n` largest values (unordered). */
function topKeys(m: Map<number, number>, n: number): number[] {
  if (m.size <= n)
    return [...m.keys()]
  const cut = nthLargest(Float64Array.from(m.values()), n)
  const out: number[] = []
  for (const [k, v] of m) {
    if (v > cut || (v === cut && out.length < n))
      out.push(k)
  }
  return out
}

// Reusable zeroed accumulators and index lists per model (scoring is synchronous, so sharing is safe;
// every user of an accumulator resets the entries it touched).
type ScratchKind = 'users' | 'items' | 'selection' | 'query'
type IndexScratchKind = 'touched' | 'pool' | 'candidates' | 'chosen'

/** Buffers of at least `n` entries per model and kind, grown (never shrunk) on demand. */
function scratchOf<Kind extends string, Buffer extends { length: number }>(make: (n: number) => Buffer): (model: NbrModel, n: number, kind: Kind) => Buffer {
  const byModel = new WeakMap<NbrModel, Partial<Record<Kind, Buffer>>>()
  return (model, n, kind) => {
    let entry = byModel.get(model)
    if (!entry) {
      entry = {}
      byModel.set(model, entry)
    }
    const b = entry[kind]
    if (b && b.length >= n)
      return b
    const grown = make(n)
    entry[kind] = grown
    return grown
  }
}
const scratch = scratchOf<ScratchKind, Float64Array>(n => new Float64Array(n))
const indexScratch = scratchOf<IndexScratchKind, Int32Array>(n => new Int32Array(n))

/**
 * The `n` ids with the largest `values[id]` (ties: the first ones), in their order in `ids`: `ids` itself
 * when it has at most `n`, else a view of `out`. `selection` is scratch space of at least ids.length.
 */
function topBy(values: Float64Array, ids: Int32Array, n: number, selection: Float64Array, out: Int32Array): Int32Array {
  if (ids.length <= n)
    return ids
  const picked = selection.subarray(0, ids.length)
  for (let i = 0; i < ids.length; i++) picked[i] = values[ids[i]!]!
  const cut = nthLargest(picked, n)
  let count = 0
  for (const id of ids) {
    if (values[id]! > cut)
      out[count++] = id
  }
  for (let i = 0; i < ids.length && count < n; i++) {
    if (values[ids[i]!] === cut)
      out[count++] = ids[i]!
  }
  return out.subarray(0, count)
}

/**
 * After a search through a capped list, the members re-scored exactly, per neighbour kept. Twice: room
 * for the `neighbours` sole buyers of an item (who are the member herself in vector terms, so never her
 * neighbours) besides the neighbours themselves, which keeps a one-item search exact. More finds more of
 * the exact neighbours (bench/nbr-cap.ts) but each re-scored member is a few cache misses.
 */
const RESCORED_PER_NEIGHBOUR = 2

/** Compute the four source scores over a candidate set (top items of each source). */
export function sourceScores(model: NbrModel, history: History): SourceScores {
  const o = model.options
  const personalMap = tifuVector(history.map(b => b.filter(i => i >= 0 && i < model.itemCount)), o)
  const q = toSparse(personalMap, true)

  // kNN by sparse dot products over the inverted index, with a dense scratch accumulator. The members
  // touched, their similarities and the selection run in reused typed arrays (tens of thousands per
  // member at brand scale; the precompute job scores every member), in first-touch order as before, so
  // the neighbours' items are summed in the same order and the scores stay bit-identical. A search
  // through no capped list (postingCap) is the exact search.
  const nUsers = model.userVecs.length
  const sims = scratch(model, nUsers, 'users')
  const touched = indexScratch(model, nUsers, 'touched')
  let touchedCount = 0
  let capped = false
  for (let j = 0; j < q.ids.length; j++) {
    const qv = q.vals[j]!
    const us = model.postingUsers[q.ids[j]!]!
    const vs = model.postingVals[q.ids[j]!]!
    capped ||= model.postingCapped[q.ids[j]!] === 1
    for (let k = 0; k < us.length; k++) {
      const u = us[k]!
      if (sims[u] === 0)
        touched[touchedCount++] = u
      sims[u]! += qv * vs[k]!
    }
  }
  let pool: Int32Array = touched.subarray(0, touchedCount)
  if (capped) {
    // A capped list left out part of some members' dot products: the strongest by the partial sums are
    // re-scored in full, so the cap decides who may be a neighbour, not how similar a neighbour is.
    pool = topBy(sims, pool, RESCORED_PER_NEIGHBOUR * o.neighbours, scratch(model, nUsers, 'selection'), indexScratch(model, nUsers, 'pool'))
    const qDense = scratch(model, model.itemCount, 'query')
    for (let j = 0; j < q.ids.length; j++) qDense[q.ids[j]!] = q.vals[j]!
    for (const u of pool) {
      const v = model.userVecs[u]!
      let dot = 0
      for (let j = 0; j < v.ids.length; j++) dot += qDense[v.ids[j]!]! * v.vals[j]!
      sims[u] = dot
    }
    for (let j = 0; j < q.ids.length; j++) qDense[q.ids[j]!] = 0
  }
  // The member herself (when she is in the training set) would be her own nearest neighbour.
  const cand = indexScratch(model, nUsers, 'candidates')
  let candCount = 0
  for (const u of pool) {
    if (sims[u]! < 1 - 1e-9)
      cand[candCount++] = u
  }
  const ranked = topBy(sims, cand.subarray(0, candCount), o.neighbours, scratch(model, nUsers, 'selection'), indexScratch(model, nUsers, 'chosen'))
  const acc = scratch(model, model.itemCount, 'items')
  const accTouched: number[] = []
  for (const u of ranked) {
    const w = sims[u]! ** o.simPower
    const v = model.userVecs[u]!
    for (let j = 0; j < v.ids.length; j++) {
      const it = v.ids[j]!
      if (acc[it] === 0)
        accTouched.push(it)
      acc[it]! += w * v.vals[j]!
    }
  }
  const neighbourMap = new Map<number, number>()
  for (const it of accTouched) {
    neighbourMap.set(it, acc[it]!)
    acc[it] = 0
  }
  for (let i = 0; i < touchedCount; i++) sims[touched[i]!] = 0

  const complementMap = new Map<number, number>()
  for (const [i, w] of personalMap) {
    const ids = model.complementIds[i]
    const vals = model.complementVals[i]
    if (!ids || !vals)
      continue
    for (let j = 0; j < ids.length; j++) complementMap.set(ids[j]!, (complementMap.get(ids[j]!) ?? 0) + w * vals[j]!)
  }

  const candidates = new Set<number>(personalMap.keys())
  for (const it of topKeys(neighbourMap, CANDIDATES_PER_SOURCE)) candidates.add(it)
  for (const it of topKeys(complementMap, CANDIDATES_PER_SOURCE)) candidates.add(it)
  for (let j = 0; j < Math.min(CANDIDATES_PER_SOURCE, model.popularRanking.length); j++) candidates.add(model.popularRanking[j]!)
  const items = [...candidates]
  const build = (get: (item: number) => number, max: number): Float64Array => {
    const a = new Float64Array(items.length)
    if (max > 0)
      items.forEach((it, j) => { a[j] = get(it) / max })
    return a
  }
  const maxOf = (m: Map<number, number>): number => {
    let mx = 0
    for (const v of m.values()) mx = Math.max(mx, v)
    return mx
  }
  return {
    items,
    personal: build(it => personalMap.get(it) ?? 0, maxOf(personalMap)),
    neighbours: build(it => neighbourMap.get(it) ?? 0, maxOf(neighbourMap)),
    complement: build(it => complementMap.get(it) ?? 0, maxOf(complementMap)),
    popular: build(it => model.popularity[it] ?? 0, 1),
    repeatPropensity: Float64Array.from(items, it => model.repeatPropensity[it] ?? 1),
  }
}

/**
 * The scores with her own items weighted by repeatPropensity^power, max-normalised again (the
 * neighbour search and the complements keep her plain vector: they ask what she is like, not what
 * she will rebuy). Power 0 returns the scores as they are.
 */
export function withRepeatPower(s: SourceScores, power: number): SourceScores {
  if (power === 0)
    return s
  const personal = new Float64Array(s.personal.length)
  let max = 0
  for (let j = 0; j < personal.length; j++) {
    personal[j] = s.personal[j]! * s.repeatPropensity[j]! ** power
    max = Math.max(max, personal[j]!)
  }
  if (max > 0) {
    for (let j = 0; j < personal.length; j++) personal[j]! /= max
  }
  return { ...s, personal }
}

export interface RecommendOptions {
  /** Items never to return (e.g. out of stock, already in today's basket). */
  exclude?: Iterable<number>
  /** Override the model's blend weights. */
  weights?: BlendWeights
}

/** Rank from precomputed source scores (lets tuning reuse them across weight settings). */
export function rankFromSources(s: SourceScores, k: number, weights: BlendWeights, exclude?: ReadonlySet<number>): Recommendation[] {
  const blend = (j: number): number => weights.personal * s.personal[j]! + weights.neighbours * s.neighbours[j]! + weights.complement * s.complement[j]! + weights.popular * s.popular[j]!
  // Per new item, the factor on its blend: one boost, or what puts it in its explore slot; and
  // with slots, each item's place in the interleaved list (equal scores can straddle a slot).
  const newItemFactor = new Map<number, number>()
  const place = new Map<number, number>()
  if (weights.exploreSlots !== undefined) {
    const repeat: { j: number, b: number }[] = []
    const fresh: { j: number, b: number }[] = []
    for (let j = 0; j < s.items.length; j++) {
      const b = blend(j)
      if (b > 0 && !exclude?.has(s.items[j]!))
        (s.personal[j]! > 0 ? repeat : fresh).push({ j, b })
    }
    const byBlend = (x: { j: number, b: number }, y: { j: number, b: number }): number => y.b - x.b || s.items[x.j]! - s.items[y.j]!
    repeat.sort(byBlend)
    fresh.sort(byBlend)
    const slotted = slottedNewScores(repeat.map(r => r.b), fresh.map(f => f.b), weights.exploreSlots)
    fresh.forEach((f, e) => newItemFactor.set(f.j, slotted[e]! / f.b))
    let r = 0
    let e = 0
    interleaveSides(repeat.length, fresh.length, weights.exploreSlots).forEach((isNew, p) => place.set(isNew ? fresh[e++]!.j : repeat[r++]!.j, p))
  }
  const scored: (Recommendation & { place?: number })[] = []
  for (let j = 0; j < s.items.length; j++) {
    const itemId = s.items[j]!
    if (exclude?.has(itemId))
      continue
    // The personal source is non-zero exactly for the items in her history.
    const m = s.personal[j]! > 0 ? 1 : newItemFactor.get(j) ?? 1 + weights.novelty
    const sources = {
      personal: m * weights.personal * s.personal[j]!,
      neighbours: m * weights.neighbours * s.neighbours[j]!,
      complement: m * weights.complement * s.complement[j]!,
      popular: m * weights.popular * s.popular[j]!,
    }
    const score = sources.personal + sources.neighbours + sources.complement + sources.popular
    if (score > 0)
      scored.push({ itemId, score, sources, place: place.get(j) })
  }
  // Deterministic order: the interleaved place, or score then item id.
  scored.sort((a, b) => (a.place ?? 0) - (b.place ?? 0) || b.score - a.score || a.itemId - b.itemId)
  return scored.slice(0, k).map(({ itemId, score, sources }) => ({ itemId, score, sources }))
}

/** Top-k items for a member given her basket history (oldest first). Empty history ⇒ popular items. */
export function recommend(model: NbrModel, userHistory: History, k: number, opts: RecommendOptions = {}): Recommendation[] {
  const exclude = opts.exclude ? new Set(opts.exclude) : undefined
  const weights = opts.weights ?? model.options.weights
  const recs = rankFromSources(withRepeatPower(sourceScores(model, userHistory), weights.repeatPower ?? 0), k, weights, exclude)
  if (recs.length < k) {
    // Not enough evidence (e.g. a new member): pad with what is selling now, below every real score.
    const have = new Set(recs.map(r => r.itemId))
    const floor = recs.length ? recs[recs.length - 1]!.score : 1
    for (const itemId of model.popularRanking) {
      if (recs.length >= k)
        break
      if (have.has(itemId) || exclude?.has(itemId) || model.popularity[itemId]! <= 0)
        continue
      const score = floor * 1e-3 * model.popularity[itemId]!
      recs.push({ itemId, score, sources: { personal: 0, neighbours: 0, complement: 0, popular: score } })
    }
  }
  return recs
}
