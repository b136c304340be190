// Blend-weight tuning on validation members only (never on test members): source scores are
// computed once per member, then a grid over the weights is ranked by mean (Recall@10+Recall@20)/2.

import type { BlendWeights, History, NbrModel } from './model.ts'
import { nthLargest, sourceScores } from './model.ts'

export interface ValidationCase { history: History, target: readonly number[] }

export interface TuneResult { weights: BlendWeights, objective: number }

export const DEFAULT_WEIGHT_GRID = {
  neighbours: [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3],
  complement: [0, 0.05, 0.1, 0.2, 0.4],
  popular: [0, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5],
}

interface CachedCase {
  personal: Float64Array
  neighbours: Float64Array
  complement: Float64Array
  popular: Float64Array
  isTarget: Uint8Array
  targetSize: number
}

export function tuneBlendWeights(model: NbrModel, cases: readonly ValidationCase[], grid = DEFAULT_WEIGHT_GRID): TuneResult {
  const cached: CachedCase[] = cases.filter(c => c.target.length > 0).map((c) => {
    const s = sourceScores(model, c.history)
    const t = new Set(c.target)
    return { ...s, isTarget: Uint8Array.from(s.items, i => (t.has(i) ? 1 : 0)), targetSize: t.size }
  })
  const maxLen = Math.max(1, ...cached.map(c => c.personal.length))
  const score = new Float64Array(maxLen)
  const work = new Float64Array(maxLen)
  let best: TuneResult = { weights: model.options.weights, objective: -1 }
  for (const neighbours of grid.neighbours) {
    for (const complement of grid.complement) {
      for (const popular of grid.popular) {
        // The personal weight is fixed at 1: only ratios matter for ranking.
        let sum = 0
        for (const c of cached) {
          const n = c.personal.length
          for (let j = 0; j < n; j++) score[j] = c.personal[j]! + neighbours * c.neighbours[j]! + complement * c.complement[j]! + popular * c.popular[j]!
          // Hits among the top 10 / 20 by thresholding at the 10th / 20th largest score
          // (ties at the threshold are rare and only blur the objective slightly).
          const hitsAbove = (k: number): number => {
            if (n <= k) {
              let h = 0
              for (let j = 0; j < n; j++) h += score[j]! > 0 ? c.isTarget[j]! : 0
              return h
            }
            const sub = work.subarray(0, n)
            sub.set(score.subarray(0, n))
            const cut = nthLargest(sub, k)
            let h = 0
            for (let j = 0; j < n; j++) h += score[j]! >= cut && score[j]! > 0 ? c.isTarget[j]! : 0
            return h
          }
          sum += (hitsAbove(10) + hitsAbove(20)) / c.targetSize
        }
        const objective = sum / Math.max(1, cached.length) / 2
        if (objective > best.objective)
          best = { weights: { personal: 1, neighbours, complement, popular }, objective }
      }
    }
  }
  return best
}
