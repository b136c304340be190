// Event log → customer-by-sufficient-statistic (CBS) table, the input of the BTYD models, plus
// the two scores used to judge them (AUC, MAE). Time unit: weeks, as in the BTYD literature.

export interface PurchaseEvent {
  customerId: string
  /** Calendar day of the purchase, 'YYYY-MM-DD' (time of day is ignored: same-day purchases merge). */
  date: string
}

export interface CustomerCbs {
  customerId: string
  /** Repeat purchase days in the calibration window (the first purchase is not counted). */
  x: number
  /** Weeks from first purchase to last calibration purchase. */
  tx: number
  /** Weeks from first purchase to the end of calibration. */
  T: number
  /** Purchase days in the holdout window (0 when no holdout was asked for). */
  xStar: number
  /** Day index (days since 1970-01-01) of the first purchase. */
  firstDay: number
  /** Day indices of all calibration purchase days, sorted, distinct. */
  days: number[]
}

const MS_PER_DAY = 86_400_000

/** Days since epoch for a 'YYYY-MM-DD' (or ISO) string, in UTC so DST never shifts a day. */
export function dayIndex(date: string): number {
  const d = date.slice(0, 10)
  const ms = Date.parse(`${d}T00:00:00Z`)
  if (Number.isNaN(ms))
    throw new Error(`invalid date: ${date}`)
  return Math.round(ms / MS_PER_DAY)
}

/** Distinct sorted purchase days per customer. */
export function groupPurchaseDays(events: Iterable<PurchaseEvent>): Map<string, number[]> {
  const sets = new Map<string, Set<number>>()
  for (const e of events) {
    let s = sets.get(e.customerId)
    if (!s) {
      s = new Set()
      sets.set(e.customerId, s)
    }
    s.add(dayIndex(e.date))
  }
  const out = new Map<string, number[]>()
  for (const [id, s] of sets) out.set(id, [...s].sort((a, b) => a - b))
  return out
}

/**
 * CBS per customer whose first purchase is on or before `calibrationEnd` (inclusive day).
 * Holdout counts purchase days in (calibrationEnd, holdoutEnd].
 */
export function buildCbs(daysByCustomer: Map<string, number[]>, calibrationEnd: number, holdoutEnd?: number): CustomerCbs[] {
  const out: CustomerCbs[] = []
  for (const [customerId, allDays] of daysByCustomer) {
    const first = allDays[0]
    if (first === undefined || first > calibrationEnd)
      continue
    const days = allDays.filter(d => d <= calibrationEnd)
    const last = days[days.length - 1]!
    let xStar = 0
    if (holdoutEnd !== undefined) {
      for (const d of allDays) {
        if (d > calibrationEnd && d <= holdoutEnd)
          xStar++
      }
    }
    out.push({
      customerId,
      x: days.length - 1,
      tx: (last - first) / 7,
      T: (calibrationEnd - first) / 7,
      xStar,
      firstDay: first,
      days,
    })
  }
  return out
}

/** Area under the ROC curve; tied scores get the average rank (Mann–Whitney U). */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = scores.length
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i]! - scores[j]!)
  let rankSumPos = 0
  let nPos = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++
    const avgRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!]) {
        rankSumPos += avgRank
        nPos++
      }
    }
    i = j + 1
  }
  const nNeg = n - nPos
  if (nPos === 0 || nNeg === 0)
    return Number.NaN
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

/** Mean absolute error. */
export function meanAbsoluteError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < predicted.length; i++) s += Math.abs(predicted[i]! - actual[i]!)
  return predicted.length ? s / predicted.length : Number.NaN
}
