// Derivative-free minimiser for the small (2–6 parameter) likelihood fits. Nelder–Mead with the
// dimension-adaptive coefficients of Gao & Han (2012) and automatic restarts, because a single
// simplex run often stalls early on flat BTYD likelihood ridges.

export interface NelderMeadOptions {
  /** Initial step per coordinate (default 0.5, suits log-parameters). */
  step?: number
  maxIterations?: number
  /** Stop when the spread of function values in the simplex is below this. */
  fTol?: number
  /** Stop when the simplex diameter is below this. */
  xTol?: number
  /** Number of restarts from the best point found (default 3). */
  restarts?: number
}

export interface OptimizeResult {
  x: number[]
  fx: number
  iterations: number
}

export function nelderMead(f: (x: number[]) => number, x0: number[], opts: NelderMeadOptions = {}): OptimizeResult {
  const { step = 0.5, maxIterations = 5000, fTol = 1e-10, xTol = 1e-9, restarts = 3 } = opts
  // A non-finite value (e.g. parameters where the likelihood is undefined) is treated as +∞.
  const safe = (x: number[]): number => {
    const v = f(x)
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY
  }
  let best: OptimizeResult = { x: x0.slice(), fx: safe(x0), iterations: 0 }
  let totalIterations = 0
  for (let run = 0; run <= restarts; run++) {
    const r = runSimplex(safe, best.x, step, maxIterations, fTol, xTol)
    totalIterations += r.iterations
    const improved = r.fx < best.fx - 1e-12
    if (r.fx <= best.fx)
      best = r
    if (!improved && run > 0)
      break
  }
  return { ...best, iterations: totalIterations }
}

function runSimplex(f: (x: number[]) => number, x0: number[], step: number, maxIterations: number, fTol: number, xTol: number): OptimizeResult {
  const n = x0.length
  const alpha = 1
  const beta = 1 + 2 / n
  const gamma = 0.75 - 1 / (2 * n)
  const delta = 1 - 1 / n
  const simplex: number[][] = [x0.slice()]
  for (let i = 0; i < n; i++) {
    const p = x0.slice()
    p[i] = p[i]! + step
    simplex.push(p)
  }
  let values = simplex.map(f)
  let it = 0
  for (; it < maxIterations; it++) {
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!)
    const pts = order.map(i => simplex[i]!)
    values = order.map(i => values[i]!)
    for (let i = 0; i <= n; i++) simplex[i] = pts[i]!
    const fBest = values[0]!
    const fWorst = values[n]!
    let diameter = 0
    for (let i = 1; i <= n; i++) {
      for (let j = 0; j < n; j++) diameter = Math.max(diameter, Math.abs(simplex[i]![j]! - simplex[0]![j]!))
    }
    if (Math.abs(fWorst - fBest) <= fTol * (Math.abs(fBest) + 1e-12) && diameter <= 1e-4)
      break
    if (diameter <= xTol)
      break
    const centroid = Array.from({ length: n }, () => 0)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n
    }
    const worst = simplex[n]!
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (c - worst[j]!))
    const xr = along(alpha)
    const fr = f(xr)
    if (fr < values[0]!) {
      const xe = along(beta)
      const fe = f(xe)
      if (fe < fr) {
        simplex[n] = xe
        values[n] = fe
      }
      else {
        simplex[n] = xr
        values[n] = fr
      }
      continue
    }
    if (fr < values[n - 1]!) {
      simplex[n] = xr
      values[n] = fr
      continue
    }
    // Contraction: outside if the reflection beat the worst point, inside otherwise.
    const outside = fr < values[n]!
    const xc = along(outside ? gamma : -gamma)
    const fc = f(xc)
    if (fc < (outside ? fr : values[n]!)) {
      simplex[n] = xc
      values[n] = fc
      continue
    }
    // Shrink towards the best vertex.
    for (let i = 1; i <= n; i++) {
      simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + delta * (v - simplex[0]![j]!))
      values[i] = f(simplex[i]!)
    }
  }
  let bi = 0
  for (let i = 1; i <= n; i++) {
    if (values[i]! < values[bi]!)
      bi = i
  }
  return { x: simplex[bi]!, fx: values[bi]!, iterations: it }
}

/** Objective value and gradient at x. */
export type ValueAndGradient = (x: number[]) => { f: number, g: number[] }

/**
 * BFGS with a backtracking (Armijo) line search, for smooth objectives with an analytic gradient
 * (the timing model: ~12 parameters, where Nelder–Mead needs seconds and may stop on a ridge).
 */
export function bfgs(fg: ValueAndGradient, x0: number[], opts: { maxIterations?: number, gTol?: number } = {}): OptimizeResult {
  const { maxIterations = 500, gTol = 1e-6 } = opts
  const n = x0.length
  let x = x0.slice()
  let { f, g } = fg(x)
  // Inverse Hessian approximation, starting at the identity.
  let Hinv: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))
  let it = 0
  for (; it < maxIterations; it++) {
    if (Math.max(...g.map(Math.abs)) < gTol * Math.max(1, Math.abs(f)))
      break
    let dir = Hinv.map(row => -row.reduce((s, v, j) => s + v * g[j]!, 0))
    let slope = dir.reduce((s, d, j) => s + d * g[j]!, 0)
    if (!(slope < 0)) {
      // Not a descent direction (approximation went bad): restart from steepest descent.
      Hinv = Hinv.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)))
      dir = g.map(v => -v)
      slope = -g.reduce((s, v) => s + v * v, 0)
    }
    let step = 1
    let next = fg(x.map((v, j) => v + step * dir[j]!))
    while (!(Number.isFinite(next.f) && next.f <= f + 1e-4 * step * slope) && step > 1e-12) {
      step /= 2
      next = fg(x.map((v, j) => v + step * dir[j]!))
    }
    if (step <= 1e-12)
      break
    const s = dir.map(d => step * d)
    const y = next.g.map((v, j) => v - g[j]!)
    const sy = s.reduce((acc, v, j) => acc + v * y[j]!, 0)
    x = x.map((v, j) => v + s[j]!)
    const improvement = f - next.f
    f = next.f
    g = next.g
    if (sy > 1e-12) {
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy
      const Hy = Hinv.map(row => row.reduce((acc, v, j) => acc + v * y[j]!, 0))
      const yHy = y.reduce((acc, v, j) => acc + v * Hy[j]!, 0)
      Hinv = Hinv.map((row, i) => row.map((v, j) => v - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) + (rho * rho * yHy + rho) * s[i]! * s[j]!))
    }
    if (improvement >= 0 && improvement < 1e-12 * Math.max(1, Math.abs(f)))
      break
  }
  return { x, fx: f, iterations: it }
}
