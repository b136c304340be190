// kill -9 in the middle of an ingest, restart, and the archive has every message exactly once: the
// checkpoint moves in the same transaction as the batch, and msgid is unique.
import type { ChildProcess } from 'node:child_process'
import type { RunningEmulator } from '../../emulator/index.ts'
import type { Database } from '../db/port.ts'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { count, countDistinct, max, min } from 'drizzle-orm'
import { afterAll, expect, it } from 'vitest'
import { generateChat } from '../../emulator/archive-chat.ts'
import { generateArchiveKeyPair } from '../../emulator/archive.ts'
import { startEmulator } from '../../emulator/index.ts'
import { makeTestFixtures, TEST_FIXTURE_SECRETS } from '../../emulator/test-fixtures.ts'
import { createPostgresTestDatabase, describeEachDialect } from '../../testing/dialects.ts'
import { connectDatabase } from '../db/client.ts'
import { archiveCheckpoints, archiveMessages, archiveTerms } from '../db/schema.ts'

const MESSAGES = 3000
const ARCHIVE_SECRET = 'crash-test-archive-secret'
const cli = fileURLToPath(new URL('./pull-cli.ts', import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

describeEachDialect('archive ingest survives kill -9', ({ dialect }) => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup()
  })

  it('restarts from the checkpoint with no gap and no duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrm-archive-crash-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const fixtures = { ...makeTestFixtures(), archiveSecret: ARCHIVE_SECRET }
    const emulator: RunningEmulator = await startEmulator({ fixtures })
    cleanups.push(() => emulator.close())
    const pair = generateArchiveKeyPair(1)
    emulator.archive.rotateKey(pair)
    writeFileSync(join(dir, 'v1.pem'), pair.privateKeyPem)
    const guides = fixtures.users.filter(u => u.customerContact).map(u => u.userid)
    const customers = fixtures.externalContacts.map(c => c.externalUserid)
    emulator.archive.append(generateChat({ guides, customersOf: () => customers }, { count: MESSAGES, startMs: Date.UTC(2026, 10, 1), gapMs: 60_000, seed: 3 }))

    const env: Record<string, string> = {
      ...process.env as Record<string, string>,
      WECOM_CORP_ID: fixtures.corpId,
      WECOM_AGENT_ID: String(fixtures.app.agentId),
      WECOM_APP_SECRET: TEST_FIXTURE_SECRETS.app,
      WECOM_API_BASE: emulator.url,
      ARCHIVE_SOURCE: 'emulator',
      ARCHIVE_SECRET,
      ARCHIVE_PRIVATE_KEYS: `1=${join(dir, 'v1.pem')}`,
      ARCHIVE_PULL_LIMIT: '25',
      DATABASE_URL: '',
      DATABASE_PATH: join(dir, 'archive.db'),
    }
    if (dialect === 'postgres') {
      const created = await createPostgresTestDatabase()
      cleanups.push(created.drop)
      env.DATABASE_URL = created.url
    }
    // Migrated before the child starts, so the kill lands in the pull, not in migrations.
    const database: Database = (await connectDatabase({ databaseUrl: env.DATABASE_URL!, databasePath: env.DATABASE_PATH! })).port
    cleanups.push(() => database.close())
    const stored = async () => Number((await database.db.select({ n: count() }).from(archiveMessages))[0]!.n)

    const run = (): ChildProcess => spawn(process.execPath, ['--import', tsx, cli], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    const child = run()
    const exited = new Promise<NodeJS.Signals | number | null>(resolve => child.once('exit', (code, signal) => resolve(signal ?? code)))
    // Wait until part of the archive is in, then kill without warning.
    for (let n = 0; n < 1 || n >= MESSAGES;) {
      await new Promise(resolve => setTimeout(resolve, 20))
      n = await stored()
      if (n >= MESSAGES)
        throw new Error('the pull finished before it could be killed; raise MESSAGES')
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const atKill = await stored()
    expect(atKill).toBeGreaterThan(0)
    expect(atKill).toBeLessThan(MESSAGES)

    const again = run()
    const code = await new Promise(resolve => again.once('exit', resolve))
    expect(code).toBe(0)

    const [summary] = await database.db.select({ n: count(), distinctMsgids: countDistinct(archiveMessages.msgid), distinctSeqs: countDistinct(archiveMessages.seq), first: min(archiveMessages.seq), last: max(archiveMessages.seq) }).from(archiveMessages)
    expect(summary).toEqual({ n: MESSAGES, distinctMsgids: MESSAGES, distinctSeqs: MESSAGES, first: 1, last: MESSAGES })
    const [checkpoint] = await database.db.select().from(archiveCheckpoints)
    expect(checkpoint).toMatchObject({ seq: MESSAGES, stored: MESSAGES, duplicates: 0, rejected: 0 })
    // Every message has its search terms exactly once (the terms' primary key would refuse a repeat).
    const [terms] = await database.db.select({ messages: countDistinct(archiveTerms.messageId) }).from(archiveTerms)
    expect(terms!.messages).toBe(MESSAGES)
  }, 120_000)
})
