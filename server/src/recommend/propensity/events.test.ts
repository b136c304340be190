import { describe, expect, it } from 'vitest'
import { auc, buildCbs, dayIndex, groupPurchaseDays, meanAbsoluteError } from './events.ts'

describe('buildCbs', () => {
  it('merges same-day purchases and measures weeks', () => {
    const days = groupPurchaseDays([
      { customerId: 'a', date: '2006-01-01' },
      { customerId: 'a', date: '2006-01-01' },
      { customerId: 'a', date: '2006-01-15' },
      { customerId: 'a', date: '2006-02-01' },
      { customerId: 'a', date: '2006-02-05' },
      { customerId: 'b', date: '2006-01-29' },
      { customerId: 'c', date: '2006-03-01' },
    ])
    const cbs = buildCbs(days, dayIndex('2006-01-29'), dayIndex('2006-02-28'))
    expect(cbs.map(c => c.customerId)).toEqual(['a', 'b']) // c starts after calibration
    const a = cbs[0]!
    expect(a).toMatchObject({ x: 1, tx: 2, T: 4, xStar: 2 })
    expect(cbs[1]).toMatchObject({ x: 0, tx: 0, T: 0, xStar: 0 })
  })
})

describe('auc / mae', () => {
  it('computes AUC with tied scores as half credit', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75)
    expect(auc([1, 1, 1, 1], [false, true, false, true])).toBeCloseTo(0.5)
    expect(auc([0, 1], [true, true])).toBeNaN()
  })
  it('computes MAE', () => {
    expect(meanAbsoluteError([1, 2, 3], [1, 0, 4])).toBeCloseTo(1)
  })
})
