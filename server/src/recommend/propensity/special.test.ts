import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hyp2f1, logBeta, logGamma } from './special.ts'

describe('logGamma / logBeta', () => {
  it('matches factorials and Γ(1/2)', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12)
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12)
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12)
    // Stirling region: ln Γ(171) = ln 170!
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 8)
  })
  it('lnB(a,b) = lnB(b,a) and B(1,b) = 1/b', () => {
    expect(logBeta(1, 4)).toBeCloseTo(-Math.log(4), 12)
    fc.assert(fc.property(fc.double({ min: 0.01, max: 50, noNaN: true }), fc.double({ min: 0.01, max: 50, noNaN: true }), (a, b) => Math.abs(logBeta(a, b) - logBeta(b, a)) < 1e-9))
  })
})

describe('hyp2f1', () => {
  it('matches closed forms', () => {
    // 2F1(1,1;2;z) = −ln(1−z)/z
    for (const z of [0.1, 0.5, 0.95, 0.999, -0.5, -3])
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log1p(-z) / z, 7)
    // 2F1(a,b;b;z) = (1−z)^(−a)
    expect(hyp2f1(2.5, 1.3, 1.3, 0.6)).toBeCloseTo(0.4 ** -2.5, 10)
  })
  it('matches reference values (mpmath)', () => {
    expect(hyp2f1(1.5, 2, 3, 0.99)).toBeCloseTo(33.0578512396694, 8)
    expect(hyp2f1(2, 3, 4, -3)).toBeCloseTo(0.108601253084469, 10)
    expect(hyp2f1(0.3, 100.5, 120, 0.8)).toBeCloseTo(1.39637051321857, 10)
    expect(hyp2f1(-0.5, 2.2, 1.3, 0.97)).toBeCloseTo(-1.57271280146058, 9)
    expect(hyp2f1(2, 3, 4, -300) / 3.21758285790407e-5).toBeCloseTo(1, 8)
  })
})
