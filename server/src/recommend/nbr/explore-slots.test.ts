import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { interleaveSides, slottedNewScores } from './explore-slots.ts'
import { recommend, trainNbrModel } from './model.ts'
import { tuneBlendWeights } from './tune.ts'

const desc = (v: number[]): number[] => [...new Set(v)].sort((a, b) => b - a)

describe('slottedNewScores', () => {
  it('sorts the two sides into the interleaved order with the asked slots per ten places', () => {
    // Whole-number blends: distinct repeat scores are far enough apart for a score between them.
    const scores = fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 30 })
    fc.assert(fc.property(scores, scores, fc.integer({ min: 0, max: 10 }), (r, n, slots) => {
      const repeat = desc(r)
      const fresh = desc(n)
      const slotted = slottedNewScores(repeat, fresh, slots)
      const merged = [...repeat.map(s => ({ s, isNew: false })), ...slotted.map(s => ({ s, isNew: true }))].sort((a, b) => b.s - a.s)
      const sides = interleaveSides(repeat.length, fresh.length, slots)
      return slotted.every(s => s > 0 && Number.isFinite(s)) && merged.every((x, p) => x.isNew === sides[p])
    }))
  })

  it('keeps a long tail of new items at their own blend ratios, never shrinking it towards 0', () => {
    // One repeat item (place 1), 300 new ones after it (the demo's reasons test showed all-zero
    // contributions when the tail halved per place).
    const fresh = Array.from({ length: 300 }, (_, i) => 1 - i / 600)
    const slotted = slottedNewScores([1], fresh, 3)
    expect(slotted).toHaveLength(300)
    expect(slotted[0]).toBeCloseTo(0.5)
    expect(slotted.at(-1)).toBeCloseTo(0.5 * fresh.at(-1)! / fresh[0]!)
  })

  it('gives new items their share of every ten places, the rest when one side runs out', () => {
    expect(interleaveSides(20, 20, 3, 10).filter(Boolean)).toHaveLength(3)
    expect(interleaveSides(20, 20, 3, 20).filter(Boolean)).toHaveLength(6)
    expect(interleaveSides(20, 1, 3, 10).filter(Boolean)).toHaveLength(1)
    expect(interleaveSides(2, 20, 3, 10).filter(Boolean)).toHaveLength(8)
    expect(interleaveSides(5, 5, 0)).toEqual([false, false, false, false, false, true, true, true, true, true])
  })
})

// A member who buys twelve staples; the other members buy the same staples plus items 100-105.
const staples = Array.from({ length: 12 }, (_, i) => i)
const others = Array.from({ length: 40 }, (_, u) => [staples, [...staples, 100 + (u % 6)], [...staples, 100 + ((u + 1) % 6), 100 + ((u + 2) % 6)]])
const model = trainNbrModel(others, { neighbours: 10 })
const her = [staples, staples, staples]

describe('explore slots in the ranking', () => {
  it('gives new items exactly their slots, where a boost of the same size of list gives none', () => {
    const weights = { personal: 1, neighbours: 1, complement: 0, popular: 0, novelty: 0 }
    const isNew = (i: number): boolean => i >= 100
    expect(recommend(model, her, 10, { weights }).filter(r => isNew(r.itemId))).toHaveLength(0)
    const slotted = recommend(model, her, 10, { weights: { ...weights, exploreSlots: 3 } })
    expect(slotted.filter(r => isNew(r.itemId))).toHaveLength(3)
    // Contributions still add up to the score shown.
    for (const r of slotted) expect(r.sources.personal + r.sources.neighbours + r.sources.complement + r.sources.popular).toBeCloseTo(r.score)
  })

  it('the weight search learns slots when her next basket holds new items, none when it repeats', () => {
    const explorer = tuneBlendWeights(model, [{ history: her, target: [0, 100, 101, 102, 103] }], [])
    expect(explorer.weights.exploreSlots).toBeGreaterThanOrEqual(4)
    const repeater = tuneBlendWeights(model, [{ history: her, target: staples }], [])
    expect(repeater.weights.exploreSlots).toBe(0)
  })
})
