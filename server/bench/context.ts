// Throughput and latency of the sidebar's one round trip (GET /api/members/context) on a big database,
// over loopback HTTP through the full Fastify stack (session lookup, rate limiting, helmet, serialisation),
// driven by autocannon in a separate process (load-generator.ts): every request carries its own guide's
// session cookie and asks for a different member. A bare JSON route on the same server, in the same run,
// shows what the framework and the loopback alone cost.
import type { Database, Dialect } from '../src/db/port.ts'
import type { TrainingConnection } from '../src/recommend/training-worker.ts'
import type { LoadPlan, LoadResult } from './load-generator.ts'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inArray, sql } from 'drizzle-orm'
import { connectDatabase, openDatabase } from '../src/db/client.ts'
import { memberRecommendations, members as membersTable } from '../src/db/schema.ts'
import { precomputeRecommendationsInWorkers } from '../src/recommend/precompute-worker.ts'
import { precomputeRecommendations } from '../src/recommend/precomputed.ts'
import { createRecommender } from '../src/recommend/scoring.ts'
import { copyDatabase } from '../testing/copy-database.ts'
import { buildBenchApp } from './bench-app.ts'

interface Pair { guide: string, contact: string }

export interface ContextBenchOptions {
  connections: number
  durationSeconds: number
  /** Business clock of the bench data (the precomputed lists are scored at it). */
  now: number
  /** Where the precompute's worker threads connect, and how many (0: on this thread, as PRECOMPUTE_THREADS). */
  precompute: { threads: number, connection: TrainingConnection }
  /** Mark this many stored lists (the lowest member ids) as not from the latest model first, so they are scored again. */
  rescore: number
  log: (line: string) => void
}

export interface ContextBenchResult {
  dialect: Dialect
  connections: number
  memberContext: { rps: number, p50Ms: number, p99Ms: number, non2xx: number, serverRssMb: number, requests: number, errors: number }
  bareRoute: { rps: number, p50Ms: number, p99Ms: number }
  /**
   * While precomputing: the CPU time of the whole process and of its main thread (the API's), its peak RSS
   * (worker threads included) and the longest time the main thread's event loop did not turn.
   */
  precompute: { scored: number, seconds: number, threads: number, cpuSeconds: number, mainThreadCpuSeconds: number, peakRssMb: number, longestStallMs: number }
}

/** CPU seconds (user + system) of this process's main thread so far, from Linux's /proc (0 elsewhere). */
function mainThreadCpuSeconds(): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  }
  catch {
    return 0
  }
}

/**
 * The PostgreSQL database at `databaseUrl` holding the bench data: migrated, and on first use filled with
 * a copy of the seeded SQLite bench database (with its model and any precomputed lists). A database that
 * holds other data is refused rather than mixed with it.
 */
export async function postgresBenchDatabase(databaseUrl: string, sqlitePath: string, members: number, log: (line: string) => void): Promise<Database> {
  const { port } = await connectDatabase({ databaseUrl, databasePath: '' })
  try {
    const present = Number((await port.db.all<[number]>(sql`select count(*) from ${membersTable}`))[0]?.[0] ?? 0)
    if (present === members)
      return port
    if (present !== 0)
      throw new Error(`--database-url holds ${present} members, not ${members}: give an empty database (it is filled with a copy of the SQLite bench database) or this one's --members`)
    log(`copying ${sqlitePath} into PostgreSQL …`)
    const started = performance.now()
    const sqlite = openDatabase(sqlitePath)
    try {
      const copied = await copyDatabase(sqlite.port, port)
      log(`  copied ${Object.values(copied).reduce((a, b) => a + b, 0).toLocaleString()} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    }
    finally {
      sqlite.close()
    }
    await port.db.run(sql`analyze`)
    return port
  }
  catch (error) {
    await port.close()
    throw error
  }
}

/** Distinct members, each with one guide who serves her, in random order (portable SQL: either dialect). */
async function samplePairs(database: Database, count: number): Promise<Pair[]> {
  const rows = await database.db.all<[string, string]>(sql`select f.guide_userid, m.external_userid
    from members m join follows f on f.member_id = m.id and f.status = 'active'
    where m.external_userid is not null
      and f.guide_userid = (select min(g.guide_userid) from follows g where g.member_id = m.id and g.status = 'active')
    order by random() limit ${count}`)
  return rows.map(([guide, contact]) => ({ guide, contact }))
}

const loadGenerator = join(dirname(fileURLToPath(import.meta.url)), 'load-generator.ts')

async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'scrm-bench-load-'))
  try {
    const file = join(dir, 'plan.json')
    writeFileSync(file, JSON.stringify(plan))
    const child = spawn(process.execPath, ['--import', 'tsx', loadGenerator, file], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    if (code !== 0)
      throw new Error(`load generator exited with ${code}`)
    return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult
  }
  finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `database`: the bench database, SQLite or PostgreSQL (the caller opens and closes it). */
export async function benchMemberContext(database: Database, options: ContextBenchOptions): Promise<ContextBenchResult> {
  // The sidebar reads precomputed lists: make sure the latest model's are there (resumable, so only the
  // first run after training pays for it, and whatever --rescore marks).
  if (options.rescore > 0) {
    const ids = (await database.db.select({ id: memberRecommendations.memberId }).from(memberRecommendations).orderBy(memberRecommendations.memberId).limit(options.rescore).all()).map(r => r.id)
    for (let i = 0; i < ids.length; i += 10_000)
      await database.db.update(memberRecommendations).set({ modelRunId: null }).where(inArray(memberRecommendations.memberId, ids.slice(i, i + 10_000)))
  }
  const { threads, connection } = options.precompute
  options.log(`precomputing recommendations (${threads ? `${threads} worker threads` : 'on the main thread'}; skips lists already scored with the latest model) …`)
  const precomputeStarted = performance.now()
  const cpuBefore = process.cpuUsage()
  const mainCpuBefore = mainThreadCpuSeconds()
  // Sampled every 20 ms on this thread: the RSS, and how long its event loop went without a turn.
  let peakRss = process.memoryUsage.rss()
  let lastTurn = performance.now()
  let longestStall = 0
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
    longestStall = Math.max(longestStall, performance.now() - lastTurn - 20)
    lastTurn = performance.now()
  }, 20)
  const run = {
    now: options.now,
    databaseClock: database.sql.nowMs,
    progress: async (p: { done: number, total: number }) => {
      if (p.done % 10_000 < 100)
        options.log(`  ${p.done}/${p.total}`)
    },
  }
  const recommender = createRecommender({ now: () => options.now, modelRecheckMs: 0 })
  const precomputed = await (threads > 0
    ? precomputeRecommendationsInWorkers(database.db, { ...run, threads, connection, settings: recommender.settings, clock: () => options.now })
    : precomputeRecommendations(database.db, recommender, run)
  ).finally(() => {
    clearInterval(sampler)
    longestStall = Math.max(longestStall, performance.now() - lastTurn - 20)
  })
  const precomputeSeconds = Math.round((performance.now() - precomputeStarted) / 100) / 10
  const cpu = process.cpuUsage(cpuBefore)
  const precompute = {
    scored: precomputed.scored,
    seconds: precomputeSeconds,
    threads,
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    mainThreadCpuSeconds: Math.round((mainThreadCpuSeconds() - mainCpuBefore) * 10) / 10,
    peakRssMb: Math.round(peakRss / 1e6),
    longestStallMs: Math.round(longestStall),
  }

  const app = await buildBenchApp(database)
  app.get('/bench/bare', async () => ({ ok: true, at: 0 }))
  await app.ready()

  // Sessions minted directly (the OAuth round trip is not what we measure), one per guide.
  const pairs = await samplePairs(database, 20_000)
  const cookies = new Map<string, string>()
  for (const pair of pairs) {
    if (!cookies.has(pair.guide))
      cookies.set(pair.guide, await app.sessions.cookieHeaderFor(pair.guide))
  }
  const requests = pairs.map(p => ({ path: `/api/members/context?externalUserId=${encodeURIComponent(p.contact)}`, cookie: cookies.get(p.guide)! }))

  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    options.log(`member context: ${options.connections} connections for ${options.durationSeconds} s, ${requests.length.toLocaleString()} members, ${cookies.size} guides …`)
    // Warm-up: caches, JIT, SQLite page cache.
    await runLoad({ url, connections: options.connections, durationSeconds: 2, requests })
    const context = await runLoad({ url, connections: options.connections, durationSeconds: options.durationSeconds, requests })
    const serverRssMb = Math.round(process.memoryUsage().rss / 1e6)
    options.log('bare route …')
    const bare = await runLoad({ url, connections: options.connections, durationSeconds: Math.min(options.durationSeconds, 10), requests: [{ path: '/bench/bare', cookie: '' }] })
    return {
      dialect: database.dialect,
      connections: options.connections,
      memberContext: { ...context, serverRssMb },
      bareRoute: { rps: bare.rps, p50Ms: bare.p50Ms, p99Ms: bare.p99Ms },
      precompute,
    }
  }
  finally {
    await app.close()
  }
}
