// The two evaluation modes differ only in whether target baskets reach the model.
import type { Keyset, NbrDataset } from './nbr-data.ts'
import { describe, expect, it } from 'vitest'
import { Rng } from '../../lib/random.ts'
import { evaluateNbr } from './nbr-eval.ts'

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
    expect(r.per_keyset).toEqual([expect.objectContaining({ 'recall@10': r.methods.ours['recall@10'], 'g-topfreq explore_recall@10': r.methods['g-topfreq']['explore_recall@10'] })])
  })
})
