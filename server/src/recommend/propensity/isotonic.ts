// Isotonic regression (pool-adjacent-violators) of 0/1 outcomes on a score: the monotone map from
// a model's probability to the rate actually observed, used to re-calibrate on a later slice.

export interface IsotonicMap {
  /** Block centres (mean score of each pooled block), ascending. */
  x: number[]
  /** Observed rate of each block, non-decreasing. */
  y: number[]
}

export function fitIsotonic(scores: readonly number[], outcomes: readonly boolean[]): IsotonicMap {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  const blocks: { sx: number, sy: number, n: number }[] = []
  for (const i of order) {
    blocks.push({ sx: scores[i]!, sy: outcomes[i] ? 1 : 0, n: 1 })
    // Pool while the last block's rate is below the one before it (or the scores tie).
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!
      const a = blocks[blocks.length - 2]!
      if (a.sy / a.n < b.sy / b.n && a.sx / a.n < b.sx / b.n)
        break
      blocks.pop()
      a.sx += b.sx
      a.sy += b.sy
      a.n += b.n
    }
  }
  return { x: blocks.map(b => b.sx / b.n), y: blocks.map(b => b.sy / b.n) }
}

/** The fitted rate at `score`, linear between block centres and flat beyond the ends. */
export function applyIsotonic(m: IsotonicMap, score: number): number {
  const { x, y } = m
  if (!x.length)
    return score
  if (score <= x[0]!)
    return y[0]!
  if (score >= x[x.length - 1]!)
    return y[y.length - 1]!
  let lo = 0
  let hi = x.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (x[mid]! <= score)
      lo = mid
    else hi = mid
  }
  const t = (score - x[lo]!) / (x[hi]! - x[lo]!)
  return y[lo]! + t * (y[hi]! - y[lo]!)
}
