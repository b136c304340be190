// pnpm --filter @scrm/server exec tsx src/recommend/eval/nbr-complements.ts --tafeng DIR [--keyset N]
// Do "bought together" pairs beat chance out of sample? Pairs are counted on the keyset's train
// users' history baskets and grouped by support (baskets holding both) and lift; for each group
// the held-out lift is measured on the test users' baskets (history and target): observed
// co-occurrences / those expected if the two items were bought independently. The complement
// floor in nbr/model.ts (support ≥ 3, lift ≥ 2) is chosen from this table.

import { parseArgs } from 'node:util'
import { CliError, runCli, userPath } from './cli-support.ts'
import { loadTafengDir } from './nbr-data.ts'

const { values } = parseArgs({ options: { tafeng: { type: 'string' }, keyset: { type: 'string', default: '0' } } })

interface Counts { baskets: number, items: Map<number, number>, pairs: Map<number, number> }

const KEY = 1 << 16

function count(baskets: Iterable<readonly number[]>, withPairs: boolean): Counts {
  const c: Counts = { baskets: 0, items: new Map(), pairs: new Map() }
  for (const b of baskets) {
    const items = [...new Set(b)].sort((x, y) => x - y)
    c.baskets++
    for (const i of items) c.items.set(i, (c.items.get(i) ?? 0) + 1)
    if (!withPairs)
      continue
    for (let x = 0; x < items.length; x++) {
      for (let y = x + 1; y < items.length; y++) {
        const k = items[x]! * KEY + items[y]!
        c.pairs.set(k, (c.pairs.get(k) ?? 0) + 1)
      }
    }
  }
  return c
}

runCli(() => {
  if (!values.tafeng)
    throw new CliError('usage: nbr-complements --tafeng DIR [--keyset N]')
  const { data, keysets } = loadTafengDir(userPath(values.tafeng))
  const ks = keysets[Number(values.keyset)]
  if (!ks)
    throw new CliError(`no keyset ${values.keyset}`)
  const train = count(ks.train.flatMap(u => data.history.get(u) ?? []), true)
  const heldOutBaskets = ks.test.flatMap(u => [...(data.history.get(u) ?? []), ...(data.target.has(u) ? [data.target.get(u)!] : [])])
  const held = count(heldOutBaskets, false)
  // Held-out co-occurrence only for the pairs seen in training (a set per item keeps this linear).
  const heldPairs = new Map<number, number>()
  for (const b of heldOutBaskets) {
    const items = [...new Set(b)].sort((x, y) => x - y)
    for (let x = 0; x < items.length; x++) {
      for (let y = x + 1; y < items.length; y++) {
        const k = items[x]! * KEY + items[y]!
        if (train.pairs.has(k))
          heldPairs.set(k, (heldPairs.get(k) ?? 0) + 1)
      }
    }
  }
  const groups = new Map<string, { pairs: number, observed: number, expected: number }>()
  for (const [k, together] of train.pairs) {
    if (together < 2)
      continue
    const i = Math.floor(k / KEY)
    const j = k % KEY
    const lift = together * train.baskets / (train.items.get(i)! * train.items.get(j)!)
    const support = together >= 5 ? '5+' : together >= 3 ? '3-4' : '2'
    const liftBand = lift >= 2 ? 'lift>=2' : 'lift<2'
    const key = `support ${support}, ${liftBand}`
    const g = groups.get(key) ?? { pairs: 0, observed: 0, expected: 0 }
    g.pairs++
    g.observed += heldPairs.get(k) ?? 0
    g.expected += (held.items.get(i) ?? 0) * (held.items.get(j) ?? 0) / held.baskets
    groups.set(key, g)
  }
  const table = Object.fromEntries([...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, g]) => [k, { pairs: g.pairs, heldOutLift: g.expected > 0 ? Math.round(g.observed / g.expected * 100) / 100 : null }]))
  process.stdout.write(`${JSON.stringify({ keyset: Number(values.keyset), trainBaskets: train.baskets, heldOutBaskets: held.baskets, groups: table })}\n`)
})
