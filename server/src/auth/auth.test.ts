import type { TestStack } from '../../testing/harness.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'

let stack: TestStack
beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(async () => stack?.close())

function aGuide(): string {
  return (stack.database.sqlite.prepare(`select userid from staff where role = 'guide' and status = 1 order by userid limit 1`).get() as { userid: string }).userid
}

describe('wecom oauth login', () => {
  it('turns a one-time code into a signed HttpOnly session cookie', async () => {
    const start = await stack.app.inject({ method: 'GET', url: '/api/auth/login?next=/app/?from=toolbar' })
    expect(start.statusCode).toBe(302)
    const location = new URL(start.headers.location as string)
    expect(location.pathname).toBe('/connect/oauth2/authorize')
    expect([...location.searchParams.keys()]).toEqual(['appid', 'redirect_uri', 'response_type', 'scope', 'state', 'agentid'])
    expect(location.searchParams.get('redirect_uri')).toBe('http://scrm.test:3999/api/auth/callback')

    const cookie = await stack.login(aGuide())
    expect(cookie).toMatch(/scrm_session=/)
    const me = await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ userid: aGuide(), role: 'guide', corpId: stack.fixtures.corpId, agentId: stack.fixtures.app.agentId })
  })

  it('refuses a callback whose state is not this browser\'s', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/auth/callback?code=abc&state=forged' })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/state/)
  })

  it('refuses a tampered session cookie and a missing one with 401', async () => {
    const cookie = await stack.login(aGuide())
    const tampered = cookie.replace(/scrm_session=([^;.]+)/, (_m, v: string) => `scrm_session=${v.slice(0, -2)}xx`)
    for (const headers of [{}, { cookie: tampered }]) {
      const res = await stack.app.inject({ method: 'GET', url: '/api/members/context?externalUserId=wmAnything', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' })
    }
  })

  it('rejects a non-local next path (no open redirect)', async () => {
    for (const next of ['//evil.example/', '/\\evil.example/', 'https://evil.example/']) {
      const res = await stack.app.inject({ method: 'GET', url: `/api/auth/login?next=${encodeURIComponent(next)}` })
      expect(res.statusCode).toBe(400)
      expect(res.json().message).toMatch(/next/)
    }
  })
})

describe('health', () => {
  it('answers without a session with version and database state', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', version: '0.1.0', database: { dialect: 'sqlite', ok: true } })
    expect(res.json().database.migrations).toBeGreaterThanOrEqual(1)
  })
})

describe('js-sdk signature', () => {
  it('signs the given url with the agent ticket the emulator issued', async () => {
    const cookie = await stack.login(aGuide())
    const url = 'http://scrm.test:3999/app/?from=toolbar'
    const res = await stack.app.inject({ method: 'POST', url: '/api/wecom/js-signature', headers: { cookie }, payload: { url, kind: 'agent' } })
    expect(res.statusCode).toBe(200)
    const body = res.json() as { timestamp: number, nonceStr: string, signature: string }
    const tickets = await (await fetch(`${stack.emulator.url}/__emulator/jsapi-tickets`)).json() as { agentTicket: string }
    const { createHash } = await import('node:crypto')
    const expected = createHash('sha1').update(`jsapi_ticket=${tickets.agentTicket}&noncestr=${body.nonceStr}&timestamp=${body.timestamp}&url=${url}`).digest('hex')
    expect(body.signature).toBe(expected)
  })

  it('400s on a url with a fragment, naming the field', async () => {
    const cookie = await stack.login(aGuide())
    const res = await stack.app.inject({ method: 'POST', url: '/api/wecom/js-signature', headers: { cookie }, payload: { url: 'http://x.test/app/#/a', kind: 'agent' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/url/)
  })
})
