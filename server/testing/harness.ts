// A real stack for integration tests: a SQLite file in a temp dir seeded by the demo generator (copied
// into a fresh PostgreSQL database when `dialect: 'postgres'`), the WeCom emulator on a loopback port,
// the app, and a login helper that walks the real OAuth flow.
import type { FastifyServerOptions, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { OpenedDatabase } from '../src/db/client.ts'
import type { Database, Dialect } from '../src/db/port.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDemoData } from '../demo/generator.ts'
import { seedDatabase, toWecomFixtures } from '../demo/seed.ts'
import { startEmulator } from '../emulator/index.ts'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { connectDatabase, openDatabase } from '../src/db/client.ts'
import { createWecomClientFromConfig } from '../src/wecom/client.ts'
import { createDbCredentialStore } from '../src/wecom/credential-store.ts'
import { copyDatabase } from './copy-database.ts'
import { createPostgresTestDatabase } from './dialects.ts'

export const TEST_PUBLIC_URL = 'http://scrm.test:3999'

export interface TestStackOptions {
  /**
   * Where the app's converted domains run (default sqlite). On 'postgres' the seeded SQLite file is copied
   * into a new database of the throwaway test cluster and `database.port` points there; domains still on
   * the legacy sync handle (issue 7 transition) keep reading the SQLite copy, so PostgreSQL tests use
   * converted routes only.
   */
  dialect?: Dialect
  members?: number
  seed?: number
  /**
   * Listen on a loopback port and point the emulator's callback URL at /api/wecom/callback, so
   * emulator-pushed events (mark_tag, /__emulator/callbacks/trigger) reach the app.
   */
  callbacks?: boolean
  /** Extra environment for loadConfig, e.g. tighter rate limits. */
  env?: Record<string, string>
  /** App logger (default silent). */
  logger?: FastifyServerOptions['logger']
}

export async function startTestStack(options: TestStackOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'scrm-test-'))
  const dataset = generateDemoData({ seed: options.seed ?? 7, members: options.members ?? 150 })
  const appSecret = 'test-app-secret'
  const contactSecret = 'test-contact-secret'
  const fixtures = toWecomFixtures(dataset, { appSecret, contactSecret, trustedDomains: ['scrm.test:3999'] })
  const emulator = await startEmulator({ fixtures, port: 0, host: '127.0.0.1' })
  const legacy = openDatabase(join(dir, 'scrm.db'))
  seedDatabase(legacy.db, dataset)
  let database: OpenedDatabase = legacy
  let dropPostgres: (() => Promise<void>) | undefined
  let postgresUrl: string | undefined
  if (options.dialect === 'postgres') {
    const created = await createPostgresTestDatabase()
    postgresUrl = created.url
    dropPostgres = created.drop
    const { port } = await connectDatabase({ databaseUrl: created.url, databasePath: '' })
    await copyDatabase(legacy.port, port)
    database = { ...legacy, port, close: legacy.close }
  }
  const port: Database = database.port
  const config = loadConfig({
    PUBLIC_URL: options.env?.PUBLIC_URL ?? TEST_PUBLIC_URL,
    DATABASE_PATH: join(dir, 'scrm.db'),
    // Where the training and precompute worker threads connect: the database under test.
    ...(postgresUrl ? { DATABASE_URL: postgresUrl } : {}),
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    WECOM_CORP_ID: fixtures.corpId,
    WECOM_AGENT_ID: String(fixtures.app.agentId),
    WECOM_APP_SECRET: appSecret,
    WECOM_CONTACT_SECRET: contactSecret,
    WECOM_API_BASE: emulator.url,
    WECOM_OAUTH_BASE: emulator.url,
    WECOM_CALLBACK_TOKEN: fixtures.app.callbackToken,
    WECOM_ENCODING_AES_KEY: fixtures.app.encodingAesKey,
    // Workers never poll on their own in tests: a test runs due jobs with `queue.tick()`.
    SCRM_JOBS: '0',
    ...options.env,
  })
  /** One server instance over `database`: its own WeCom client (credential cache in that database) and app. */
  async function buildInstance(database: Database) {
    const wecom = createWecomClientFromConfig(config.wecom, createDbCredentialStore(database.db, config.wecom.credentialsKey))
    const app = await buildApp({ config, database, wecom, logger: options.logger ?? false })
    await app.ready()
    // Tests speak as the sidebar in a browser, which sends Origin on every POST (the CSRF check needs
    // it). Requests without one are made over HTTP with fetch, which sends none.
    const inject = app.inject.bind(app)
    const withOrigin = (options: InjectOptions | string): InjectOptions => {
      const opts = typeof options === 'string' ? { url: options } : options
      const headers = opts.headers ?? {}
      return 'origin' in headers || 'referer' in headers ? opts : { ...opts, headers: { ...headers, origin: config.publicUrl } }
    }
    app.inject = ((options: InjectOptions | string) => inject(withOrigin(options))) as typeof app.inject
    return { app, wecom }
  }
  const { app, wecom } = await buildInstance(port)
  const others: { close: () => Promise<void> }[] = []
  let appUrl: string | undefined
  if (options.callbacks) {
    appUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    emulator.state.fixtures.app.callbackUrl = `${appUrl}/api/wecom/callback`
  }

  /** Logs in as `userid` through /api/auth/login → emulator authorize page → /api/auth/callback. */
  async function login(userid: string): Promise<string> {
    const start = await app.inject({ method: 'GET', url: '/api/auth/login?next=/app/' })
    const authorizeUrl = start.headers.location as string
    const oauthCookie = cookieHeader(start)
    const page = await (await fetch(authorizeUrl)).text()
    const anchor = page.match(new RegExp(`<a[^>]*data-userid="${userid}"[^>]*>`))?.[0]
    const href = anchor?.match(/href="([^"]+)"/)?.[1]?.replaceAll('&amp;', '&')
    if (!href)
      throw new Error(`no login link for ${userid} on the emulator's authorize page`)
    let callbackUrl = new URL(href, authorizeUrl).toString()
    if (!callbackUrl.startsWith(config.publicUrl)) {
      const hop = await fetch(callbackUrl, { redirect: 'manual' })
      callbackUrl = hop.headers.get('location') ?? ''
    }
    const callback = await app.inject({ method: 'GET', url: callbackUrl.slice(config.publicUrl.length), headers: { cookie: oauthCookie } })
    if (callback.statusCode !== 302)
      throw new Error(`login failed: ${callback.statusCode} ${callback.body}`)
    return cookieHeader(callback)
  }

  return {
    app,
    emulator,
    database,
    /** The async port of the dialect under test (same as database.port). */
    port,
    dialect: port.dialect,
    /** The app's job queue: tests run due jobs with `queue.tick()` (workers do not poll under test). */
    queue: app.jobQueue,
    dataset,
    fixtures,
    config,
    wecom,
    /** Set when started with `callbacks: true`. */
    appUrl,
    login,
    /**
     * Another server instance on the same PostgreSQL database, as a second process behind a load
     * balancer would be: its own Pool, WeCom client and job queue; same config and emulator. Closed with
     * the stack.
     */
    async startAnotherInstance() {
      if (!postgresUrl)
        throw new Error('startAnotherInstance needs dialect: \'postgres\' (one process owns a SQLite file)')
      const { port: another } = await connectDatabase({ databaseUrl: postgresUrl, databasePath: '' })
      const instance = await buildInstance(another)
      others.push({ close: async () => {
        await instance.app.close()
        await another.close()
      } })
      return { ...instance, port: another, queue: instance.app.jobQueue }
    },
    async close() {
      for (const other of others)
        await other.close()
      await app.close()
      await emulator.close()
      if (dropPostgres) {
        await port.close()
        await dropPostgres()
      }
      legacy.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** `name=value; name2=value2` from a response's Set-Cookie headers. */
export function cookieHeader(response: LightMyRequestResponse): string {
  const raw = response.headers['set-cookie']
  const list = Array.isArray(raw) ? raw : raw ? [raw] : []
  return list.map(c => c.split(';')[0] ?? '').filter(c => c && !c.endsWith('=')).join('; ')
}

export type TestStack = Awaited<ReturnType<typeof startTestStack>>
