// Latency of the sidebar's one round trip (GET /api/members/context) on a big database,
// through the full Fastify stack: in-process (inject) and over loopback HTTP.
import type { Database } from 'better-sqlite3'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/client.ts'
import { createWecomClientFromConfig } from '../src/wecom/client.ts'
import { createMemoryCredentialStore } from '../src/wecom/credential-store.ts'
import { summarise } from './stats.ts'

interface Pair { guide: string, storeId: string, contact: string }

function samplePairs(sqlite: Database, count: number): Pair[] {
  return sqlite.prepare(`select f.guide_userid as guide, s.store_id as storeId, m.external_userid as contact
    from follows f join members m on m.id = f.member_id join staff s on s.userid = f.guide_userid
    where f.status = 'active' and m.external_userid is not null order by random() limit ?`).all(count) as Pair[]
}

export async function benchMemberContext(databasePath: string, options: { requests: number }) {
  const database = openDatabase(databasePath)
  const config = loadConfig({
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
    WECOM_CORP_ID: 'ww0000000000000001',
    WECOM_AGENT_ID: '1000002',
    WECOM_APP_SECRET: 'unused',
    WECOM_CONTACT_SECRET: 'unused',
    // The context route never calls WeCom; nothing listens here.
    WECOM_API_BASE: 'http://127.0.0.1:9',
  })
  const wecom = createWecomClientFromConfig(config.wecom, createMemoryCredentialStore())
  const app = await buildApp({ config, database, wecom, logger: false })
  await app.ready()

  // Sessions minted directly (the OAuth round trip is not what we measure), one per guide.
  const pairs = samplePairs(database.sqlite, options.requests + 200)
  const cookies = new Map<string, string>()
  for (const pair of pairs) {
    if (!cookies.has(pair.guide))
      cookies.set(pair.guide, await app.sessions.cookieHeaderFor(pair.guide))
  }
  const cookieFor = (pair: Pair) => cookies.get(pair.guide) ?? ''
  const url = (pair: Pair) => `/api/members/context?externalUserId=${pair.contact}`

  for (const pair of pairs.slice(0, 200)) await app.inject({ method: 'GET', url: url(pair), headers: { cookie: cookieFor(pair) } })
  const injectMs: number[] = []
  for (const pair of pairs.slice(200)) {
    const started = performance.now()
    const res = await app.inject({ method: 'GET', url: url(pair), headers: { cookie: cookieFor(pair) } })
    injectMs.push(performance.now() - started)
    if (res.statusCode !== 200)
      throw new Error(`context request failed: ${res.statusCode} ${res.body}`)
  }

  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const httpMs: number[] = []
  for (const pair of pairs.slice(200, 200 + Math.min(1000, options.requests))) {
    const started = performance.now()
    const res = await fetch(`${base}${url(pair)}`, { headers: { cookie: cookieFor(pair) } })
    await res.arrayBuffer()
    httpMs.push(performance.now() - started)
  }
  await app.close()
  database.close()
  return { inject: summarise(injectMs), http: summarise(httpMs), rssMb: Math.round(process.memoryUsage().rss / 1e6) }
}
