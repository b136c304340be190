// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchases λ ~ Gamma(r, α) while alive,
// exponential lifetime μ ~ Gamma(s, β). The likelihood follows Fader & Hardie, "A Note on Deriving
// the Pareto/NBD Model and Related Expressions" (2005), whose ₂F₁ form stays finite for any x;
// the two cases α ≥ β / α < β keep the ₂F₁ argument in [0, 1).

import type { Rft } from './bgnbd.ts'
import { groupRft } from './bgnbd.ts'
import { nelderMead } from './optimize.ts'
import { logDiffExp, logGamma, logHyp2f1, logSumExp } from './special.ts'

export interface ParetoNbdParams { r: number, alpha: number, s: number, beta: number }

/**
 * ln A₀ of the Fader–Hardie note. With A = r+s+x,
 *   α ≥ β: A₀ = F(α+t_x) − F(α+T), F(y) = ₂F₁(A, s+1; A+1; (α−β)/y) / y^A
 *   α < β: A₀ = G(β+t_x) − G(β+T), G(y) = ₂F₁(A, r+x; A+1; (β−α)/y) / y^A
 * Euler's transformation ₂F₁(A, B; A+1; z) = (1−z)^(1−B) ₂F₁(1, A+1−B; A+1; z) keeps the series
 * terms bounded by z^n.
 */
function logA0(p: ParetoNbdParams, c: Rft): number {
  const { r, alpha, s, beta } = p
  const A = r + s + c.x
  const useAlpha = alpha >= beta
  const B = useAlpha ? s + 1 : r + c.x
  const shift = useAlpha ? alpha - beta : beta - alpha
  const base = useAlpha ? alpha : beta
  const logTerm = (y: number): number => {
    const z = shift / y
    const f = logHyp2f1(1, A + 1 - B, A + 1, z)
    return (1 - B) * Math.log1p(-z) + f.log - A * Math.log(y)
  }
  return logDiffExp(logTerm(base + c.tx), logTerm(base + c.T))
}

export function paretoNbdLogLikCustomer(p: ParetoNbdParams, c: Rft): number {
  const { r, alpha, s, beta } = p
  const { x, T } = c
  const head = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta)
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T)
  const died = Math.log(s) - Math.log(r + s + x) + logA0(p, c)
  return head + logSumExp(alive, died)
}

export function paretoNbdLogLik(p: ParetoNbdParams, cbs: readonly Rft[]): number {
  let sum = 0
  for (const c of cbs) sum += paretoNbdLogLikCustomer(p, c)
  return sum
}

export interface ParetoNbdFit { params: ParetoNbdParams, logLik: number }

export function fitParetoNbd(cbs: readonly Rft[], start: ParetoNbdParams = { r: 1, alpha: 1, s: 1, beta: 1 }): ParetoNbdFit {
  const grouped = groupRft(cbs)
  const toParams = (v: number[]): ParetoNbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), s: Math.exp(v[2]!), beta: Math.exp(v[3]!) })
  const negLL = (v: number[]): number => {
    const p = toParams(v)
    let sum = 0
    for (const g of grouped) sum += g.n * paretoNbdLogLikCustomer(p, g)
    return -sum
  }
  const res = nelderMead(negLL, [Math.log(start.r), Math.log(start.alpha), Math.log(start.s), Math.log(start.beta)], { restarts: 5 })
  return { params: toParams(res.x), logLik: -res.fx }
}

/** P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀). */
export function paretoNbdPAlive(p: ParetoNbdParams, c: Rft): number {
  const { r, alpha, s, beta } = p
  const logRatio = Math.log(s) - Math.log(r + s + c.x) + (r + c.x) * Math.log(alpha + c.T) + s * Math.log(beta + c.T) + logA0(p, c)
  return 1 / (1 + Math.exp(logRatio))
}

/** E[X(T, T+t] | x, t_x, T] (Schmittlein et al. 1987 eq. 22). */
export function paretoNbdExpectedPurchases(p: ParetoNbdParams, c: Rft, t: number): number {
  if (t <= 0)
    return 0
  const { r, alpha, s, beta } = p
  const rate = (r + c.x) / (alpha + c.T)
  const bt = beta + c.T
  // Expected alive-time in (T, T+t] given alive: (β+T)/(s−1) · [1 − ((β+T)/(β+T+t))^(s−1)]; s → 1 limit is a log.
  const aliveTime = Math.abs(s - 1) < 1e-8
    ? bt * Math.log1p(t / bt)
    : (bt / (s - 1)) * -Math.expm1((s - 1) * (Math.log(bt) - Math.log(bt + t)))
  return rate * aliveTime * paretoNbdPAlive(p, c)
}
