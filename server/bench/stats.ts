export interface LatencySummary {
  n: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** Nearest-rank percentiles of a sample of milliseconds, rounded to 0.01 ms. */
export function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
  const round = (v: number) => Math.round(v * 100) / 100
  return {
    n: sorted.length,
    mean: round(sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length)),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  }
}
