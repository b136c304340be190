// The whole next-basket evaluation on one dataset + keysets: three frequency baselines and
// "ours", fitted by exactly the procedure the product's training job runs (nbr/fit.ts: weights
// learned on a time-respecting split of the training sequences, then retrained on all of them),
// scored on the keyset's test users from their history baskets.
//
// Two modes, differing only in what the model may learn from:
//   protocol     – the published Reality-Check protocol: train + validation users' full sequences,
//                  target baskets included. On Ta-Feng every target is the user's last day, so
//                  other users' targets cluster in time with the test targets ("what sells now").
//   history-only – what a live system knows at the cut: every user's history baskets (train,
//                  validation and test users alike, as the store-wide list G-TopFreq counts them)
//                  and no target basket of anyone.
// In both, the validation window is each training sequence's last basket. History-only training
// data does not depend on the keyset, so it is fitted once and every keyset is scored with it.
// A test user's own vector in the neighbour pool is skipped at scoring (nbr/model.ts:
// similarity 1 is herself).

import type { FitReport } from '../nbr/fit.ts'
import type { NbrMetrics, UserEvalCase } from '../nbr/metrics.ts'
import type { BlendWeights, History, NbrModel, NbrOptions } from '../nbr/model.ts'
import type { Keyset, NbrDataset } from './nbr-data.ts'
import { gpTopFreq, gTopFreq, itemsByFrequency, pTopFreq } from '../nbr/baselines.ts'
import { fitNbrModel } from '../nbr/fit.ts'
import { averageMetrics, evaluateUsers } from '../nbr/metrics.ts'
import { recommend, trainNbrModel } from '../nbr/model.ts'

export type NbrEvalMode = 'protocol' | 'history-only'

export interface NbrEvalResult {
  mode: NbrEvalMode
  methods: Record<'ours' | 'g-topfreq' | 'p-topfreq' | 'gp-topfreq', NbrMetrics>
  /** Per fit: history-only fits once for every keyset (its training data does not depend on the split). */
  train_seconds: number
  tune_seconds: number
  /** Fits run: one per keyset in protocol mode, one in all in history-only mode. */
  fits: number
  score_ms_per_user: number
  keysets: number
  tuned_weights: BlendWeights[]
  /** Per keyset: ours and the two lists it must beat (GP-TopFreq overall, the store-wide list on new items). */
  per_keyset: { 'recall@10': number, 'ndcg@10': number, 'phr@10': number, 'recall@20': number, 'explore_recall@10': number, 'gp-topfreq recall@10': number, 'g-topfreq explore_recall@10': number }[]
}

export interface NbrEvalOptions {
  model?: Partial<NbrOptions>
  mode?: NbrEvalMode
  /** Skip learning the weights and use the model's weights as given. */
  noTune?: boolean
  log?: (msg: string) => void
}

/** The baskets the model may learn from in each mode (see the header). */
export function trainingSequences(data: NbrDataset, ks: Keyset, mode: NbrEvalMode): History[] {
  if (mode === 'history-only')
    return [...data.history.values()]
  return [...ks.train, ...ks.val]
    .filter(u => data.history.has(u))
    .map(u => data.target.has(u) ? [...data.history.get(u)!, data.target.get(u)!] : data.history.get(u)!)
}

/** The model for one keyset, fitted as the product fits it (or with the given weights when noTune). */
export function fitKeysetModel(data: NbrDataset, ks: Keyset, mode: NbrEvalMode, opts: Pick<NbrEvalOptions, 'model' | 'noTune'> = {}): { model: NbrModel, report: FitReport } {
  const sequences = trainingSequences(data, ks, mode)
  if (opts.noTune) {
    const t0 = performance.now()
    const model = trainNbrModel(sequences, opts.model)
    const report: FitReport = { weights: model.options.weights, learned: false, objective: null, recall: null, validationCases: 0, exploreRecall: null, storeWideExploreRecall: null, tuneMs: 0, trainMs: performance.now() - t0 }
    return { model, report }
  }
  return fitNbrModel({ sequences, validationStart: sequences.map(s => s.length - 1) }, opts.model)
}

export function evaluateNbr(data: NbrDataset, keysets: readonly Keyset[], opts: NbrEvalOptions = {}): NbrEvalResult {
  const log = opts.log ?? (() => {})
  // G-TopFreq ranks items over ALL users' history baskets (the benchmark's tafeng_pop.csv).
  const allHistory: number[][] = []
  for (const h of data.history.values()) allHistory.push(...h)
  const global = itemsByFrequency(allHistory)
  const gList = gTopFreq(global)
  const per: Record<string, NbrMetrics[]> = { 'ours': [], 'g-topfreq': [], 'p-topfreq': [], 'gp-topfreq': [] }
  const mode = opts.mode ?? 'protocol'
  let trainMs = 0
  let tuneMs = 0
  // History-only trains on every user's history whatever the split: fit once, score every keyset.
  const fitted = new Map<Keyset | 'all', ReturnType<typeof fitKeysetModel>>()
  let scoreMs = 0
  let scored = 0
  const tuned: BlendWeights[] = []
  const perKeyset: NbrEvalResult['per_keyset'] = []
  keysets.forEach((ks, ki) => {
    const test = ks.test.filter(u => data.history.has(u) && data.target.has(u))
    const cases = (rank: (h: number[][]) => readonly number[]): UserEvalCase[] =>
      test.map(u => ({ history: data.history.get(u)!, target: data.target.get(u)!, ranked: rank(data.history.get(u)!) }))
    per['g-topfreq']!.push(evaluateUsers(cases(() => gList)))
    per['p-topfreq']!.push(evaluateUsers(cases(h => pTopFreq(h))))
    per['gp-topfreq']!.push(evaluateUsers(cases(h => gpTopFreq(h, global))))

    const key = mode === 'history-only' ? 'all' : ks
    let fit = fitted.get(key)
    if (fit) {
      log(`keyset ${ki} (${mode}): the same fit as the first keyset (same training data)`)
    }
    else {
      fit = fitKeysetModel(data, ks, mode, opts)
      fitted.set(key, fit)
      const r = fit.report
      tuneMs += r.tuneMs
      trainMs += r.trainMs
      if (!opts.noTune)
        log(`keyset ${ki} (${mode}): learned weights ${JSON.stringify(r.weights)} on ${r.validationCases} validation cases (objective ${r.objective?.toFixed(4) ?? '-'}, explore R@10 ${r.exploreRecall?.toFixed(4) ?? '-'} vs store-wide ${r.storeWideExploreRecall?.toFixed(4) ?? '-'})`)
    }
    const { model } = fit
    tuned.push(model.options.weights)
    const t1 = performance.now()
    const oursCases = cases(h => recommend(model, h, 20).map(r => r.itemId))
    scoreMs += performance.now() - t1
    scored += test.length
    per.ours!.push(evaluateUsers(oursCases))
    const ours = per.ours!.at(-1)!
    perKeyset.push({ 'recall@10': ours['recall@10'], 'ndcg@10': ours['ndcg@10'], 'phr@10': ours['phr@10'], 'recall@20': ours['recall@20'], 'explore_recall@10': ours['explore_recall@10'], 'gp-topfreq recall@10': per['gp-topfreq']!.at(-1)!['recall@10'], 'g-topfreq explore_recall@10': per['g-topfreq']!.at(-1)!['explore_recall@10'] })
    log(`keyset ${ki}: ours R@10 ${ours['recall@10'].toFixed(4)}  GP R@10 ${per['gp-topfreq']!.at(-1)!['recall@10'].toFixed(4)}  explore R@10 ours ${ours['explore_recall@10'].toFixed(4)}, store-wide ${per['g-topfreq']!.at(-1)!['explore_recall@10'].toFixed(4)}`)
  })
  return {
    methods: {
      'ours': averageMetrics(per.ours!),
      'g-topfreq': averageMetrics(per['g-topfreq']!),
      'p-topfreq': averageMetrics(per['p-topfreq']!),
      'gp-topfreq': averageMetrics(per['gp-topfreq']!),
    },
    mode,
    // Per fit: the final model, and the validation model plus the weight search.
    train_seconds: trainMs / 1000 / Math.max(1, fitted.size),
    tune_seconds: tuneMs / 1000 / Math.max(1, fitted.size),
    fits: fitted.size,
    score_ms_per_user: scoreMs / Math.max(1, scored),
    keysets: keysets.length,
    tuned_weights: tuned,
    per_keyset: perKeyset,
  }
}
