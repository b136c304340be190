import { describe, expect, it } from 'vitest'
import { nelderMead } from './optimize.ts'

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum', () => {
    const r = nelderMead(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2, [-1.2, 1])
    expect(r.x[0]).toBeCloseTo(1, 4)
    expect(r.x[1]).toBeCloseTo(1, 4)
  })
  it('handles a 4-d quadratic and non-finite regions', () => {
    const r = nelderMead(v => (v.some(x => x > 5) ? Number.NaN : v.reduce((s, x, i) => s + (x - i) ** 2, 0)), [0, 0, 0, 0])
    r.x.forEach((x, i) => expect(x).toBeCloseTo(i, 4))
  })
})
