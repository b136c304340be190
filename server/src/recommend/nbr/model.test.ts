import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Rng } from '../../lib/random.ts'
import { buildPostings, recommend, repeatPropensities, sourceScores, tifuVector, trainNbrModel, withRepeatPower } from './model.ts'
import { chooseGridPoint, tuneBlendWeights } from './tune.ts'

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
  it('learns whether her own items weigh by repeat propensity', () => {
    // Every member rebuys 99; items 1-15 are never bought twice by anyone. A validation member
    // holds all 16 equally and buys 99 next: only weighted by the propensity does it reach her
    // top 10 (plain, the ids 1-10 come first).
    const shop = Array.from({ length: 30 }, (_, u) => [[99, 1 + (u % 15)], [99], [99, 1 + ((u + 7) % 15)]])
    const m = trainNbrModel(shop)
    const her = [[...Array.from({ length: 15 }, (_, i) => i + 1), 99]]
    const cases = Array.from({ length: 5 }, () => ({ history: her, target: [99] }))
    const grid = { neighbours: [0], complement: [0], popular: [0], exploreSlots: [0] }
    expect(tuneBlendWeights(m, cases, [], { ...grid, repeatPower: [0, 1] }).weights.repeatPower).toBe(1)
    expect(tuneBlendWeights(m, cases, [], { ...grid, repeatPower: [0] }).recall).toBe(0.5)
    expect(tuneBlendWeights(m, cases, [], { ...grid, repeatPower: [1] }).recall).toBe(1)
  })
})

describe('repeat propensity', () => {
  it('is the share of chances to rebuy taken, shrunk to the mean share by 20 pseudo-chances', () => {
    // Item 1: first in basket 0 of 3, bought again twice (2 chances); item 2: 2 + 1 chances, none
    // taken; item 3: never had a chance. Mean share: 2 taken of 5 chances.
    const p = repeatPropensities([[[1, 2], [1], [1, 3]], [[2], [3]]], 4)
    const mean = 2 / 5
    expect(p[1]).toBeCloseTo((2 + 20 * mean) / (2 + 20) / mean, 12)
    expect(p[2]).toBeCloseTo((0 + 20 * mean) / (3 + 20) / mean, 12)
    expect(p[3]).toBeCloseTo(1, 12)
    expect(p[0]).toBeCloseTo(1, 12)
  })

  it('is 1 everywhere when nobody bought anything twice', () => {
    expect([...repeatPropensities([[[1, 2], [3]], [[2]]], 4)]).toEqual([1, 1, 1, 1])
  })

  it('ranks the item members rebuy above the one they buy once, in equal measure in her history', () => {
    // Item 9 (say, milk) is rebought in every basket; item 6 (say, a kettle) never. Without the
    // propensity the two tie in her history and the lower id, 6, would come first.
    const shop = Array.from({ length: 30 }, (_, u) => [[9, 6], [9], [9, 20 + (u % 3)]])
    const weights = { personal: 1, neighbours: 0, complement: 0, popular: 0, novelty: 0 }
    const model = trainNbrModel(shop, { weights: { ...weights, repeatPower: 1 } })
    expect(model.repeatPropensity[9]).toBeGreaterThan(1)
    expect(model.repeatPropensity[6]).toBeLessThan(1)
    const plain = sourceScores(model, [[6, 9]])
    const s = withRepeatPower(plain, 1)
    const at = (item: number): number => s.personal[s.items.indexOf(item)]!
    expect(at(9)).toBe(1)
    expect(at(6)).toBeCloseTo(model.repeatPropensity[6]! / model.repeatPropensity[9]!, 12)
    expect(withRepeatPower(plain, 0)).toBe(plain)
    expect(recommend(model, [[6, 9]], 2).map(r => r.itemId)).toEqual([9, 6])
    // Power 0 (as the fit may choose) leaves the tie to the ids.
    expect(recommend(model, [[6, 9]], 2, { weights: { ...weights, repeatPower: 0 } }).map(r => r.itemId)).toEqual([6, 9])
  })
})

describe('chooseGridPoint', () => {
  const point = (objective: number, exploreRecall: number, storeWideExploreRecall = 0.05) => ({
    weights: { personal: 1, neighbours: objective, complement: 0, popular: 0, novelty: 0 },
    objective,
    recall: objective,
    exploreRecall,
    storeWideExploreRecall,
  })

  it('takes the best objective among the points finding new items as well as the store-wide list', () => {
    const chosen = chooseGridPoint([point(0.17, 0.04), point(0.16, 0.05), point(0.15, 0.06), point(0.165, 0.049)])
    expect(chosen?.objective).toBe(0.16)
  })

  it('takes the best objective overall when no point reaches the store-wide list', () => {
    expect(chooseGridPoint([point(0.15, 0.01), point(0.17, 0.02), point(0.16, 0.03)])?.objective).toBe(0.17)
    expect(chooseGridPoint([])).toBeUndefined()
  })

  it('keeps the earlier of two equal points', () => {
    const first = point(0.16, 0.06)
    expect(chooseGridPoint([first, point(0.16, 0.07)])).toBe(first)
  })
})

describe('posting cap', () => {
  it('keeps the first sole buyers and the strongest other members of a long list, in member order', () => {
    const vec = (ids: number[], vals: number[]) => ({ ids: Int32Array.from(ids), vals: Float64Array.from(vals) })
    const userVecs = [vec([0], [1]), vec([0, 1], [0.6, 0.8]), vec([0, 1], [0.8, 0.6]), vec([0], [1]), vec([0, 2], [0.9, 0.43]), vec([0, 1], [0.3, 0.95])]
    const p = buildPostings(userVecs, 3, { cap: 3, neighbours: 1 })
    expect([...p.postingUsers[0]!]).toEqual([0, 2, 4])
    expect([...p.postingVals[0]!]).toEqual([1, 0.8, 0.9])
    expect([...p.postingUsers[1]!]).toEqual([1, 2, 5])
    expect([...p.postingCapped]).toEqual([1, 0, 0])
    expect([...buildPostings(userVecs, 3).postingUsers[0]!]).toEqual([0, 1, 2, 3, 4, 5])
  })

  // Many members over a few items, so that the lists are long next to a small cap.
  const rng = new Rng(3)
  const crowd = Array.from({ length: 400 }, () => Array.from({ length: rng.int(1, 4) }, () => Array.from({ length: rng.int(1, 3) }, () => rng.int(0, 11))))
  const queries = Array.from({ length: 50 }, () => Array.from({ length: rng.int(1, 5) }, () => Array.from({ length: rng.int(1, 4) }, () => rng.int(0, 11))))

  it('changes nothing while every list fits the cap', () => {
    const exact = trainNbrModel(crowd, { postingCap: Infinity, neighbours: 20 })
    const fits = trainNbrModel(crowd, { postingCap: 400, neighbours: 20 })
    expect(fits.postingCapped.every(c => c === 0)).toBe(true)
    for (const h of queries) expect(recommend(fits, h, 20)).toEqual(recommend(exact, h, 20))
  })

  it('finds the exact neighbours of a one-item history through a capped list', () => {
    const exact = trainNbrModel(crowd, { postingCap: Infinity, neighbours: 5 })
    const capped = trainNbrModel(crowd, { postingCap: 12, neighbours: 5 })
    expect(capped.postingCapped.every(c => c === 1)).toBe(true)
    for (let item = 0; item < 12; item++) expect(sourceScores(capped, [[item]])).toEqual(sourceScores(exact, [[item]]))
  })

  it('still ranks a longer history from the capped lists', () => {
    const capped = trainNbrModel(crowd, { postingCap: 12, neighbours: 5 })
    for (const h of queries) {
      const r = recommend(capped, h, 10)
      expect(r.length).toBe(10)
      expect(r.some(x => x.sources.neighbours > 0)).toBe(true)
    }
  })
})
