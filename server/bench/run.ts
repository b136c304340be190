// pnpm bench [--members 100000] [--seed 42] [--requests 2000]
// Prints each measurement as it completes and a JSON summary at the end (progress on stderr).
import { parseArgs } from 'node:util'
import { ensureBenchDatabase } from './bench-db.ts'
import { benchMemberContext } from './context.ts'

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    requests: { type: 'string', default: '2000' },
  },
})
const members = Number(values.members)
const seed = Number(values.seed)
const log = (line: string) => process.stderr.write(`${line}\n`)
const results: Record<string, unknown> = { members, seed }

const db = ensureBenchDatabase(members, seed, log)
if (db.seedSeconds !== null)
  results.seedSeconds = Math.round(db.seedSeconds * 10) / 10
console.log(`database: ${db.path}${db.seedSeconds !== null ? ` (generated and seeded in ${db.seedSeconds.toFixed(1)} s)` : ' (cached)'}`)

const context = await benchMemberContext(db.path, { requests: Number(values.requests) })
results.memberContext = context
console.log(`member context, in-process: p50 ${context.inject.p50} ms, p95 ${context.inject.p95} ms, p99 ${context.inject.p99} ms (n=${context.inject.n})`)
console.log(`member context, loopback HTTP: p50 ${context.http.p50} ms, p99 ${context.http.p99} ms (n=${context.http.n}); RSS ${context.rssMb} MB`)

console.log(JSON.stringify(results))
