// The targets of the matching issue, on what ships: history-only mode (no target basket of anyone
// in training), fitted by the product's procedure, five Ta-Feng keysets.
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadTafengDir } from './nbr-data.ts'
import { evaluateNbr } from './nbr-eval.ts'

const TAFENG = '/work/shared/data/tafeng-nbr'

// Needs the Reality-Check Ta-Feng files from /work/shared/data (not shipped with the repo).
describe.skipIf(!existsSync(`${TAFENG}/tafeng_keyset_4.json`))('history-only next-basket recommendation on Ta-Feng', () => {
  it('reaches R@10 0.15, beats GP-TopFreq on every keyset and finds more new items than the store-wide list', () => {
    const { data, keysets } = loadTafengDir(TAFENG)
    const r = evaluateNbr(data, keysets, { mode: 'history-only' })
    expect(r.methods.ours['recall@10']).toBeGreaterThanOrEqual(0.15)
    for (const k of r.per_keyset) expect(k['recall@10']).toBeGreaterThan(k['gp-topfreq recall@10'])
    expect(r.methods.ours['explore_recall@10']).toBeGreaterThan(r.methods['g-topfreq']['explore_recall@10'])
  }, 300_000)
})
