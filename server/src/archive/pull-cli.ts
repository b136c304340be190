// Pulls the conversation archive until caught up: `pnpm --filter @scrm/server archive:pull [--db PATH]`.
// Needs the server's WECOM_* and ARCHIVE_* environment (config.ts); with DATABASE_URL it stores into
// PostgreSQL. The server does the same as the `archive.pull` job; running both at once is safe (the
// checkpoint and msgid dedupe), only wasteful.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { connectDatabase } from '../db/client.ts'
import { pullUntilCaughtUp } from './ingest.ts'
import { createArchiveKeyring } from './keys.ts'
import { archiveSourceFrom } from './wiring.ts'

const { values } = parseArgs({
  options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: false,
})
if (values.help) {
  console.log('usage: archive:pull [--db PATH]   (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_APP_SECRET, ARCHIVE_SOURCE, ARCHIVE_SECRET, ARCHIVE_PRIVATE_KEYS, ARCHIVE_PULL_LIMIT?)')
  process.exit(0)
}

const config = loadConfig(process.env, values.db ? { databasePath: resolve(values.db) } : {})
const source = archiveSourceFrom(config)
if (!source) {
  console.error('[archive] ARCHIVE_SOURCE is off')
  process.exit(1)
}
const { port: database } = await connectDatabase(config)
const keyring = createArchiveKeyring(config.archive.privateKeys, { threads: config.archive.rsaThreads })
try {
  const result = await pullUntilCaughtUp(
    { database, source, keyring, sourceName: config.wecom.corpId, now: Date.now, limit: config.archive.pullLimit, publicUrl: config.publicUrl },
    undefined,
    batch => console.error(`[archive] seq ${batch.seq}: ${batch.stored} stored, ${batch.duplicates} duplicates, ${batch.rejected} rejected, ${batch.notAgreed} not agreed`),
  )
  console.log(JSON.stringify(result))
}
catch (err) {
  console.error('[archive] failed:', err instanceof Error ? err.message : err)
  process.exitCode = 1
}
finally {
  await keyring.close()
  await database.close()
}
