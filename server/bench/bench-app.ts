// The whole app as the context benches load it: a fixed session secret, no WeCom behind it (the member
// context never calls WeCom; nothing listens at that address), no jobs, no logs.
import type { Database } from '../src/db/port.ts'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createWecomClientFromConfig } from '../src/wecom/client.ts'
import { createMemoryCredentialStore } from '../src/wecom/credential-store.ts'

export async function buildBenchApp(database: Database) {
  const config = loadConfig({
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
    WECOM_CORP_ID: 'ww0000000000000001',
    WECOM_AGENT_ID: '1000002',
    WECOM_APP_SECRET: 'unused',
    WECOM_CONTACT_SECRET: 'unused',
    WECOM_API_BASE: 'http://127.0.0.1:9',
    // The limiter stays on the request path (it is measured) but must not turn load into 429s.
    RATE_LIMIT_API_PER_SESSION: '100000000',
  })
  return buildApp({ config, database, wecom: createWecomClientFromConfig(config.wecom, createMemoryCredentialStore()), logger: false, jobs: false })
}
