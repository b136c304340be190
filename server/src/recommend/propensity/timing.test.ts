import { describe, expect, it } from 'vitest'
import { Rng } from '../../lib/random.ts'
import { applyIsotonic, fitIsotonic } from './isotonic.ts'
import { backTestRows, fitTimingModel, probBuyWithin } from './timing.ts'

describe('timing model', () => {
  // Simulated base: 40 % of customers never come back; the rest buy as a Poisson process of 1/week.
  const rng = new Rng(3)
  const customers: number[][] = []
  for (let c = 0; c < 600; c++) {
    const days = [0]
    if (rng.chance(0.6)) {
      for (let t = Math.max(1, Math.round(-Math.log(1 - rng.next()) * 7)); t <= 200; t += Math.max(1, Math.round(-Math.log(1 - rng.next()) * 7)))
        days.push(t)
    }
    if (days.length === 1) {
      // Lapsed after a few purchases before day 60.
      for (let d = 5; d < 60; d += 10) days.push(d)
    }
    customers.push(days)
  }

  it('recovers the share still buying and gives horizon-exact probabilities', () => {
    const m = fitTimingModel(backTestRows(customers, 200, [50, 80, 110]))
    const regular = [0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189, 196]
    const lapsed = [5, 15, 25, 35, 45, 55]
    // A weekly buyer seen last 4 days ago: P(buy within 7 days) near 1 − e^{−1}, within 30 near 1.
    expect(probBuyWithin(m, [Math.log1p(4 / 7), Math.log1p(regular.length - 1), Math.log1p(200 / 7)], 7)).toBeGreaterThan(0.5)
    expect(probBuyWithin(m, [Math.log1p(4 / 7), Math.log1p(regular.length - 1), Math.log1p(200 / 7)], 30)).toBeGreaterThan(0.9)
    // Silent for 145 days: hardly any chance.
    expect(probBuyWithin(m, [Math.log1p(145 / 7), Math.log1p(lapsed.length - 1), Math.log1p(195 / 7)], 30)).toBeLessThan(0.1)
    // Longer horizons never lower the probability.
    const f = [Math.log1p(2), Math.log1p(3), Math.log1p(20)]
    expect(probBuyWithin(m, f, 30)).toBeGreaterThanOrEqual(probBuyWithin(m, f, 7))
  })

  it('reads nothing after the cut-off: later purchases do not change the rows', () => {
    const extended = customers.map(d => [...d, 250, 260])
    expect(backTestRows(extended, 200, [50])).toEqual(backTestRows(customers, 200, [50]))
  })
})

describe('isotonic re-calibration', () => {
  it('pools decreasing stretches into a monotone map', () => {
    const m = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [false, true, false, false, true, true])
    for (let i = 1; i < m.y.length; i++) expect(m.y[i]!).toBeGreaterThanOrEqual(m.y[i - 1]!)
    expect(applyIsotonic(m, 0)).toBe(0)
    expect(applyIsotonic(m, 1)).toBe(1)
    // 1, 0, 0 at 0.2–0.4 violate monotonicity and pool into one block: rate 1/3 centred at 0.3;
    // between block centres the map is linear (0.2 lies halfway from the 0.1 block's 0).
    expect(m.y).toEqual([0, 1 / 3, 1])
    expect(applyIsotonic(m, 0.3)).toBeCloseTo(1 / 3, 9)
    expect(applyIsotonic(m, 0.2)).toBeCloseTo(1 / 6, 9)
  })

  it('never maps to exactly 0 or 1 when blocks are pooled to a minimum size with a Jeffreys prior', () => {
    // 100 members: the top five all bought, the bottom five none; pure PAV gives 0 and 1 at the ends.
    const scores = Array.from({ length: 100 }, (_, i) => i / 100)
    const bought = scores.map((_, i) => i >= 95 || (i >= 5 && i % 3 === 0))
    expect(fitIsotonic(scores, bought).y.at(-1)).toBe(1)
    const m = fitIsotonic(scores, bought, { minBlockSize: 20, jeffreys: true })
    for (let i = 1; i < m.y.length; i++) expect(m.y[i]!).toBeGreaterThanOrEqual(m.y[i - 1]!)
    expect(Math.max(...m.y)).toBeLessThan(1)
    expect(Math.min(...m.y)).toBeGreaterThan(0)
    // Every block holds at least 20 members, so the top rate is at most (20 + ½) / 21.
    expect(m.y.at(-1)!).toBeLessThanOrEqual(20.5 / 21)
    // Pooling keeps the overall rate: members are not lost between blocks.
    expect(m.x.length).toBeLessThanOrEqual(5)
  })
})
