import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bgnbdExpectedPurchases, bgnbdLogLik, bgnbdLogLikCustomer, bgnbdPAlive, bgnbdProbPurchase, fitBgnbd } from './bgnbd.ts'
import { meanAbsoluteError } from './events.ts'
import { hasGrocery, loadGrocery } from './grocery-fixture.ts'

const P = { r: 0.349, alpha: 2.581, a: 0.504, b: 3.644 }

describe('bG/NBD likelihood', () => {
  it('x = 0: LL = r ln(α/(α+T))', () => {
    expect(bgnbdLogLikCustomer(P, { x: 0, tx: 0, T: 30 })).toBeCloseTo(P.r * Math.log(P.alpha / (P.alpha + 30)), 12)
  })
  it('x = 1 matches the expanded formula', () => {
    const { r, alpha, a, b } = P
    const [tx, T] = [5, 20]
    const L = r * alpha ** r * (b / (a + b)) * ((alpha + T) ** -(r + 1) + (a / b) * (alpha + tx) ** -(r + 1))
    expect(bgnbdLogLikCustomer(P, { x: 1, tx, T })).toBeCloseTo(Math.log(L), 12)
  })
  it('stays finite for very large x', () => {
    const v = bgnbdLogLikCustomer(P, { x: 5000, tx: 50, T: 52 })
    expect(Number.isFinite(v)).toBe(true)
    expect(Number.isFinite(bgnbdExpectedPurchases(P, { x: 5000, tx: 50, T: 52 }, 52))).toBe(true)
  })
})

describe('bG/NBD predictions (properties)', () => {
  const cust = fc.record({ x: fc.integer({ min: 0, max: 200 }), T: fc.double({ min: 0.5, max: 100, noNaN: true }), f: fc.double({ min: 0, max: 1, noNaN: true }) })
  it('p(alive) ∈ [0,1], E[X] ≥ 0, P(buy) monotone in t', () => {
    fc.assert(fc.property(cust, fc.double({ min: 0.1, max: 100, noNaN: true }), ({ x, T, f }, t) => {
      const c = { x, T, tx: x === 0 ? 0 : f * T }
      const pa = bgnbdPAlive(P, c)
      const p1 = bgnbdProbPurchase(P, c, t)
      const p2 = bgnbdProbPurchase(P, c, t * 1.5)
      return pa >= 0 && pa <= 1 && bgnbdExpectedPurchases(P, c, t) >= -1e-9 && p1 >= 0 && p2 <= 1 && p2 >= p1 - 1e-12
    }))
  })
})

// Needs the BTYDplus grocery cohort from /work/shared/data (not shipped with the repo).
describe.skipIf(!hasGrocery)('bG/NBD on the grocery cohort (BTYDplus vignette)', () => {
  const { cbs } = hasGrocery ? loadGrocery() : { cbs: [] }
  it('lL at the published parameters ≈ −15,837', () => {
    expect(bgnbdLogLik(P, cbs)).toBeCloseTo(-15837, -1)
  })
  it('mLE and holdout totals reproduce the vignette', () => {
    const fit = fitBgnbd(cbs)
    expect(fit.params.r).toBeCloseTo(0.349, 2)
    expect(fit.params.alpha).toBeCloseTo(2.581, 1)
    expect(fit.params.a).toBeCloseTo(0.504, 2)
    expect(fit.params.b).toBeCloseTo(3.644, 1)
    expect(fit.logLik).toBeCloseTo(-15836.57, 1)
    const e = cbs.map(c => bgnbdExpectedPurchases(fit.params, c, 52))
    expect(e.reduce((s, v) => s + v, 0)).toBeCloseTo(3996, -1)
    expect(meanAbsoluteError(e, cbs.map(c => c.xStar))).toBeCloseTo(1.577, 2)
  })
})
