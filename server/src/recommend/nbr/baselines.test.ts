import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadTafengDir } from '../eval/nbr-data.ts'
import { gpTopFreq, gTopFreq, itemsByFrequency, pTopFreq } from './baselines.ts'
import { averageMetrics, evaluateUsers } from './metrics.ts'

describe('frequency baselines', () => {
  it('p-TopFreq breaks count ties by first appearance', () => {
    expect(pTopFreq([[5, 3], [9, 3], [9, 7]])).toEqual([3, 9, 5, 7])
  })
  it('gP-TopFreq pads with global items not already listed', () => {
    const global = itemsByFrequency([[1, 2], [1, 3], [1, 2], [4]])
    expect(global).toEqual([1, 2, 3, 4])
    expect(gpTopFreq([[3], [3, 9]], global, 4)).toEqual([3, 9, 1, 2])
    expect(gTopFreq(global, 2)).toEqual([1, 2])
  })
})

const TAFENG = '/work/shared/data/tafeng-nbr'
// Needs the Reality-Check Ta-Feng files from /work/shared/data (not shipped with the repo).
describe.skipIf(!existsSync(`${TAFENG}/tafeng_keyset_4.json`))('baselines reproduce the Reality-Check table on Ta-Feng', () => {
  it('g / P / GP-TopFreq to 4 decimals', () => {
    const { data, keysets } = loadTafengDir(TAFENG)
    const global = itemsByFrequency([...data.history.values()].flat())
    const run = (rank: (h: number[][]) => number[]) => averageMetrics(keysets.map(ks => evaluateUsers(ks.test.map(u => ({
      history: data.history.get(u)!,
      target: data.target.get(u)!,
      ranked: rank(data.history.get(u)!),
    })))))
    const pick = (m: ReturnType<typeof run>) => [m['recall@10'], m['ndcg@10'], m['phr@10'], m['recall@20'], m['ndcg@20'], m['phr@20']].map(v => v.toFixed(4))
    expect(pick(run(() => gTopFreq(global)))).toEqual(['0.0813', '0.0861', '0.2504', '0.1071', '0.0954', '0.3287'])
    expect(pick(run(h => pTopFreq(h)))).toEqual(['0.1072', '0.0957', '0.3575', '0.1384', '0.1093', '0.4360'])
    expect(pick(run(h => gpTopFreq(h, global)))).toEqual(['0.1212', '0.1014', '0.3794', '0.1685', '0.1204', '0.4872'])
  })
})
