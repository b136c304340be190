// Special functions needed by the BTYD likelihoods. Everything works on the log scale where
// possible because customer counts (x up to a few hundred) make plain Gamma values overflow.

const LANCZOS_G = 7
const LANCZOS_COEF = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
]
const LN_SQRT_2PI = 0.9189385332046727

/** ln|Γ(x)| for any real x that is not a non-positive integer (Lanczos, ~15 digits). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  }
  const z = x - 1
  let sum = LANCZOS_COEF[0]!
  for (let i = 1; i < LANCZOS_G + 2; i++) sum += LANCZOS_COEF[i]! / (z + i)
  const t = z + LANCZOS_G + 0.5
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

/** Sign of Γ(x) (+1 / -1); 0 at the poles. */
export function gammaSign(x: number): number {
  if (x > 0)
    return 1
  if (Number.isInteger(x))
    return 0
  // Γ alternates sign between consecutive negative integers: negative on (-1,0), positive on (-2,-1), ...
  return Math.floor(x) % 2 === 0 ? 1 : -1
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a+b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b)
}

/** ln(e^a + e^b) without overflow. */
export function logSumExp(a: number, b: number): number {
  if (a === -Infinity)
    return b
  if (b === -Infinity)
    return a
  const m = Math.max(a, b)
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m))
}

/** ln(e^a − e^b) for a ≥ b; −Infinity when equal. */
export function logDiffExp(a: number, b: number): number {
  if (b === -Infinity)
    return a
  if (b >= a)
    return -Infinity
  return a + Math.log1p(-Math.exp(b - a))
}

/** Signed log value: value = sign · e^log. */
export interface SignedLog { log: number, sign: number }

const SERIES_MAX_TERMS = 5_000_000
const SERIES_TOL = 1e-15

/**
 * Gauss series Σ (a)_n (b)_n / ((c)_n n!) z^n summed on a rescaled scale so that huge
 * intermediate terms (large a·b·z/c) neither overflow nor lose the result.
 * Requires |z| < 1 (or the series to terminate).
 */
function seriesLog(a: number, b: number, c: number, z: number): SignedLog {
  let logScale = 0
  let term = 1
  let sum = 1
  for (let n = 0; n < SERIES_MAX_TERMS; n++) {
    const ratio = ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z
    if (ratio === 0)
      break // a or b is a non-positive integer: the series terminates
    term *= ratio
    sum += term
    if (Math.abs(sum) > 1e250) {
      logScale += Math.log(1e250)
      sum /= 1e250
      term /= 1e250
    }
    // Stop when the tail is negligible: terms decreasing and the remaining geometric tail is tiny.
    const nextRatio = Math.abs(((a + n + 1) * (b + n + 1)) / ((c + n + 1) * (n + 2)) * z)
    if (nextRatio < 1 && Math.abs(term) / (1 - nextRatio) <= SERIES_TOL * Math.abs(sum))
      return { log: logScale + Math.log(Math.abs(sum)), sign: Math.sign(sum) }
  }
  if (!Number.isFinite(sum))
    throw new Error(`hyp2f1 series diverged for a=${a}, b=${b}, c=${c}, z=${z}`)
  // Not converged within the budget; the caller's transformations should have avoided this.
  return { log: logScale + Math.log(Math.abs(sum)), sign: Math.sign(sum) }
}

function nearInteger(x: number, tol = 1e-9): boolean {
  return Math.abs(x - Math.round(x)) < tol
}

/**
 * ln|₂F₁(a, b; c; z)| with sign, for real z < 1.
 * - −0.5 ≤ z ≤ 0.9: direct series.
 * - z < −0.5: Pfaff transform to z/(z−1) ∈ (1/3, 1).
 * - z > 0.9: the 1−z connection formula (DLMF 15.8.4). When c−a−b is an integer that formula is
 *   singular: the (slow but convergent) series is used up to z = 0.99999, beyond that c is nudged.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number): SignedLog {
  if (z === 0)
    return { log: 0, sign: 1 }
  if (z >= 1)
    throw new RangeError(`hyp2f1 needs z < 1, got ${z}`)
  if (c <= 0 && nearInteger(c))
    throw new RangeError(`hyp2f1 undefined for c=${c}`)
  if (z < -0.5) {
    // Pfaff: 2F1(a,b;c;z) = (1−z)^(−a) 2F1(a, c−b; c; z/(z−1)), with z/(z−1) ∈ (1/3, 1).
    const inner = logHyp2f1(a, c - b, c, z / (z - 1))
    return { log: inner.log - a * Math.log1p(-z), sign: inner.sign }
  }
  // The direct series converges for every |z| < 1 (terms ~ z^n); it is only too slow very near 1.
  if (z <= 0.9 || (nearInteger(c - a - b, 1e-6) && z <= 0.99999))
    return seriesLog(a, b, c, z)
  if (nearInteger(c - a - b, 1e-6)) {
    // Integer c−a−b makes the connection formula singular; average c ± ε (O(ε²) bias).
    const eps = 1e-5
    const lo = hyp2f1OneMinusZ(a, b, c - eps, z)
    const hi = hyp2f1OneMinusZ(a, b, c + eps, z)
    const v = (lo.sign * Math.exp(lo.log - hi.log) + hi.sign) / 2
    return { log: hi.log + Math.log(Math.abs(v)), sign: Math.sign(v) }
  }
  return hyp2f1OneMinusZ(a, b, c, z)
}

function hyp2f1OneMinusZ(a: number, b: number, c: number, z: number): SignedLog {
  const d = c - a - b
  const w = 1 - z
  const terms: SignedLog[] = []
  // Term 1: Γ(c)Γ(d)/(Γ(c−a)Γ(c−b)) · 2F1(a, b; 1−d; 1−z); vanishes when c−a or c−b is a pole.
  const s1 = gammaSign(c) * gammaSign(d) * gammaSign(c - a) * gammaSign(c - b)
  if (s1 !== 0 && gammaSign(c - a) !== 0 && gammaSign(c - b) !== 0) {
    const f = seriesLog(a, b, 1 - d, w)
    terms.push({
      log: logGamma(c) + logGamma(d) - logGamma(c - a) - logGamma(c - b) + f.log,
      sign: s1 * f.sign,
    })
  }
  // Term 2: (1−z)^d Γ(c)Γ(−d)/(Γ(a)Γ(b)) · 2F1(c−a, c−b; 1+d; 1−z).
  const s2 = gammaSign(c) * gammaSign(-d) * gammaSign(a) * gammaSign(b)
  if (gammaSign(a) !== 0 && gammaSign(b) !== 0 && s2 !== 0) {
    const f = seriesLog(c - a, c - b, 1 + d, w)
    terms.push({
      log: d * Math.log(w) + logGamma(c) + logGamma(-d) - logGamma(a) - logGamma(b) + f.log,
      sign: s2 * f.sign,
    })
  }
  if (terms.length === 0)
    return { log: -Infinity, sign: 0 }
  const m = Math.max(...terms.map(t => t.log))
  const v = terms.reduce((acc, t) => acc + t.sign * Math.exp(t.log - m), 0)
  return { log: m + Math.log(Math.abs(v)), sign: Math.sign(v) }
}

/** ₂F₁(a, b; c; z) for real z < 1. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const r = logHyp2f1(a, b, c, z)
  return r.sign * Math.exp(r.log)
}
