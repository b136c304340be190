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

/** One (member, category) and the distinct days she bought in it. */
export interface CategoryDays { memberId: string, category: string, days: Set<number> }

/** Groups purchases on or before `asOfDay` by (member, category), in first-purchase order. */
export function groupCategoryDays(purchases: Iterable<CategoryPurchase>, asOfDay: number): Map<string, CategoryDays> {
  const byKey = new Map<string, CategoryDays>()
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
  return byKey
}

function gapsOf(days: Set<number>): number[] {
  const sorted = [...days].sort((a, b) => a - b)
  return sorted.slice(1).map((d, i) => d - sorted[i]!)
}

/**
 * Appends each group's gaps to its category's list. Training calls it member by member (streaming),
 * estimateCycles once for everyone; both then take the median per category as the prior.
 */
export function collectCategoryGaps(groups: Iterable<CategoryDays>, categoryGaps: Map<string, number[]>): void {
  for (const e of groups) {
    const gaps = gapsOf(e.days)
    let list = categoryGaps.get(e.category)
    if (!list) {
      list = []
      categoryGaps.set(e.category, list)
    }
    for (const g of gaps) list.push(g)
  }
}

/** The population prior: median gap per category (`defaultCycleDays` when a category has no gaps). */
export function categoryMedians(categoryGaps: Map<string, number[]>, defaultCycleDays = 30): Map<string, number> {
  const out = new Map<string, number>()
  for (const [c, g] of categoryGaps) out.set(c, g.length ? median(g) : defaultCycleDays)
  return out
}

/** Each group's cycle shrunk towards its category prior, and its due timing at `asOfDay`. */
export function cyclesOf(groups: Iterable<CategoryDays>, categoryMedian: ReadonlyMap<string, number>, asOfDay: number, opts: CycleOptions = {}): CycleEstimate[] {
  const priorGaps = opts.priorGaps ?? 2
  const defaultCycle = opts.defaultCycleDays ?? 30
  const out: CycleEstimate[] = []
  for (const e of groups) {
    const gaps = gapsOf(e.days)
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

/** Purchase cycle and due timing for every (member, category) with at least one purchase ≤ asOfDay. */
export function estimateCycles(purchases: Iterable<CategoryPurchase>, asOfDay: number, opts: CycleOptions = {}): CycleEstimate[] {
  const groups = groupCategoryDays(purchases, asOfDay)
  const categoryGaps = new Map<string, number[]>()
  collectCategoryGaps(groups.values(), categoryGaps)
  return cyclesOf(groups.values(), categoryMedians(categoryGaps, opts.defaultCycleDays), asOfDay, opts)
}
