// Purchase cycles per (member, category) and "restock due" timing for the sidebar.
// A member's own median gap is noisy with 1–2 gaps, so it is shrunk towards the category's
// population median gap (a pseudo-count prior), which is what most members follow anyway.

export interface CategoryPurchase {
  memberId: string
  category: string
  /** Day index (days since epoch); repeated same-day purchases count once. */
  day: number
}

export interface CycleEstimate {
  memberId: string
  category: string
  /** Shrunk cycle length in days. */
  cycleDays: number
  /** The member's own median gap (null with < 1 gap). */
  ownMedianDays: number | null
  gapCount: number
  lastDay: number
  /** lastDay + cycleDays. */
  expectedNextDay: number
  /** daysSinceLast / cycleDays at `asOfDay`: < 0.8 early, 0.8–1.5 due, > 1.5 overdue. */
  dueRatio: number
  /**
   * 0..1 ranking score peaking when the cycle is just due and fading when long overdue (the
   * member probably buys elsewhere or stopped): dueRatio-shaped bump exp(−(ln dueRatio)² / (2·0.5²)).
   */
  dueScore: number
  status: 'early' | 'due' | 'overdue'
}

export interface CycleOptions {
  /** Weight of the category prior in pseudo-gaps (default 2). */
  priorGaps?: number
  /** Fallback cycle when a category has no gaps at all (default 30 days). */
  defaultCycleDays?: number
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const n = s.length
  if (n === 0)
    return Number.NaN
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2
}

/** Purchase cycle and due timing for every (member, category) with at least one purchase ≤ asOfDay. */
export function estimateCycles(purchases: Iterable<CategoryPurchase>, asOfDay: number, opts: CycleOptions = {}): CycleEstimate[] {
  const priorGaps = opts.priorGaps ?? 2
  const defaultCycle = opts.defaultCycleDays ?? 30
  const byKey = new Map<string, { memberId: string, category: string, days: Set<number> }>()
  for (const p of purchases) {
    if (p.day > asOfDay)
      continue
    const key = `${p.memberId}\u0000${p.category}`
    let e = byKey.get(key)
    if (!e) {
      e = { memberId: p.memberId, category: p.category, days: new Set() }
      byKey.set(key, e)
    }
    e.days.add(p.day)
  }
  const gapsByKey = new Map<string, number[]>()
  const categoryGaps = new Map<string, number[]>()
  for (const [key, e] of byKey) {
    const days = [...e.days].sort((a, b) => a - b)
    const gaps = days.slice(1).map((d, i) => d - days[i]!)
    gapsByKey.set(key, gaps)
    const cg = categoryGaps.get(e.category) ?? []
    cg.push(...gaps)
    categoryGaps.set(e.category, cg)
  }
  const categoryMedian = new Map<string, number>()
  for (const [c, g] of categoryGaps) categoryMedian.set(c, g.length ? median(g) : defaultCycle)
  const out: CycleEstimate[] = []
  for (const [key, e] of byKey) {
    const gaps = gapsByKey.get(key)!
    const prior = categoryMedian.get(e.category) ?? defaultCycle
    const own = gaps.length ? median(gaps) : null
    const cycleDays = Math.max(1, own === null ? prior : (gaps.length * own + priorGaps * prior) / (gaps.length + priorGaps))
    const lastDay = Math.max(...e.days)
    const dueRatio = (asOfDay - lastDay) / cycleDays
    const dueScore = dueRatio <= 0 ? 0 : Math.exp(-(Math.log(dueRatio) ** 2) / (2 * 0.5 ** 2))
    out.push({
      memberId: e.memberId,
      category: e.category,
      cycleDays,
      ownMedianDays: own,
      gapCount: gaps.length,
      lastDay,
      expectedNextDay: lastDay + cycleDays,
      dueRatio,
      dueScore,
      status: dueRatio < 0.8 ? 'early' : dueRatio <= 1.5 ? 'due' : 'overdue',
    })
  }
  return out
}
