// P(buys within the next h days) for any horizon h, from a small survival model of the time to a
// customer's next purchase, fitted on the customer base's own back-test slices.
//
// At a back-test cut-off tc (before the real cut-off) each customer's timing features are taken from
// her purchases up to tc; the label is the time from tc to her next purchase, or "none yet" when she
// bought nothing between tc and the real cut-off (right-censored). The model is a mixture with a
// competing risk, all three parts log-linear in the features:
//   active share   π(f)   – customers still buying at all (the rest never come back),
//   purchase rate  λ(f)   – per week, for active customers,
//   lapse rate     μ(f)   – per week, active customers can still drop out before buying again,
//   P(buy within t) = π · λ / (λ + μ) · (1 − e^{−(λ+μ) t}).
// Because the horizon enters the formula exactly, the same fit answers 7 days, 30 days or a year,
// and the probability shown is a probability for exactly that horizon. The plain logistic classifier
// it replaces was trained on label windows shorter than the horizon asked for and under-predicted
// long horizons (grocery, 52 weeks: mean 0.276 against an actual 0.339; ECE 0.063).
import type { Standardizer } from './glm.ts'
import { fitStandardizer } from './glm.ts'
import { bfgs } from './optimize.ts'

const WEEK_DAYS = 7

export interface TimingModel {
  scaler: Standardizer
  /** Intercept first, then one weight per standardised feature: logit π, log λ, log μ. */
  active: number[]
  rate: number[]
  lapse: number[]
}

/** One customer at one back-test cut-off. */
export interface TimingRow {
  features: number[]
  /** Weeks from the cut-off to her next purchase; null = none before the window ended. */
  eventWeeks: number | null
  /** Weeks from the cut-off to the end of what was observed (the real cut-off). */
  windowWeeks: number
}

/**
 * Timing features at `cutoffDay` (days: sorted distinct purchase day indices): log recency, log
 * repeat purchases and log age, all in weeks. Age lets the fit tell a new customer's short gap from
 * an old customer's long silence; richer sets (gap spread, overdue ratio) fitted the back-test
 * better but transferred worse to the later cut-off on the grocery cohort.
 */
export function timingFeatures(days: readonly number[], cutoffDay: number): number[] {
  let last = days[0]!
  let n = 0
  for (const d of days) {
    if (d > cutoffDay)
      break
    last = d
    n++
  }
  return [Math.log1p((cutoffDay - last) / WEEK_DAYS), Math.log1p(n - 1), Math.log1p((cutoffDay - days[0]!) / WEEK_DAYS)]
}

/**
 * Rows of the back-test: for each window w, the cut-off cutoffDay − w, every customer who had bought
 * by then, and when (if at all) she bought next up to `cutoffDay`. Nothing after `cutoffDay` is read.
 */
export function backTestRows(daysByCustomer: Iterable<readonly number[]>, cutoffDay: number, windowsDays: readonly number[]): TimingRow[] {
  const customers = [...daysByCustomer]
  const rows: TimingRow[] = []
  for (const w of windowsDays) {
    const tc = cutoffDay - w
    for (const days of customers) {
      if (!days.length || days[0]! > tc)
        continue
      const next = days.find(d => d > tc)
      rows.push({
        features: timingFeatures(days, tc),
        eventWeeks: next !== undefined && next <= cutoffDay ? (next - tc) / WEEK_DAYS : null,
        windowWeeks: w / WEEK_DAYS,
      })
    }
  }
  return rows
}

interface Parts { active: number, rate: number, lapse: number }

function linear(weights: readonly number[], x: readonly number[]): number {
  let s = 0
  for (let j = 0; j < x.length; j++) s += weights[j]! * x[j]!
  return s
}

function design(features: readonly number[], s: Standardizer): number[] {
  return [1, ...features.map((v, j) => (v - s.mean[j]!) / s.std[j]!)]
}

function parts(m: Omit<TimingModel, 'scaler'>, x: readonly number[]): Parts {
  return {
    active: 1 / (1 + Math.exp(-linear(m.active, x))),
    rate: Math.exp(Math.min(linear(m.rate, x), 30)),
    lapse: Math.exp(Math.min(linear(m.lapse, x), 30)),
  }
}

function probWithin(p: Parts, weeks: number): number {
  const hazard = p.rate + p.lapse
  return p.active * (p.rate / hazard) * -Math.expm1(-hazard * weeks)
}

/** Maximum likelihood over the back-test rows (censored where no purchase was seen). */
export function fitTimingModel(rows: readonly TimingRow[]): TimingModel {
  if (rows.length < 20)
    throw new Error('not enough customers before the back-test cut-offs')
  const scaler = fitStandardizer(rows.map(r => r.features))
  const X = rows.map(r => design(r.features, scaler))
  const k = X[0]!.length
  const unpack = (w: readonly number[]) => ({ active: w.slice(0, k), rate: w.slice(k, 2 * k), lapse: w.slice(2 * k) })
  // Negative log-likelihood and its gradient. Per row, with a, b, c the linear predictors of
  // logit π, log λ, log μ and H = λ + μ:
  //   bought at t:      ℓ = log π + b − H t
  //   none by window W: ℓ = log(1 − P), P = π q E with q = λ/H, E = 1 − e^{−HW}.
  const objective = (w: number[]) => {
    const m = unpack(w)
    let f = 0
    const g = Array.from({ length: 3 * k }, () => 0)
    for (let i = 0; i < rows.length; i++) {
      const x = X[i]!
      const p = parts(m, x)
      const r = rows[i]!
      const hazard = p.rate + p.lapse
      let da: number
      let db: number
      let dc: number
      if (r.eventWeeks !== null) {
        f -= Math.log(p.active) + Math.log(p.rate) - hazard * r.eventWeeks
        da = 1 - p.active
        db = 1 - p.rate * r.eventWeeks
        dc = -p.lapse * r.eventWeeks
      }
      else {
        const q = p.rate / hazard
        const stay = Math.exp(-hazard * r.windowWeeks)
        const E = 1 - stay
        const P = p.active * q * E
        const none = Math.max(1 - P, 1e-300)
        f -= Math.log(none)
        da = -(p.active * (1 - p.active) * q * E) / none
        db = -(p.active * (q * (1 - q) * E + q * p.rate * r.windowWeeks * stay)) / none
        dc = -(p.active * (-q * (1 - q) * E + q * p.lapse * r.windowWeeks * stay)) / none
      }
      for (let j = 0; j < k; j++) {
        g[j]! -= da * x[j]!
        g[k + j]! -= db * x[j]!
        g[2 * k + j]! -= dc * x[j]!
      }
    }
    return { f, g }
  }
  // Start: most customers active, about one purchase a month, rare lapses.
  const start = [...Array.from({ length: k }, (_, j) => (j === 0 ? 1 : 0)), ...Array.from({ length: k }, (_, j) => (j === 0 ? Math.log(0.25) : 0)), ...Array.from({ length: k }, (_, j) => (j === 0 ? Math.log(0.01) : 0))]
  const fit = bfgs(objective, start)
  return { scaler, ...unpack(fit.x) }
}

/** P(at least one purchase in the next `horizonDays`) for features taken at the scoring cut-off. */
export function probBuyWithin(m: TimingModel, features: readonly number[], horizonDays: number): number {
  return probWithin(parts(m, design(features, m.scaler)), horizonDays / WEEK_DAYS)
}
