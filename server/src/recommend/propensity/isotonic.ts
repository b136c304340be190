// Isotonic regression (pool-adjacent-violators) of 0/1 outcomes on a score: the monotone map from
// a model's probability to the rate actually observed, used to re-calibrate on a later slice.

export interface IsotonicMap {
  /** Block centres (mean score of each pooled block), ascending. */
  x: number[]
  /** Observed rate of each block, non-decreasing. */
  y: number[]
}

export interface IsotonicOptions {
  /**
   * Blocks with fewer members are pooled into their neighbour (which keeps the map monotone). A top block
   * of five members who all bought would otherwise map to exactly 100 %, a number no guide should be shown.
   */
  minBlockSize?: number
  /** Jeffreys prior on each block's rate ((bought + ½) / (n + 1)), so no block says exactly 0 or 1. */
  jeffreys?: boolean
}

export function fitIsotonic(scores: readonly number[], outcomes: readonly boolean[], options: IsotonicOptions = {}): IsotonicMap {
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
  const minBlockSize = options.minBlockSize ?? 1
  for (let i = 0; i < blocks.length && blocks.length > 1;) {
    if (blocks[i]!.n >= minBlockSize) {
      i++
      continue
    }
    // Pool into the smaller neighbour: the map moves least.
    const j = i === 0 ? 1 : i === blocks.length - 1 ? i - 1 : blocks[i - 1]!.n <= blocks[i + 1]!.n ? i - 1 : i + 1
    const [lo, hi] = j < i ? [j, i] : [i, j]
    const a = blocks[lo]!
    const b = blocks[hi]!
    blocks.splice(lo, 2, { sx: a.sx + b.sx, sy: a.sy + b.sy, n: a.n + b.n })
    i = Math.max(0, lo - 1)
  }
  const rate = options.jeffreys ? (b: { sy: number, n: number }) => (b.sy + 0.5) / (b.n + 1) : (b: { sy: number, n: number }) => b.sy / b.n
  return { x: blocks.map(b => b.sx / b.n), y: blocks.map(rate) }
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
