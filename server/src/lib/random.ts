// A small seeded PRNG (sfc32, seeded through a murmur3-style mixer) with the distributions the
// demo generator, the evaluation splits and exploration need. Everything is deterministic from the seed; `Rng.derive(seed, i)` gives an
// independent stream per member so the streaming and in-memory generators produce the same data
// regardless of chunk size.

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** murmur3 fmix32: spreads the bits of a 32-bit integer. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85EBCA6B)
  h ^= h >>> 13
  h = Math.imul(h, 0xC2B2AE35)
  h ^= h >>> 16
  return h >>> 0
}

/** Folds a seed (number or string) and stream ids into one 32-bit hash. */
export function hashSeed(seed: number | string, ...streams: number[]): number {
  let h = 0x9E3779B9
  if (typeof seed === 'string') {
    for (let i = 0; i < seed.length; i++)
      h = fmix32(h ^ seed.charCodeAt(i)) + i
  }
  else {
    h = fmix32(h ^ (seed >>> 0))
    h = fmix32(h ^ Math.floor(seed / 0x1_0000_0000))
  }
  for (const s of streams)
    h = fmix32((h ^ (s >>> 0)) + 0x6D2B79F5)
  return h >>> 0
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare: number | undefined

  constructor(seed: number | string, ...streams: number[]) {
    const h = hashSeed(seed, ...streams)
    this.a = h
    this.b = fmix32(h ^ 0xA5A5A5A5)
    this.c = fmix32(h + 0x3C6EF372)
    this.d = 1
    for (let i = 0; i < 12; i++) this.nextU32()
  }

  /** An independent generator for a sub-stream (e.g. one member). */
  static derive(seed: number | string, ...streams: number[]): Rng {
    return new Rng(seed, ...streams)
  }

  /** Uniform 32-bit unsigned integer (sfc32). */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Uniform float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0)
      throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Index drawn proportionally to non-negative weights (uniform when all are zero). */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0
    for (let i = 0; i < weights.length; i++) total += weights[i]!
    if (!(total > 0))
      return Math.floor(this.next() * weights.length)
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!
      if (r < 0)
        return i
    }
    return weights.length - 1
  }

  weighted<T>(items: readonly T[], weights: ArrayLike<number>): T {
    return items[this.weightedIndex(weights)]!
  }

  /** Key drawn proportionally to the record's values. */
  weightedKey<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[]
    return this.weighted(keys, keys.map(k => weights[k]))
  }

  /** Normal deviate (Box–Muller, the spare value is cached). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare
      this.spare = undefined
      return mean + sd * z
    }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return mean + sd * r * Math.cos(2 * Math.PI * v)
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** Gamma(shape, scale) by Marsaglia–Tsang (boosted for shape < 1). */
  gamma(shape: number, scale = 1): number {
    if (shape < 1)
      return this.gamma(shape + 1, scale) * this.next() ** (1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number
      let v: number
      do {
        x = this.normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = this.next()
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
        return d * v * scale
    }
  }

  /** Poisson count (Knuth for small means, rounded normal approximation above 30). */
  poisson(lambda: number): number {
    if (lambda <= 0)
      return 0
    if (lambda > 30)
      return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  /** Beta(a, b) as a ratio of gammas (Thompson sampling). */
  beta(a: number, b: number): number {
    const x = this.gamma(a)
    const y = this.gamma(b)
    return x / (x + y)
  }

  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = items[i]!
      items[i] = items[j]!
      items[j] = tmp
    }
    return items
  }

  /** Random string over an alphabet (letters and digits by default). */
  chars(length: number, alphabet = ALNUM): string {
    let s = ''
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(this.next() * alphabet.length)]
    return s
  }

  /** Random decimal digits (leading zeros allowed). */
  digits(length: number): string {
    return this.chars(length, '0123456789')
  }
}
