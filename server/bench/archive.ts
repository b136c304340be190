import type { ArchiveSource } from '../src/archive/source.ts'
import type { Database } from '../src/db/port.ts'
// `pnpm bench --only archive --messages N [--database-url postgres://…]`: N realistic Chinese chat messages
// between 50 guides of 10 stores and their customers, encrypted by the emulator's archive (RSA per message
// key + the stand-in symmetric layer), ingested by the real pull code (decrypt, dedupe, index, conversations,
// rules, checkpoint), then searched: 2-, 3- and 4-character words, common and rare, and a guide-and-month filter.
// The emulator is called in process (its ArchiveSource methods without HTTP) so the numbers are ours, not loopback's.
import type { Session } from '../src/plugins/session.ts'
import { mkdirSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { generateChat } from '../emulator/archive-chat.ts'
import { EmulatorArchive, generateArchiveKeyPair } from '../emulator/archive.ts'
import { standInDecrypt } from '../src/archive/emulator-source.ts'
import { pullUntilCaughtUp } from '../src/archive/ingest.ts'
import { createArchiveKeyring } from '../src/archive/keys.ts'
import { searchArchive } from '../src/archive/service.ts'
import { ArchiveSourceError } from '../src/archive/source.ts'
import { connectDatabase } from '../src/db/client.ts'
import { staff, stores } from '../src/db/schema.ts'
import { summarise } from './stats.ts'

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')
const ROUND = 50_000
const STORES = 10
const GUIDES_PER_STORE = 5
const CUSTOMERS_PER_GUIDE = 400
const SEARCH_REPEATS = 15
const ARCHIVE_TABLES = ['archive_alerts', 'archive_rules', 'archive_terms', 'archive_messages', 'archive_conversations', 'archive_rejects', 'archive_agreements', 'archive_checkpoints', 'archive_media']

export interface ArchiveBenchResult {
  messages: number
  messagesPerKey: number
  /** Worker threads opening RSA keys (ARCHIVE_RSA_THREADS; the server's default is the core count). */
  rsaThreads: number
  ingestPerSecond: number
  /**
   * Messages per second of this process's CPU time: on a shared, loaded machine wall time mostly measures
   * the queue for a core. On PostgreSQL the server's own CPU is not included.
   */
  ingestPerCpuSecond: number
  searchP50Ms: number
  searchP95Ms: number
  dialect: string
  queries: { q: string, filter: string, p50Ms: number, p95Ms: number, hits: number }[]
}

function inProcessSource(archive: EmulatorArchive): ArchiveSource {
  return {
    async getChatData(seq, limit) {
      const reply = archive.getChatData({ seq, limit }) as { errcode: number, errmsg: string, chatdata: [] }
      if (reply.errcode !== 0)
        throw new ArchiveSourceError(reply.errcode, reply.errmsg)
      return reply.chatdata
    },
    decryptData: async (randomKey, message) => standInDecrypt(randomKey, message),
    async getMediaData() {
      throw new ArchiveSourceError(10005, 'the bench has no media')
    },
    async checkSingleAgree(pairs) {
      return pairs.map(pair => ({ ...pair, status: 'Default_Agree' as const }))
    },
  }
}

async function seedPeople(database: Database): Promise<string[]> {
  const guides: string[] = []
  for (let s = 0; s < STORES; s++) {
    const storeId = `B${String(s).padStart(2, '0')}`
    await database.db.insert(stores).values({ id: storeId, name: `门店${s}`, city: '上海', wecomDepartmentId: 9000 + s }).onConflictDoNothing()
    for (let g = 0; g < GUIDES_PER_STORE; g++) {
      const userid = `bench_${storeId}_${g}`
      guides.push(userid)
      await database.db.insert(staff).values({ userid, name: `导购${s}-${g}`, role: 'guide', storeId }).onConflictDoNothing()
    }
  }
  return guides
}

/**
 * `messagesPerKey`: messages sharing one RSA-encrypted random key (1 = a fresh key per message, the worst
 * case; WeCom does not document reuse). Opening a key is one RSA-2048 private operation (~0.3 ms).
 */
export async function benchArchive(options: { messages: number, messagesPerKey: number, rsaThreads: number, databaseUrl?: string, log: (line: string) => void }): Promise<ArchiveBenchResult> {
  const { messages, log } = options
  const dir = resolve(repoRoot, '.data')
  mkdirSync(dir, { recursive: true })
  const path = resolve(dir, 'bench-archive.db')
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
  const { port: database } = await connectDatabase({ databaseUrl: options.databaseUrl ?? '', databasePath: path })
  const pair = generateArchiveKeyPair(1)
  const keyring = createArchiveKeyring(new Map([[1, pair.privateKeyPem]]), { threads: options.rsaThreads })
  try {
    if (database.dialect === 'postgres')
      await database.db.run(sql.raw(`truncate ${ARCHIVE_TABLES.join(', ')} restart identity cascade`))
    const guides = await seedPeople(database)
    const archive = new EmulatorArchive(Date.now, { keys: [pair], messagesPerRandomKey: options.messagesPerKey })
    const source = inProcessSource(archive)
    const startMs = Date.UTC(2026, 0, 1)
    const gapMs = Math.max(1000, Math.floor((300 * 86_400_000) / messages))
    const customersOf = (guide: string) => Array.from({ length: CUSTOMERS_PER_GUIDE }, (_, i) => `wm_${guide}_${i}`)

    let ingestSeconds = 0
    let ingestCpuMicros = 0
    for (let done = 0; done < messages;) {
      const count = Math.min(ROUND, messages - done)
      archive.append(generateChat({ guides, customersOf }, { count, startMs: startMs + done * gapMs, gapMs, seed: done + 1, idPrefix: `b${done}` }))
      const started = performance.now()
      const cpu = process.cpuUsage()
      const result = await pullUntilCaughtUp({ database, source, keyring, sourceName: 'bench', now: Date.now, limit: 1000, publicUrl: 'https://scrm.bench.example' })
      ingestSeconds += (performance.now() - started) / 1000
      const used = process.cpuUsage(cpu)
      ingestCpuMicros += used.user + used.system
      archive.trimDelivered(result.seq)
      done += count
      log(`  ingested ${done.toLocaleString()} / ${messages.toLocaleString()} (${Math.round(done / ingestSeconds)} msg/s)`)
    }
    // What autovacuum does in a running system: statistics, and the visibility map that lets the bigram
    // lookups be index-only scans (right after a bulk load every index entry would need a heap fetch).
    if (database.dialect === 'postgres')
      await database.db.run(sql.raw(`vacuum analyze ${ARCHIVE_TABLES.join(', ')}`))

    const admin: Session = { userid: 'bench_admin', role: 'admin', storeId: null, exp: 0 }
    const monthFrom = startMs + Math.floor(messages / 2) * gapMs
    const queries: { q: string, filter: string, extra: Record<string, unknown> }[] = [
      { q: '退款', filter: '', extra: {} },
      { q: '投诉', filter: '', extra: {} },
      { q: '微信', filter: '', extra: {} },
      { q: '发票', filter: '', extra: {} },
      { q: '工作日', filter: '', extra: {} },
      { q: '羊绒衫', filter: '', extra: {} },
      { q: '真丝围巾', filter: '', extra: {} },
      { q: '会员积分', filter: '', extra: {} },
      { q: '不走平台', filter: '', extra: {} },
      { q: '13812345678', filter: '', extra: {} },
      { q: '退款', filter: 'guide+month', extra: { guideUserid: guides[7], from: monthFrom, to: monthFrom + 30 * 86_400_000 } },
      { q: '羊绒衫', filter: 'store', extra: { storeId: 'B03' } },
    ]
    const all: number[] = []
    const perQuery = []
    for (const query of queries) {
      const times: number[] = []
      let hits = 0
      for (let i = 0; i < SEARCH_REPEATS; i++) {
        const started = performance.now()
        const result = await searchArchive(database.db, admin, { q: query.q, limit: 50, ...query.extra })
        times.push(performance.now() - started)
        hits = result.hits.length
      }
      // The first run warms caches; the rest are measured.
      const measured = times.slice(1)
      all.push(...measured)
      const summary = summarise(measured)
      perQuery.push({ q: query.q, filter: query.filter, p50Ms: summary.p50, p95Ms: summary.p95, hits })
    }
    const overall = summarise(all)
    return {
      messages,
      messagesPerKey: options.messagesPerKey,
      rsaThreads: options.rsaThreads,
      ingestPerSecond: Math.round(messages / ingestSeconds),
      ingestPerCpuSecond: Math.round(messages / (ingestCpuMicros / 1e6)),
      searchP50Ms: overall.p50,
      searchP95Ms: overall.p95,
      dialect: database.dialect,
      queries: perQuery,
    }
  }
  finally {
    await keyring.close()
    await database.close()
  }
}
