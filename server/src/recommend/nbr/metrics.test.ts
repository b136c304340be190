import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluateUsers, hitAtK, ndcgAtK, paperNdcgAtK, recallAtK, repeatRatioAtK } from './metrics.ts'

describe('nbr metrics', () => {
  it('recall, hit, NDCG on a tiny case', () => {
    const target = [1, 2, 3]
    const ranked = [9, 1, 8, 3]
    expect(recallAtK(target, ranked, 2)).toBeCloseTo(1 / 3)
    expect(recallAtK(target, ranked, 4)).toBeCloseTo(2 / 3)
    expect(hitAtK(target, ranked, 1)).toBe(0)
    expect(hitAtK(target, ranked, 2)).toBe(1)
    const idcg3 = 1 + 1 / Math.log2(3) + 1 / Math.log2(4)
    expect(paperNdcgAtK(target, ranked, 4)).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / idcg3)
  })
  it('paper NDCG sums IDCG over all target items when |target| > k', () => {
    const target = [1, 2, 3, 4]
    const ranked = [1, 2]
    const idcgAll = [0, 1, 2, 3].reduce((s, i) => s + 1 / Math.log2(i + 2), 0)
    expect(paperNdcgAtK(target, ranked, 2)).toBeCloseTo((1 + 1 / Math.log2(3)) / idcgAll)
    expect(ndcgAtK(target, ranked, 2)).toBeCloseTo(1) // textbook value is perfect
  })
  it('repeat ratio divides by k', () => {
    expect(repeatRatioAtK(new Set([1, 2]), [1, 5], 10)).toBeCloseTo(0.1)
  })
  it('repeat / explore recall skip users without such items', () => {
    const m = evaluateUsers([
      { history: [[1, 2]], target: [1, 7], ranked: [1, 7] },
      { history: [[3]], target: [8], ranked: [3] },
    ])
    expect(m['repeat_recall@10']).toBeCloseTo(1) // only the first user has a repeat target
    expect(m['explore_recall@10']).toBeCloseTo(0.5)
    expect(m['recall@10']).toBeCloseTo(0.5)
  })
  it('recall and NDCG lie in [0,1]', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1 }), fc.uniqueArray(fc.integer({ min: 0, max: 30 })), fc.integer({ min: 1, max: 25 }), (t, r, k) => {
      const rec = recallAtK(t, r, k)
      const nd = paperNdcgAtK(t, r, k)
      return rec >= 0 && rec <= 1 && nd >= 0 && nd <= 1 + 1e-12
    }))
  })
})
