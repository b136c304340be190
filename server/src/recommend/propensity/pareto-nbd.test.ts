import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { meanAbsoluteError } from './events.ts'
import { hasGrocery, loadGrocery } from './grocery-fixture.ts'
import { fitParetoNbd, paretoNbdExpectedPurchases, paretoNbdLogLik, paretoNbdLogLikCustomer, paretoNbdPAlive } from './pareto-nbd.ts'

const P = { r: 0.786, alpha: 5.679, s: 0.386, beta: 5.717 }

describe('pareto/NBD likelihood', () => {
  it('is continuous across the α ≥ β / α < β branches', () => {
    const c = { x: 4, tx: 20, T: 40 }
    const lo = paretoNbdLogLikCustomer({ ...P, alpha: 5.7 - 1e-7, beta: 5.7 }, c)
    const hi = paretoNbdLogLikCustomer({ ...P, alpha: 5.7 + 1e-7, beta: 5.7 }, c)
    expect(lo).toBeCloseTo(hi, 6)
  })
  it('α = β reduces to the hand-computable closed form', () => {
    // With α = β the ₂F₁ argument is 0, so L = Γ(r+x)α^rβ^s/Γ(r) · [ (α+T)^−(r+s+x) + s/(r+s+x) ((α+t_x)^−(r+s+x) − (α+T)^−(r+s+x)) ]
    const p = { r: 0.8, alpha: 4, s: 0.5, beta: 4 }
    const c = { x: 3, tx: 10, T: 30 }
    const A = p.r + p.s + c.x
    const lnPre = Math.log(0.8 * 1.8 * 2.8) /* Γ(r+3)/Γ(r) = r(r+1)(r+2) */ + p.r * Math.log(4) + p.s * Math.log(4)
    const L = Math.exp(lnPre) * ((4 + 30) ** -A + (p.s / A) * ((4 + 10) ** -A - (4 + 30) ** -A))
    expect(paretoNbdLogLikCustomer(p, c)).toBeCloseTo(Math.log(L), 10)
  })
  it('p(alive) ∈ [0,1] and E[X] increases with t', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 1, max: 80, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, T, f) => {
      const c = { x, T, tx: x === 0 ? 0 : f * T }
      const pa = paretoNbdPAlive(P, c)
      return pa >= 0 && pa <= 1 + 1e-12 && paretoNbdExpectedPurchases(P, c, 20) <= paretoNbdExpectedPurchases(P, c, 40) + 1e-12
    }))
  })
})

// Needs the BTYDplus grocery cohort from /work/shared/data (not shipped with the repo).
describe.skipIf(!hasGrocery)('pareto/NBD on the grocery cohort (BTYDplus vignette)', () => {
  const { cbs } = hasGrocery ? loadGrocery() : { cbs: [] }
  it('lL at the published parameters ≈ −15,782.39', () => {
    expect(paretoNbdLogLik(P, cbs)).toBeCloseTo(-15782.39, 1)
  })
  it('mLE and holdout totals reproduce the vignette', () => {
    const fit = fitParetoNbd(cbs)
    expect(fit.params.r).toBeCloseTo(0.786, 2)
    expect(fit.params.alpha).toBeCloseTo(5.679, 1)
    expect(fit.params.s).toBeCloseTo(0.386, 2)
    expect(fit.params.beta).toBeCloseTo(5.717, 1)
    const e = cbs.map(c => paretoNbdExpectedPurchases(fit.params, c, 52))
    expect(e.reduce((s, v) => s + v, 0)).toBeCloseTo(3991, -1)
    expect(meanAbsoluteError(e, cbs.map(c => c.xStar))).toBeCloseTo(1.508, 2)
  })
})
