// Full contact sync from WeCom: `pnpm --filter @scrm/server sync:contacts [--db PATH]`.
// Needs the same WECOM_* environment as the server (main.ts); --db overrides DATABASE_PATH (SQLite);
// with DATABASE_URL it syncs into PostgreSQL. The server can run the same sync as a job: POST /api/admin/contacts/sync.
// Safe to re-run: everything is an upsert (see syncAllContacts).
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { connectDatabase } from '../db/client.ts'
import { createWecomClientFromConfig } from '../wecom/client.ts'
import { createDbCredentialStore } from '../wecom/credential-store.ts'
import { syncAllContacts } from './sync.ts'

const { values } = parseArgs({
  options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: false,
})
if (values.help) {
  console.log('usage: sync:contacts [--db PATH]   (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_APP_SECRET, CREDENTIALS_KEY (required in production), WECOM_CONTACT_SECRET? (legacy fallback), WECOM_API_BASE?)')
  process.exit(0)
}

const config = loadConfig(process.env, values.db ? { databasePath: resolve(values.db) } : {})
const { port: database } = await connectDatabase(config)
// A batch job may wait out a 45009 minute window.
const wecom = createWecomClientFromConfig(config.wecom, createDbCredentialStore(database.db, config.wecom.credentialsKey), { rateLimitWaitMs: 60_000 })

try {
  let lastLog = 0
  const result = await syncAllContacts(database.db, wecom, {
    onProgress: (p) => {
      if (p.phase !== 'contacts' || Date.now() - lastLog > 1000) {
        lastLog = Date.now()
        console.error(`[sync] ${p.phase}: ${p.guides} guides, ${p.pages} pages, ${p.relations} relations`)
      }
    },
  })
  if (result.unlicensedGuides.length > 0)
    console.error(`[sync] ${result.unlicensedGuides.length} guides have no interop licence (互通账号); their follows were left unchanged: ${result.unlicensedGuides.join(', ')}`)
  console.log(JSON.stringify(result, null, 2))
}
catch (err) {
  console.error('[sync] failed:', err instanceof Error ? err.message : err)
  process.exitCode = 1
}
finally {
  await database.close()
}
