// The two evaluation modes differ only in whether target baskets reach the model.
import type { Keyset, NbrDataset } from './nbr-data.ts'
import { describe, expect, it } from 'vitest'
import { Rng } from '../../lib/random.ts'
import { recommend } from '../nbr/model.ts'
import { evaluateNbr, fitKeysetModel, trainingSequences } from './nbr-eval.ts'

// 200 users who rebuy a few staples; on the target day everybody also buys item 99, which no
// history basket holds (a launch that only the future knows about).
function launchDay(): { data: NbrDataset, keyset: Keyset } {
  const rng = new Rng(13)
  const history = new Map<string, number[][]>()
  const target = new Map<string, number[]>()
  const users: string[] = []
  for (let u = 0; u < 200; u++) {
    const staples = [rng.int(0, 29), rng.int(0, 29), rng.int(0, 29)]
    history.set(`u${u}`, Array.from({ length: rng.int(3, 6) }, () => [...new Set([...staples.filter(() => rng.chance(0.7)), rng.int(0, 29)])]))
    target.set(`u${u}`, [99, staples[0]!])
    users.push(`u${u}`)
  }
  return { data: { history, target }, keyset: { train: users.slice(0, 144), val: users.slice(144, 160), test: users.slice(160) } }
}

describe('evaluateNbr modes', () => {
  const { data, keyset } = launchDay()

  it('protocol mode learns from other users\' target baskets (the time signal)', () => {
    const r = evaluateNbr(data, [keyset])
    expect(r.mode).toBe('protocol')
    // Item 99 is learnable only from train users' targets, and it is in every test target.
    expect(r.methods.ours['explore_recall@10']).toBeGreaterThan(0.9)
  })

  it('history-only mode never sees a target basket', () => {
    const r = evaluateNbr(data, [keyset], { mode: 'history-only' })
    expect(r.mode).toBe('history-only')
    expect(r.methods.ours['explore_recall@10']).toBe(0)
    expect(r.methods.ours['repeat_recall@10']).toBeGreaterThan(0.5)
    expect(r.tuned_weights).toHaveLength(1)
    expect(r.per_keyset).toEqual([expect.objectContaining({ 'recall@10': r.methods.ours['recall@10'], 'ndcg@10': r.methods.ours['ndcg@10'], 'recall@20': r.methods.ours['recall@20'], 'g-topfreq explore_recall@10': r.methods['g-topfreq']['explore_recall@10'] })])
  })
})

describe('fits per evaluation', () => {
  const { data, keyset } = launchDay()
  // A second split of the same users: test users of one are train users of the other.
  const other: Keyset = { train: [...keyset.test, ...keyset.train.slice(40)], val: keyset.val, test: keyset.train.slice(0, 40) }

  it('history-only fits once for all keysets: its training data is every history whatever the split', () => {
    const r = evaluateNbr(data, [keyset, other], { mode: 'history-only' })
    expect(r.fits).toBe(1)
    expect(r.tuned_weights[1]).toBe(r.tuned_weights[0])
    // The shared fit scores each keyset exactly as fitting it alone would.
    expect(r.per_keyset[1]).toEqual(evaluateNbr(data, [other], { mode: 'history-only' }).per_keyset[0])
  })

  it('protocol mode fits each keyset on its own train and validation users', () => {
    expect(evaluateNbr(data, [keyset, other]).fits).toBe(2)
  })
})

// The launch day again, and the 40 test users' histories also hold item 50, bought by nobody
// else: a live system knows those histories (only the future is unknown).
function launchDayWithTestOnlyItem(): { data: NbrDataset, keyset: Keyset } {
  const { data, keyset } = launchDay()
  keyset.test.forEach((u, n) => {
    // Three in four buy it in every basket; the others never do.
    if (n % 4 !== 0)
      data.history.set(u, data.history.get(u)!.map(b => [...b, 50]))
  })
  return { data, keyset }
}

describe('history-only mode learns from every user\'s history, test users included', () => {
  const { data, keyset } = launchDayWithTestOnlyItem()
  const everyone = [...data.history.keys()]
  const buyers = keyset.test.filter((_, n) => n % 4 !== 0)
  const nonBuyers = everyone.filter(u => !buyers.includes(u))

  it('trains on all 200 histories and on no target basket', () => {
    const sequences = trainingSequences(data, keyset, 'history-only')
    expect(sequences).toHaveLength(200)
    expect(sequences.flat(2)).toContain(50)
    expect(sequences.flat(2)).not.toContain(99)
  })

  it('an item only in test users\' targets is never recommended; one only in their histories is', () => {
    const { model } = fitKeysetModel(data, keyset, 'history-only')
    const recs = new Map(everyone.map(u => [u, recommend(model, data.history.get(u)!, 20).map(r => r.itemId)]))
    expect([...recs.values()].some(list => list.includes(99))).toBe(false)
    // Restock for the test users who buy it; learned from them for members who never have.
    expect(buyers.every(u => recs.get(u)!.includes(50))).toBe(true)
    expect(nonBuyers.some(u => recs.get(u)!.includes(50))).toBe(true)
  })

  it('protocol mode is unchanged: train and validation users\' full sequences, targets included', () => {
    const sequences = trainingSequences(data, keyset, 'protocol')
    expect(sequences).toHaveLength(160)
    expect(sequences.map(s => s.at(-1))).toEqual([...keyset.train, ...keyset.val].map(u => data.target.get(u)))
    expect(sequences.flat(2)).not.toContain(50)
  })
})
