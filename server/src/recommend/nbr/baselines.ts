// Frequency baselines of the Reality-Check benchmark (methods/g-p-gp-topfreq/*.py).

export type Baskets = readonly (readonly number[])[]

/**
 * Items by total occurrence count over all baskets given, most frequent first; ties keep
 * first-seen order (stable sort over insertion order, like Python's sorted on a dict).
 */
export function itemsByFrequency(baskets: Iterable<readonly number[]>): number[] {
  const counts = new Map<number, number>()
  for (const b of baskets) {
    for (const i of b) counts.set(i, (counts.get(i) ?? 0) + 1)
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([i]) => i)
}

/** G-TopFreq: the `size` globally most frequent items, the same list for everyone. */
export function gTopFreq(globalRanking: readonly number[], size = 100): number[] {
  return globalRanking.slice(0, size)
}

/** P-TopFreq: the user's own history items by count, ties in first-seen order (no padding). */
export function pTopFreq(history: Baskets): number[] {
  return itemsByFrequency(history)
}

/** GP-TopFreq: P-TopFreq padded with G-TopFreq items not already listed, up to `size`. */
export function gpTopFreq(history: Baskets, globalRanking: readonly number[], size = 100): number[] {
  const pred = pTopFreq(history)
  const seen = new Set(pred)
  for (const i of globalRanking) {
    if (pred.length >= size)
      break
    if (!seen.has(i)) {
      pred.push(i)
      seen.add(i)
    }
  }
  return pred
}
