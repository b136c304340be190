import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { SessionRepository } from '../auth/session-repository.ts'
import type { Database } from '../db/port.ts'
import Fastify from 'fastify'
import { expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { loadConfig } from '../config.ts'
import { rateLimits } from '../db/schema.ts'
import { errorHandlerPlugin } from './errors.ts'
import { databaseRateLimitStore, hitRateLimit, purgeRateLimits } from './rate-limit-store.ts'
import { securityPlugin } from './security.ts'
import { SESSION_COOKIE, sessionPlugin } from './session.ts'

const T = Date.UTC(2026, 11, 1)
const noSessions: SessionRepository = { create: async () => {}, findActive: async () => null, revoke: async () => {} }

/** An app instance as main.ts builds it, reduced to the security plugin and one auth-limited route. */
async function instance(database: Database, now: () => number, env: Record<string, string> = {}) {
  const config = loadConfig({
    PUBLIC_URL: 'http://scrm.test:3999',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    WECOM_CORP_ID: 'ww0',
    WECOM_AGENT_ID: '1',
    WECOM_APP_SECRET: 'x',
    RATE_LIMIT_AUTH_PER_IP: '3',
    RATE_LIMIT_WINDOW_MS: '60000',
    ...env,
  })
  const app = Fastify({ logger: false })
  await app.register(errorHandlerPlugin)
  await app.register(sessionPlugin, { secret: config.sessionSecret, ttlSeconds: 3600, secureCookies: false, repository: noSessions, now })
  await app.register(securityPlugin, { config, rateLimitStore: databaseRateLimitStore(database, now) })
  app.get('/api/auth/login', { onRequest: app.rateLimits.auth }, async () => ({ ok: true }))
  app.get('/api/ping', { onRequest: app.rateLimits.api }, async () => ({ ok: true }))
  await app.ready()
  return app
}

describeEachDialect('database rate-limit store', ({ fresh }) => {
  it('counts hits from two handles on one database together, restarts after the window, purges ended windows', async () => {
    const { database, another } = await fresh()
    const second = await another()
    expect(await hitRateLimit(database, 'api:ip:1', 60_000, T)).toEqual({ count: 1, resetAt: T + 60_000 })
    expect(await hitRateLimit(second, 'api:ip:1', 60_000, T + 10)).toEqual({ count: 2, resetAt: T + 60_000 })
    const concurrent = await Promise.all(Array.from({ length: 10 }, async (_, i) => hitRateLimit(i % 2 ? database : second, 'api:ip:1', 60_000, T + 20)))
    expect(concurrent.map(r => r.count).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(await hitRateLimit(database, 'api:ip:2', 60_000, T + 20)).toEqual({ count: 1, resetAt: T + 60_020 })
    // The window ended: the next hit starts a new one.
    expect(await hitRateLimit(second, 'api:ip:1', 60_000, T + 60_000)).toEqual({ count: 1, resetAt: T + 120_000 })

    expect(await purgeRateLimits(database.db, T + 60_020)).toBe(1)
    expect(await database.db.select({ key: rateLimits.key }).from(rateLimits)).toEqual([{ key: 'api:ip:1' }])
  })

  it('two app instances share the limit; the 429 carries Retry-After from the shared window', async () => {
    const { database, another } = await fresh()
    let clock = T
    const now = () => clock
    const apps = [await instance(database, now), await instance(await another(), now)]
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++)
        statuses.push((await apps[i % 2]!.inject({ method: 'GET', url: '/api/auth/login', remoteAddress: '10.1.1.1' })).statusCode)
      expect(statuses).toEqual([200, 200, 200, 429, 429])
      clock = T + 15_000
      const refused = await apps[0]!.inject({ method: 'GET', url: '/api/auth/login', remoteAddress: '10.1.1.1' })
      expect(refused.statusCode).toBe(429)
      expect(refused.headers['retry-after']).toBe('45')
      // Another IP has its own count; after the window the first IP may again.
      expect((await apps[1]!.inject({ method: 'GET', url: '/api/auth/login', remoteAddress: '10.1.1.2' })).statusCode).toBe(200)
      clock = T + 60_000
      expect((await apps[1]!.inject({ method: 'GET', url: '/api/auth/login', remoteAddress: '10.1.1.1' })).statusCode).toBe(200)
    }
    finally {
      await Promise.all(apps.map(async app => app.close()))
    }
  })

  it('counts a limiter created with counting: process in the process (no write per sidebar request), others in the database', async () => {
    const { database } = await fresh()
    const Store = databaseRateLimitStore(database, () => T)
    const root = new Store({})
    const routeInfo = { path: '/', prefix: '' } as Parameters<typeof root.child>[0]
    const hitOn = (store: FastifyRateLimitStore) => async (key: string) => new Promise<number>((resolve, reject) => store.incr(key, (error, result) => error ? reject(error) : resolve(result!.current), 60_000, 100))
    const inProcess = hitOn(root.child({ ...routeInfo, counting: 'process' } as typeof routeInfo))
    const shared = hitOn(root.child(routeInfo))
    expect([await inProcess('api:s:token'), await inProcess('api:s:token'), await inProcess('api:s:token')]).toEqual([1, 2, 3])
    expect([await shared('auth:ip:10.0.0.1'), await shared('api:s:other')]).toEqual([1, 1])
    const rows = await database.db.select({ key: rateLimits.key }).from(rateLimits).orderBy(rateLimits.key).all()
    expect(rows.map(r => r.key)).toEqual(['api:s:other', 'auth:ip:10.0.0.1'])
  })

  it('through the plugin: per-session API limits count in the process, the per-IP API limit in the database', async () => {
    const { database } = await fresh()
    const app = await instance(database, () => T, { RATE_LIMIT_API_PER_SESSION: '2' })
    try {
      const cookie = `${SESSION_COOKIE}=${encodeURIComponent(app.signCookie('a'.repeat(43)))}`
      const statuses: number[] = []
      for (let i = 0; i < 3; i++)
        statuses.push((await app.inject({ method: 'GET', url: '/api/ping', headers: { cookie } })).statusCode)
      expect(statuses).toEqual([200, 200, 429])
      expect((await app.inject({ method: 'GET', url: '/api/ping', remoteAddress: '10.2.2.2' })).statusCode).toBe(200)
      const rows = await database.db.select({ key: rateLimits.key }).from(rateLimits).all()
      expect(rows.map(r => r.key)).toEqual(['api:ip:10.2.2.2'])
    }
    finally {
      await app.close()
    }
  })
})
