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
