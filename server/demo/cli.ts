import type { SeedProgress } from './seed.ts'
// pnpm --filter @scrm/server generate --members N --seed S (--db PATH [--reset] | --database-url postgres://…) [--chunk-size C] [--send-history]
// Generates the demo world (streaming, bounded memory) and seeds it into a SQLite file (or, with
// --database-url, an empty migrated PostgreSQL database through the port), with a progress bar on
// stderr and a one-line summary on stdout.
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { connectDatabase, openDatabase } from '../src/db/client.ts'
import { generateDemoDataStream } from './generator.ts'
import { seedDatabase, seedThroughPort } from './seed.ts'

const USAGE = 'usage: generate [--members 3000] [--seed 42] [--db data/demo.db] [--reset] [--database-url postgres://…] [--chunk-size 2000] [--send-history]'

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined)
    return fallback
  const n = Number(value.replace(/_/g, ''))
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${value}\n${USAGE}`)
  return n
}

function fileSize(path: string): number {
  let total = 0
  for (const p of [path, `${path}-wal`]) {
    if (existsSync(p))
      total += statSync(p).size
  }
  return total
}

function human(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'members': { type: 'string' },
      'seed': { type: 'string' },
      'db': { type: 'string' },
      'database-url': { type: 'string' },
      'reset': { type: 'boolean', default: false },
      'chunk-size': { type: 'string' },
      'send-history': { type: 'boolean', default: false },
      'help': { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const members = positiveInt('members', values.members, 3000)
  const seed = positiveInt('seed', values.seed, 42)
  const chunkSize = Math.max(1, positiveInt('chunk-size', values['chunk-size'], 2000))
  // pnpm --filter runs in server/; resolve a relative --db against where the command was typed.
  const base = process.env.INIT_CWD ?? process.cwd()
  const rawPath = values.db ?? 'data/demo.db'
  const path = isAbsolute(rawPath) ? rawPath : resolve(base, rawPath)

  const started = performance.now()
  const databaseUrl = values['database-url']
  if (databaseUrl && values.reset)
    throw new Error(`--reset applies to SQLite files; recreate the PostgreSQL database instead\n${USAGE}`)
  const opened = databaseUrl ? null : openDatabase(path)
  const port = databaseUrl ? (await connectDatabase({ databaseUrl, databasePath: '' })).port : null
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'seeding |{bar}| {percentage}% | {value}/{total} members | {rows} rows | {phase} | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 50,
    // Still report (every 5 s) when stderr is a log file rather than a terminal.
    noTTYOutput: true,
    notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic)
  bar.start(members, 0, { rows: 0, phase: 'catalog' })
  try {
    const stream = generateDemoDataStream({ seed, members, chunkSize, sendHistory: values['send-history'] })
    const onProgress = (p: SeedProgress) => bar.update(p.membersDone, { rows: p.rows.toLocaleString('en-US'), phase: p.phase })
    const counts = port
      ? await seedThroughPort(port, stream, { totalMembers: members, onProgress })
      : seedDatabase(opened!.db, stream, { reset: values.reset, totalMembers: members, bulk: true, onProgress })
    bar.stop()
    opened?.close()
    await port?.close()
    const seconds = (performance.now() - started) / 1000
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    console.log(
      `seeded ${databaseUrl ? 'PostgreSQL' : path}: ${counts.members} members, ${counts.follows} follows, ${counts.orders} orders, ${counts.orderLines} order lines, `
      + `${counts.products} SKUs, ${counts.followTags} follow tags, ${counts.sends} sends (${total} rows) in ${seconds.toFixed(1)} s${databaseUrl ? '' : `, DB ${human(fileSize(path))}`}`,
    )
  }
  catch (err) {
    bar.stop()
    opened?.close()
    await port?.close()
    throw err
  }
}

try {
  await main()
}
catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
}
