// The whole next-basket evaluation on one dataset + keysets: three frequency baselines and
// "ours" (trained on train users' full sequences, blend tuned on validation users, scored on test).

import type { NbrMetrics, UserEvalCase } from '../nbr/metrics.ts'
import type { BlendWeights, NbrOptions } from '../nbr/model.ts'
import type { Keyset, NbrDataset } from './nbr-data.ts'
import { gpTopFreq, gTopFreq, itemsByFrequency, pTopFreq } from '../nbr/baselines.ts'
import { averageMetrics, evaluateUsers } from '../nbr/metrics.ts'
import { recommend, trainNbrModel } from '../nbr/model.ts'
import { tuneBlendWeights } from '../nbr/tune.ts'

export interface NbrEvalResult {
  methods: Record<'ours' | 'g-topfreq' | 'p-topfreq' | 'gp-topfreq', NbrMetrics>
  train_seconds: number
  tune_seconds: number
  score_ms_per_user: number
  keysets: number
  tuned_weights: BlendWeights[]
}

export interface NbrEvalOptions {
  model?: Partial<NbrOptions>
  /** Skip validation tuning and use the model's weights as given. */
  noTune?: boolean
  log?: (msg: string) => void
}

export function evaluateNbr(data: NbrDataset, keysets: readonly Keyset[], opts: NbrEvalOptions = {}): NbrEvalResult {
  const log = opts.log ?? (() => {})
  // G-TopFreq ranks items over ALL users' history baskets (the benchmark's tafeng_pop.csv).
  const allHistory: number[][] = []
  for (const h of data.history.values()) allHistory.push(...h)
  const global = itemsByFrequency(allHistory)
  const gList = gTopFreq(global)
  const per: Record<string, NbrMetrics[]> = { 'ours': [], 'g-topfreq': [], 'p-topfreq': [], 'gp-topfreq': [] }
  let trainMs = 0
  let tuneMs = 0
  let scoreMs = 0
  let scored = 0
  const tuned: BlendWeights[] = []
  keysets.forEach((ks, ki) => {
    const test = ks.test.filter(u => data.history.has(u) && data.target.has(u))
    const cases = (rank: (h: number[][]) => readonly number[]): UserEvalCase[] =>
      test.map(u => ({ history: data.history.get(u)!, target: data.target.get(u)!, ranked: rank(data.history.get(u)!) }))
    per['g-topfreq']!.push(evaluateUsers(cases(() => gList)))
    per['p-topfreq']!.push(evaluateUsers(cases(h => pTopFreq(h))))
    per['gp-topfreq']!.push(evaluateUsers(cases(h => gpTopFreq(h, global))))

    let t0 = performance.now()
    const trainSeqs = ks.train.filter(u => data.history.has(u)).map(u => [...data.history.get(u)!, ...(data.target.has(u) ? [data.target.get(u)!] : [])])
    const model = trainNbrModel(trainSeqs, opts.model)
    trainMs += performance.now() - t0
    t0 = performance.now()
    if (!opts.noTune) {
      const val = ks.val.filter(u => data.history.has(u) && data.target.has(u)).map(u => ({ history: data.history.get(u)!, target: data.target.get(u)! }))
      const best = tuneBlendWeights(model, val)
      model.options.weights = best.weights
      log(`keyset ${ki}: tuned weights ${JSON.stringify(best.weights)} (val objective ${best.objective.toFixed(4)})`)
    }
    tuned.push(model.options.weights)
    tuneMs += performance.now() - t0
    t0 = performance.now()
    const oursCases = cases(h => recommend(model, h, 20).map(r => r.itemId))
    scoreMs += performance.now() - t0
    scored += test.length
    per.ours!.push(evaluateUsers(oursCases))
    log(`keyset ${ki}: ours R@10 ${per.ours!.at(-1)!['recall@10'].toFixed(4)}  GP R@10 ${per['gp-topfreq']!.at(-1)!['recall@10'].toFixed(4)}`)
  })
  return {
    methods: {
      'ours': averageMetrics(per.ours!),
      'g-topfreq': averageMetrics(per['g-topfreq']!),
      'p-topfreq': averageMetrics(per['p-topfreq']!),
      'gp-topfreq': averageMetrics(per['gp-topfreq']!),
    },
    train_seconds: trainMs / 1000 / Math.max(1, keysets.length),
    tune_seconds: tuneMs / 1000 / Math.max(1, keysets.length),
    score_ms_per_user: scoreMs / Math.max(1, scored),
    keysets: keysets.length,
    tuned_weights: tuned,
  }
}
