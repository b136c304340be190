// How the next-basket model is fitted, in the product (training.ts) and in the evaluation
// (eval/nbr-eval.ts) alike: the blend weights and the number of explore slots (places for items
// new to her, nbr/explore-slots.ts) are learned from the data itself on a time-respecting split,
// never set by hand.
//   1. Cut each member's sequence at the start of the validation window (the product: the last
//      weeks before today; the Ta-Feng evaluation: each user's last known basket).
//   2. Train on the baskets before the cut, score every member who bought both before and inside
//      the window, and pick the weights that best predict her first basket inside it.
//   3. Retrain on every basket with those weights.
import type { BlendWeights, History, NbrModel, NbrOptions } from './model.ts'
import type { ValidationCase } from './tune.ts'
import { trainNbrModel } from './model.ts'
import { tuneBlendWeights } from './tune.ts'

export interface FitInput {
  /** Every member's baskets known at training time, oldest first. */
  sequences: readonly History[]
  /** Per sequence: index of its first basket inside the validation window (its length when none is). */
  validationStart: readonly number[]
}

export interface FitReport {
  /** The learned weights, or the defaults when there were too few validation cases. */
  weights: BlendWeights
  learned: boolean
  /** The search's objective (nbr/tune.ts) and its mean (Recall@10 + Recall@20) / 2 part, on the validation cases. */
  objective: number | null
  recall: number | null
  validationCases: number
  /** Validation explore Recall@10 of the chosen weights, and of the store-wide top-10 list. */
  exploreRecall: number | null
  storeWideExploreRecall: number | null
  /** Time for the validation model and the weight search, and for the final model. */
  tuneMs: number
  trainMs: number
}

/**
 * Fewer validation members than this and the grid's choice is noise: keep the default weights.
 * (On the demo brand's 300-member test world 30 is about a month of buyers.)
 */
export const MIN_VALIDATION_CASES = 30
/**
 * Validation members scored per weight grid (an evenly spaced sample beyond it): tuning cost is
 * linear in them (2,000 cases × 280 grid points: ~31 s per Ta-Feng keyset on a shared 2-core
 * machine, validation model included).
 */
export const MAX_VALIDATION_CASES = 2000

export function fitNbrModel(input: FitInput, options: Partial<NbrOptions> = {}): { model: NbrModel, report: FitReport } {
  const { sequences, validationStart } = input
  if (sequences.length !== validationStart.length)
    throw new Error('validationStart needs one entry per sequence')
  const before: History[] = []
  const cases: ValidationCase[] = []
  sequences.forEach((seq, i) => {
    const cut = Math.max(0, Math.min(seq.length, validationStart[i]!))
    if (cut === 0)
      return
    const history = seq.slice(0, cut)
    before.push(history)
    if (cut < seq.length && seq[cut]!.length > 0)
      cases.push({ history, target: seq[cut]! })
  })
  const t0 = performance.now()
  let report: Omit<FitReport, 'tuneMs' | 'trainMs'>
  if (cases.length >= MIN_VALIDATION_CASES) {
    const step = Math.max(1, cases.length / MAX_VALIDATION_CASES)
    const sample: ValidationCase[] = []
    for (let x = 0; Math.floor(x) < cases.length; x += step) sample.push(cases[Math.floor(x)]!)
    const best = tuneBlendWeights(trainNbrModel(before, options), sample, storeWideTop(before, 10))
    report = { weights: best.weights, learned: true, objective: best.objective, recall: best.recall, validationCases: sample.length, exploreRecall: best.exploreRecall, storeWideExploreRecall: best.storeWideExploreRecall }
  }
  else {
    const defaults = trainNbrModel([], options).options.weights
    report = { weights: defaults, learned: false, objective: null, recall: null, validationCases: cases.length, exploreRecall: null, storeWideExploreRecall: null }
  }
  const t1 = performance.now()
  const model = trainNbrModel(sequences, { ...options, weights: report.weights })
  return { model, report: { ...report, tuneMs: t1 - t0, trainMs: performance.now() - t1 } }
}

/** The k items in the most baskets (ties by id): the store-wide list. */
export function storeWideTop(histories: readonly History[], k: number): number[] {
  const counts = new Map<number, number>()
  for (const h of histories) {
    for (const b of h) {
      for (const i of new Set(b)) counts.set(i, (counts.get(i) ?? 0) + 1)
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([i]) => i)
}
