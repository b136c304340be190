// BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
// Purchases while alive: Poisson(λ), λ ~ Gamma(r, α); after each purchase the customer drops out
// with probability p, p ~ Beta(a, b). All formulas are on the log scale so customers with large x
// do not overflow Γ(r+x) or (α+T)^(r+x).

import { nelderMead } from './optimize.ts'
import { logBeta, logGamma, logHyp2f1, logSumExp } from './special.ts'

export interface BgnbdParams { r: number, alpha: number, a: number, b: number }

/** The three sufficient statistics (weeks): repeat purchases x, recency t_x, age T. */
export interface Rft { x: number, tx: number, T: number }

/** Log-likelihood of one customer's (x, t_x, T). */
export function bgnbdLogLikCustomer(p: BgnbdParams, c: Rft): number {
  const { r, alpha, a, b } = p
  const { x, tx, T } = c
  const base = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + logBeta(a, b + x) - logBeta(a, b)
  const alive = -(r + x) * Math.log(alpha + T)
  if (x === 0)
    return base + alive
  // Second branch: dropped out right after the last purchase; B(a+1,b+x−1)/B(a,b+x) = a/(b+x−1).
  const dropped = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx)
  return base + logSumExp(alive, dropped)
}

export function bgnbdLogLik(p: BgnbdParams, cbs: readonly Rft[]): number {
  let s = 0
  for (const c of cbs) s += bgnbdLogLikCustomer(p, c)
  return s
}

export interface BgnbdFit { params: BgnbdParams, logLik: number }

/** Maximum likelihood by Nelder–Mead on log-parameters (keeps all four positive). */
export function fitBgnbd(cbs: readonly Rft[], start: BgnbdParams = { r: 1, alpha: 1, a: 1, b: 1 }): BgnbdFit {
  // Identical (x, t_x, T) rows contribute identical terms: collapse them for speed.
  const grouped = groupRft(cbs)
  const toParams = (v: number[]): BgnbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) })
  const negLL = (v: number[]): number => {
    const p = toParams(v)
    let s = 0
    for (const g of grouped) s += g.n * bgnbdLogLikCustomer(p, g)
    return -s
  }
  const res = nelderMead(negLL, [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)], { restarts: 5 })
  return { params: toParams(res.x), logLik: -res.fx }
}

/** P(customer still alive at T | x, t_x, T). */
export function bgnbdPAlive(p: BgnbdParams, c: Rft): number {
  if (c.x === 0)
    return 1
  const { r, alpha, a, b } = p
  const logOdds = Math.log(a) - Math.log(b + c.x - 1) + (r + c.x) * (Math.log(alpha + c.T) - Math.log(alpha + c.tx))
  return 1 / (1 + Math.exp(logOdds))
}

/**
 * E[X(T, T+t] | x, t_x, T]: expected purchases in the next t weeks (FHL 2005 eq. 10).
 * The ₂F₁ is taken through Euler's transformation,
 *   ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z),
 * with z = t/(α+T+t), so the series parameters stay small however large x is.
 */
export function bgnbdExpectedPurchases(p: BgnbdParams, c: Rft, t: number): number {
  if (t <= 0)
    return 0
  const { r, alpha, b } = p
  // a = 1 is a removable singularity of the closed form; step off it.
  const a = Math.abs(p.a - 1) < 1e-8 ? 1 + 1e-8 : p.a
  const { x } = c
  const z = t / (alpha + c.T + t)
  const f = logHyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
  const tail = f.sign * Math.exp((a - 1) * Math.log1p(-z) + f.log)
  // (a+b+x−1)/(a−1) · (1 − tail); for a < 1 both factors are negative, product stays positive.
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - tail)
  return numerator * bgnbdPAlive(p, c)
}

/**
 * P(at least one purchase in the next t weeks | x, t_x, T).
 * A dead customer never buys; an alive one has λ | data ~ Gamma(r+x, α+T) and, under BG/NBD,
 * can only drop out right after a purchase, so P(0 purchases | alive) = ((α+T)/(α+T+t))^(r+x).
 */
export function bgnbdProbPurchase(p: BgnbdParams, c: Rft, t: number): number {
  const pZeroAlive = Math.exp((p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.T + t)))
  return bgnbdPAlive(p, c) * (1 - pZeroAlive)
}

export interface GroupedRft extends Rft { n: number }

export function groupRft(cbs: readonly Rft[]): GroupedRft[] {
  const m = new Map<string, GroupedRft>()
  for (const c of cbs) {
    const key = `${c.x}|${c.tx}|${c.T}`
    const g = m.get(key)
    if (g)
      g.n++
    else m.set(key, { x: c.x, tx: c.tx, T: c.T, n: 1 })
  }
  return [...m.values()]
}
