// Next-basket metrics exactly as the Reality-Check benchmark computes them
// (evaluation/metrics.py, model_performance.py), so numbers compare with the published table.

/** Fraction of target items found in the first k predictions (|top-k ∩ target| / |target|). */
export function recallAtK(target: readonly number[], ranked: readonly number[], k: number): number {
  if (target.length === 0)
    return 0
  const t = new Set(target)
  let hits = 0
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if (t.has(ranked[i]!))
      hits++
  }
  return hits / target.length
}

function dcgAtK(target: ReadonlySet<number>, ranked: readonly number[], k: number): number {
  let dcg = 0
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if (target.has(ranked[i]!))
      dcg += 1 / Math.log2(i + 2)
  }
  return dcg
}

/** DCG of a list whose first `hits` positions are all relevant. */
function idealDcg(hits: number): number {
  let idcg = 0
  for (let i = 0; i < hits; i++) idcg += 1 / Math.log2(i + 2)
  return idcg
}

/**
 * The benchmark's NDCG@k: binary gain, but the ideal DCG sums over ALL |target| positions
 * (not min(k, |target|)), so a perfect top-k list scores < 1 when |target| > k.
 */
export function paperNdcgAtK(target: readonly number[], ranked: readonly number[], k: number): number {
  if (target.length === 0)
    return 0
  return dcgAtK(new Set(target), ranked, k) / idealDcg(target.length)
}

/** Textbook NDCG@k (IDCG over min(k, |target|) positions), for reference. */
export function ndcgAtK(target: readonly number[], ranked: readonly number[], k: number): number {
  if (target.length === 0)
    return 0
  return dcgAtK(new Set(target), ranked, k) / idealDcg(Math.min(k, target.length))
}

/** 1 when at least one of the first k predictions is in the target (PHR@k per user). */
export function hitAtK(target: readonly number[], ranked: readonly number[], k: number): number {
  const t = new Set(target)
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if (t.has(ranked[i]!))
      return 1
  }
  return 0
}

/** Share of the k slots filled with items the user bought before (divides by k, as the benchmark does). */
export function repeatRatioAtK(historyItems: ReadonlySet<number>, ranked: readonly number[], k: number): number {
  let n = 0
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if (historyItems.has(ranked[i]!))
      n++
  }
  return n / k
}

/** Target split into repeat (bought before) and explore (new to this user) items, deduplicated. */
export function splitRepeatExplore(target: readonly number[], historyItems: ReadonlySet<number>): { repeat: number[], explore: number[] } {
  const uniq = [...new Set(target)]
  return { repeat: uniq.filter(i => historyItems.has(i)), explore: uniq.filter(i => !historyItems.has(i)) }
}

export interface UserEvalCase {
  history: readonly (readonly number[])[]
  target: readonly number[]
  ranked: readonly number[]
}

export interface NbrMetrics {
  'recall@10': number
  'ndcg@10': number
  'phr@10': number
  'recall@20': number
  'ndcg@20': number
  'phr@20': number
  'repeat_ratio@10': number
  'repeat_recall@10': number
  'explore_recall@10': number
}

const mean = (v: readonly number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN)

/**
 * Mean over users of every metric; repeat/explore recall skip users without such target items
 * (as the benchmark does).
 */
export function evaluateUsers(cases: Iterable<UserEvalCase>): NbrMetrics {
  const acc: Record<string, number[]> = {}
  const push = (k: string, v: number): void => {
    (acc[k] ??= []).push(v)
  }
  for (const c of cases) {
    const hist = new Set<number>()
    for (const b of c.history) {
      for (const i of b) hist.add(i)
    }
    for (const k of [10, 20]) {
      push(`recall@${k}`, recallAtK(c.target, c.ranked, k))
      push(`ndcg@${k}`, paperNdcgAtK(c.target, c.ranked, k))
      push(`phr@${k}`, hitAtK(c.target, c.ranked, k))
    }
    push('repeat_ratio@10', repeatRatioAtK(hist, c.ranked, 10))
    const { repeat, explore } = splitRepeatExplore(c.target, hist)
    if (repeat.length)
      push('repeat_recall@10', recallAtK(repeat, c.ranked, 10))
    if (explore.length)
      push('explore_recall@10', recallAtK(explore, c.ranked, 10))
  }
  const m = (k: string): number => mean(acc[k] ?? [])
  return {
    'recall@10': m('recall@10'),
    'ndcg@10': m('ndcg@10'),
    'phr@10': m('phr@10'),
    'recall@20': m('recall@20'),
    'ndcg@20': m('ndcg@20'),
    'phr@20': m('phr@20'),
    'repeat_ratio@10': m('repeat_ratio@10'),
    'repeat_recall@10': m('repeat_recall@10'),
    'explore_recall@10': m('explore_recall@10'),
  }
}

/** Average metric objects (e.g. over keysets). */
export function averageMetrics(list: readonly NbrMetrics[]): NbrMetrics {
  const keys = Object.keys(list[0] ?? {}) as (keyof NbrMetrics)[]
  const out = {} as NbrMetrics
  for (const k of keys) out[k] = mean(list.map(m => m[k]))
  return out
}
