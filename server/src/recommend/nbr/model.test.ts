import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { recommend, tifuVector, trainNbrModel } from './model.ts'
import { tuneBlendWeights } from './tune.ts'

// Small synthetic shop: coffee buyers (1,2,3) and baby shoppers (10,11,12); 1 & 2 go together.
const histories = [
  [[1, 2], [1, 2, 3], [1, 2]],
  [[1, 2], [2, 3], [1, 2, 3]],
  [[10, 11], [10, 12], [10, 11, 12]],
  [[10, 11], [11, 12], [10, 11]],
  [[1, 2, 10], [1, 3]],
]

describe('tifuVector', () => {
  it('weights recent baskets more and respects group decay', () => {
    const v = tifuVector([[1], [2]], { groupCount: 7, withinDecay: 0.9, groupDecay: 0.7 })
    expect(v.get(2)!).toBeGreaterThan(v.get(1)!)
    expect(tifuVector([], { groupCount: 7, withinDecay: 0.9, groupDecay: 0.7 }).size).toBe(0)
  })
})

describe('recommend', () => {
  const model = trainNbrModel(histories, { neighbours: 2 })
  it('ranks own items first and explains the sources', () => {
    const r = recommend(model, [[1], [1, 3]], 5)
    expect(r[0]!.itemId).toBe(1)
    for (const x of r) expect(x.sources.personal + x.sources.neighbours + x.sources.complement + x.sources.popular).toBeCloseTo(x.score)
    expect(r.map(x => x.itemId)).toContain(2) // neighbours buy 2 with 1
  })
  it('works with a single basket and with an empty history (popular fallback)', () => {
    expect(recommend(model, [[10]], 3).length).toBe(3)
    const cold = recommend(model, [], 3)
    expect(cold.length).toBe(3)
    expect(cold.every(x => x.sources.popular > 0)).toBe(true)
  })
  it('returns nothing when everything is excluded', () => {
    expect(recommend(model, [[1]], 5, { exclude: [1, 2, 3, 10, 11, 12] })).toEqual([])
  })
  it('ignores unknown item ids and never returns excluded or duplicate items', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }), { maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 12 })), (h, ex) => {
      const r = recommend(model, h, 10, { exclude: ex })
      const ids = r.map(x => x.itemId)
      return new Set(ids).size === ids.length && ids.every(i => !ex.includes(i)) && r.length <= 10
    }))
  })
  it('tunes blend weights on validation cases', () => {
    const best = tuneBlendWeights(model, [{ history: [[1], [1]], target: [1, 2] }], [10, 11])
    expect(best.objective).toBeGreaterThan(0)
  })
})
