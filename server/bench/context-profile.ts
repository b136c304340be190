// In-process load on the member context through the whole Fastify stack (inject: hooks, handler,
// serialisation; no socket), for `node --cpu-prof` and for per-request counts: statements run and bytes
// sent. `tsx bench/context-profile.ts [--members 100000] [--seed 42] [--requests 20000]`
import type { Database as BetterSqlite } from 'better-sqlite3'
import { parseArgs } from 'node:util'
import { openDatabase } from '../src/db/client.ts'
import { buildBenchApp } from './bench-app.ts'
import { benchDatabasePath } from './bench-db.ts'

const { values } = parseArgs({ options: { members: { type: 'string', default: '100000' }, seed: { type: 'string', default: '42' }, requests: { type: 'string', default: '20000' } } })
const database = openDatabase(benchDatabasePath(Number(values.members), Number(values.seed)))
const statementsRun = countStatements(database.sqlite)
const app = await buildBenchApp(database.port)
await app.ready()
// The same pairs on every run (a fixed shuffle), so runs before and after a change compare.
const pairs = database.sqlite.prepare(`select f.guide_userid as guide, m.external_userid as contact from members m join follows f on f.member_id = m.id and f.status = 'active'
  where m.external_userid is not null order by (m.id * 7919) % 100003, f.guide_userid limit 5000`).all() as { guide: string, contact: string }[]
const cookies = new Map<string, string>()
for (const p of pairs) {
  if (!cookies.has(p.guide))
    cookies.set(p.guide, await app.sessions.cookieHeaderFor(p.guide))
}
const total = Number(values.requests)
let bytes = 0
let non200 = 0
const before = statementsRun()
const cpuBefore = process.cpuUsage()
const started = performance.now()
for (let i = 0; i < total; i++) {
  const p = pairs[i % pairs.length]!
  const res = await app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${encodeURIComponent(p.contact)}`, headers: { cookie: cookies.get(p.guide)! } })
  bytes += res.rawPayload.length
  if (res.statusCode !== 200)
    non200++
}
const ms = performance.now() - started
// CPU time (user + system) of this process: on a shared machine it moves far less than wall time.
const cpu = process.cpuUsage(cpuBefore)
const cpuMs = (cpu.user + cpu.system) / 1000
process.stdout.write(`${JSON.stringify({ requests: total, non200, msPerRequest: +(ms / total).toFixed(3), cpuMsPerRequest: +(cpuMs / total).toFixed(3), statementsPerRequest: +((statementsRun() - before) / total).toFixed(2), bytesPerResponse: Math.round(bytes / total) })}\n`)
await app.close()
database.close()

/** Counts statements executed on the connection (wraps each prepared statement's run/get/all). */
function countStatements(sqlite: BetterSqlite): () => number {
  let n = 0
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((text: string) => {
    const statement = prepare(text)
    for (const method of ['run', 'get', 'all'] as const) {
      const original = statement[method].bind(statement) as (...args: unknown[]) => unknown
      ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        n++
        return original(...args)
      }
    }
    return statement
  }) as typeof sqlite.prepare
  return () => n
}
