// Small L2-regularised GLMs (logistic, Poisson) fitted by Newton / IRLS. Feature counts are tiny
// (~10), so a dense Cholesky solve per iteration is the simplest robust choice.

export interface Standardizer { mean: number[], std: number[] }

export interface GlmModel {
  /** Intercept first, then one weight per (standardised) feature. */
  weights: number[]
  scaler: Standardizer
}

export function fitStandardizer(X: readonly number[][]): Standardizer {
  const d = X[0]?.length ?? 0
  const mean = Array.from({ length: d }, () => 0)
  const std = Array.from({ length: d }, () => 0)
  for (const row of X) {
    for (let j = 0; j < d; j++) mean[j]! += row[j]! / X.length
  }
  for (const row of X) {
    for (let j = 0; j < d; j++) std[j]! += (row[j]! - mean[j]!) ** 2 / X.length
  }
  // Constant columns get std 1 so they simply add nothing.
  return { mean, std: std.map(v => (v > 1e-12 ? Math.sqrt(v) : 1)) }
}

function design(row: readonly number[], s: Standardizer): number[] {
  return [1, ...row.map((v, j) => (v - s.mean[j]!) / s.std[j]!)]
}

/** Solve A x = b for symmetric positive definite A (Cholesky). */
export function solveSpd(A: number[][], b: number[]): number[] {
  const n = b.length
  const L = Array.from({ length: n }, () => Array.from({ length: n }, () => 0))
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i]![j]!
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!
      if (i === j)
        L[i]![i] = Math.sqrt(Math.max(s, 1e-12))
      else L[i]![j] = s / L[j]![j]!
    }
  }
  const y = Array.from({ length: n }, () => 0)
  for (let i = 0; i < n; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!
    y[i] = s / L[i]![i]!
  }
  const x = Array.from({ length: n }, () => 0)
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!
    for (let k = i + 1; k < n; k++) s -= L[k]![i]! * x[k]!
    x[i] = s / L[i]![i]!
  }
  return x
}

type Family = 'logistic' | 'poisson'

function fitGlm(family: Family, X: readonly number[][], y: readonly number[], l2: number, offset?: readonly number[], maxIter = 50): GlmModel {
  const scaler = fitStandardizer(X)
  const rows = X.map(r => design(r, scaler))
  const d = (rows[0]?.length ?? 1)
  let w = Array.from({ length: d }, () => 0)
  // Start the intercept at the link of the mean so Newton begins in a sane region.
  const ybar = y.reduce((a, b) => a + b, 0) / Math.max(1, y.length)
  const obar = offset ? offset.reduce((a, b) => a + b, 0) / Math.max(1, offset.length) : 0
  w[0] = family === 'logistic' ? Math.log((ybar + 1e-6) / (1 - ybar + 1e-6)) : Math.log(ybar + 1e-6) - obar
  for (let it = 0; it < maxIter; it++) {
    const H = Array.from({ length: d }, () => Array.from({ length: d }, () => 0))
    const g = Array.from({ length: d }, () => 0)
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i]!
      let eta = offset ? offset[i]! : 0
      for (let j = 0; j < d; j++) eta += w[j]! * x[j]!
      const mu = family === 'logistic' ? 1 / (1 + Math.exp(-eta)) : Math.exp(Math.min(eta, 30))
      const weight = family === 'logistic' ? Math.max(mu * (1 - mu), 1e-10) : mu
      const resid = y[i]! - mu
      for (let j = 0; j < d; j++) {
        g[j]! += resid * x[j]!
        for (let k = 0; k <= j; k++) H[j]![k]! += weight * x[j]! * x[k]!
      }
    }
    // The intercept is not penalised.
    for (let j = 1; j < d; j++) {
      g[j]! -= l2 * w[j]!
      H[j]![j]! += l2
    }
    for (let j = 0; j < d; j++) {
      for (let k = j + 1; k < d; k++) H[j]![k] = H[k]![j]!
    }
    const step = solveSpd(H, g)
    w = w.map((v, j) => v + step[j]!)
    if (Math.max(...step.map(Math.abs)) < 1e-9)
      break
  }
  return { weights: w, scaler }
}

export function fitLogistic(X: readonly number[][], y: readonly boolean[], l2 = 1): GlmModel {
  return fitGlm('logistic', X, y.map(v => (v ? 1 : 0)), l2)
}

/** Poisson regression; `offset` (e.g. log of a baseline expectation) enters η with weight 1. */
export function fitPoisson(X: readonly number[][], y: readonly number[], l2 = 1, offset?: readonly number[]): GlmModel {
  return fitGlm('poisson', X, y, l2, offset)
}

export function linearPredictor(m: GlmModel, row: readonly number[]): number {
  const x = design(row, m.scaler)
  let eta = 0
  for (let j = 0; j < x.length; j++) eta += m.weights[j]! * x[j]!
  return eta
}

export function predictLogistic(m: GlmModel, row: readonly number[]): number {
  return 1 / (1 + Math.exp(-linearPredictor(m, row)))
}

export function predictPoisson(m: GlmModel, row: readonly number[], offset = 0): number {
  return Math.exp(Math.min(linearPredictor(m, row) + offset, 30))
}
