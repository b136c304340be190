// Hardening (issue 12): each block probes one finding the way an attacker or WeCom would.
import type { TestStack } from '../../testing/harness.ts'
import { randomBytes, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cookieHeader, startTestStack } from '../../testing/harness.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { WecomApiError } from '../wecom/errors.ts'

let stack: TestStack
let logLines: Record<string, unknown>[]

beforeAll(async () => {
  logLines = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  // `error` level: only what an operator must see reaches the stream.
  stack = await startTestStack({ callbacks: true, logger: { level: 'error', stream } })
})
afterEach(() => vi.restoreAllMocks())
afterAll(async () => stack?.close())

const sqlite = () => stack.database.sqlite
const firstStaff = (role: string) => (sqlite().prepare(`select userid from staff where role = ? and status = 1 order by userid limit 1`).get(role) as { userid: string }).userid
const aFollowedMember = (guide: string) => (sqlite().prepare(`select member_id m from follows where guide_userid = ? and status = 'active' limit 1`).get(guide) as { m: number }).m
const news = { msgtype: 'news', news: { link: 'https://demo.scrm.example/item/1', title: '羊绒开衫', desc: '¥899.00', imgUrl: 'https://demo.scrm.example/img/1.jpg' } }
const sendBody = (memberId: number) => ({ idempotencyKey: randomUUID(), memberId, message: news })
const sendCount = () => (sqlite().prepare('select count(*) n from sends').get() as { n: number }).n

/** GET /api/auth/login, returning the OAuth cookie and state for a hand-made callback. */
async function startLogin(next = '/app/') {
  const start = await stack.app.inject({ method: 'GET', url: `/api/auth/login?next=${encodeURIComponent(next)}` })
  expect(start.statusCode).toBe(302)
  return { cookie: cookieHeader(start), state: new URL(start.headers.location as string).searchParams.get('state') ?? '' }
}

describe('login redirect (findings 1, 2)', () => {
  it('refuses a next that browsers resolve to another host, or that carries control characters or spaces', async () => {
    for (const next of ['/\t/evil.example/', '/\n/x', '/\r\n/x', '/\0/x', '/\u3000/x', '/ /x', '//evil.example/', 'https://evil.example/']) {
      const res = await stack.app.inject({ method: 'GET', url: `/api/auth/login?next=${encodeURIComponent(next)}` })
      expect(res.statusCode, JSON.stringify(next)).toBe(400)
      expect(res.json().message).toMatch(/next/)
    }
  })

  it('returns to the normalised same-origin path after OAuth', async () => {
    const guide = firstStaff('guide')
    const { cookie, state } = await startLogin('/app/./x/../?from=toolbar#top')
    const code = stack.emulator.state.issueOauthCode(guide)
    const res = await stack.app.inject({ method: 'GET', url: `/api/auth/callback?code=${code}&state=${state}`, headers: { cookie } })
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/app/?from=toolbar#top')
  })
})

describe('server-side sessions (findings 3, 4, 8)', () => {
  it('logout revokes the cookie for every later request', async () => {
    const guide = firstStaff('guide')
    const cookie = await stack.login(guide)
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(200)
    expect((await stack.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(204)
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
    const before = sendCount()
    const send = await stack.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(aFollowedMember(guide)) })
    expect(send.statusCode).toBe(401)
    expect(sendCount()).toBe(before)
  })

  it('the cookie carries only a random token; the table stores its hash', async () => {
    const cookie = await stack.login(firstStaff('guide'))
    const token = decodeURIComponent(cookie.match(/scrm_session=([^;]+)/)?.[1] ?? '').split('.')[0] ?? ''
    expect(token).toMatch(/^[\w-]{43}$/)
    const { createHash } = await import('node:crypto')
    const row = sqlite().prepare('select userid, revoked_at from sessions where token_hash = ?').get(createHash('sha256').update(token).digest('hex'))
    expect(row).toMatchObject({ revoked_at: null })
  })

  it('staff set inactive lose access at once; reactivated, the same session works again', async () => {
    const guide = firstStaff('guide')
    const cookie = await stack.login(guide)
    sqlite().prepare('update staff set status = 5 where userid = ?').run(guide)
    try {
      expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
      expect((await stack.app.inject({ method: 'GET', url: '/api/members', headers: { cookie } })).statusCode).toBe(401)
    }
    finally {
      sqlite().prepare('update staff set status = 1 where userid = ?').run(guide)
    }
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(200)
  })

  it('a supervisor demoted to guide loses the supervisor report on the next request', async () => {
    const supervisor = firstStaff('supervisor')
    const cookie = await stack.login(supervisor)
    expect((await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie } })).statusCode).toBe(200)
    sqlite().prepare('update staff set role = \'guide\' where userid = ?').run(supervisor)
    try {
      expect((await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie } })).statusCode).toBe(403)
      expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json()).toMatchObject({ role: 'guide' })
    }
    finally {
      sqlite().prepare('update staff set role = \'supervisor\' where userid = ?').run(supervisor)
    }
  })

  it('a valid session of a deleted staff user gets 401, not 500', async () => {
    const userid = 'ghost-guide-01'
    sqlite().prepare(`insert into staff (userid, name, role, store_id, status) select ?, 'Ghost', 'guide', store_id, 1 from staff where store_id is not null limit 1`).run(userid)
    const cookie = await stack.app.sessions.cookieHeaderFor(userid)
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(200)
    sqlite().prepare('delete from staff where userid = ?').run(userid)
    expect(sqlite().prepare('select count(*) n from sessions where userid = ?').get(userid)).toEqual({ n: 0 })
    const send = await stack.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(1) })
    expect(send.statusCode).toBe(401)
  })

  it('a forged, unsigned or malformed cookie is refused without reaching the table', async () => {
    const signedJunk = `scrm_session=${encodeURIComponent(stack.app.signCookie('{"userid":"x","role":"admin","exp":9e15}'))}`
    for (const cookie of [signedJunk, `scrm_session=${randomBytes(32).toString('base64url')}`, 'scrm_session='])
      expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
  })
})

describe('out-of-range numbers (finding 4)', () => {
  it('400 naming the field, never 500', async () => {
    const cookie = await stack.login(firstStaff('admin'))
    const cases: [string, string][] = [
      ['/api/members?limit=Infinity', 'querystring/limit'],
      ['/api/members?limit=1e309', 'querystring/limit'],
      ['/api/members?offset=99999999999999999999', 'querystring/offset'],
      ['/api/members/context?externalUserId=wmAnything&orderLimit=Infinity', 'querystring/orderLimit'],
      ['/api/orders?memberId=3&limit=1e309', 'querystring/limit'],
      ['/api/orders?memberId=1e309', 'querystring/memberId'],
      ['/api/today?limit=Infinity', 'querystring/limit'],
      ['/api/reports/conversion?from=23&to=1e309', 'querystring/to'],
      ['/api/reports/conversion?from=-Infinity', 'querystring/from'],
    ]
    for (const [url, field] of cases) {
      const res = await stack.app.inject({ method: 'GET', url, headers: { cookie } })
      expect(res.statusCode, url).toBe(400)
      expect(res.json().message, url).toContain(field)
    }
    const body = await stack.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie, 'content-type': 'application/json' }, payload: `{"idempotencyKey":"${randomUUID()}","memberId":1e309,"message":${JSON.stringify(news)}}` })
    expect(body.statusCode).toBe(400)
    expect(body.json().message).toContain('body/memberId')
  })

  it('an admin sending to a member that does not exist gets 404 and nothing is written', async () => {
    const cookie = await stack.login(firstStaff('admin'))
    const before = sendCount()
    const res = await stack.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(999999) })
    expect(res.statusCode).toBe(404)
    expect(sendCount()).toBe(before)
  })
})

describe('security headers (finding 5)', () => {
  it('sets CSP with frame-ancestors, nosniff, a referrer policy and no-store on the API; no HSTS over http', async () => {
    const cookie = await stack.login(firstStaff('guide'))
    const res = await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
    expect(res.statusCode).toBe(200)
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain('frame-ancestors \'self\'')
    expect(csp).toContain('script-src \'self\'')
    expect(csp).toContain('object-src \'none\'')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['strict-transport-security']).toBeUndefined()
  })
})

describe('cross-site requests (finding 7)', () => {
  it('refuses a POST from another origin with a valid cookie, writing nothing', async () => {
    const guide = firstStaff('guide')
    const cookie = await stack.login(guide)
    const before = sendCount()
    for (const headers of [{ origin: 'https://evil.example' }, { referer: 'https://evil.example/page' }, { origin: 'null' }]) {
      const res = await stack.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie, ...headers }, payload: sendBody(aFollowedMember(guide)) })
      expect(res.statusCode, JSON.stringify(headers)).toBe(403)
      expect(res.json().message).toMatch(/cross-site|Origin/)
    }
    expect(sendCount()).toBe(before)
  })

  it('over HTTP: a cookie POST without Origin and Referer is refused; our Referer is accepted', async () => {
    const guide = firstStaff('guide')
    const cookie = await stack.login(guide)
    const post = (headers: Record<string, string>) => fetch(`${stack.appUrl}/api/sends`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: JSON.stringify(sendBody(aFollowedMember(guide))) })
    const bare = await post({})
    expect(bare.status).toBe(403)
    expect((await bare.json() as { message: string }).message).toMatch(/Origin or Referer/)
    expect((await post({ referer: `${stack.config.publicUrl}/app/` })).status).toBe(201)
  })
})

describe('operator-visible errors and non-member login (findings 11, 16)', () => {
  it('a 500 is logged with its request id, which the body carries too', async () => {
    vi.spyOn(stack.wecom, 'getUserIdByCode').mockRejectedValueOnce(new Error('upstream exploded'))
    const { cookie, state } = await startLogin()
    const res = await stack.app.inject({ method: 'GET', url: `/api/auth/callback?code=c1&state=${state}`, headers: { cookie } })
    expect(res.statusCode).toBe(500)
    const { requestId, message } = res.json() as { requestId: string, message: string }
    expect(requestId).toBeTruthy()
    expect(message).not.toContain('upstream exploded')
    const line = logLines.find(l => l.reqId === requestId && l.level === 50)
    expect(line).toMatchObject({ err: { message: 'upstream exploded' } })
  })

  it('someone outside the corp gets 403 with a Chinese explanation (JSON or a page)', async () => {
    vi.spyOn(stack.wecom, 'getUserIdByCode').mockRejectedValue(new WecomApiError({ errcode: 60111, errmsg: 'code belongs to a non-member (openid/external_userid)', api: '/cgi-bin/auth/getuserinfo', kind: 'not_found' }))
    const json = await startLogin()
    const res = await stack.app.inject({ method: 'GET', url: `/api/auth/callback?code=c2&state=${json.state}`, headers: { cookie: json.cookie } })
    expect(res.statusCode).toBe(403)
    expect(res.json().message).toMatch(/员工名单/)
    const page = await startLogin()
    const html = await stack.app.inject({ method: 'GET', url: `/api/auth/callback?code=c3&state=${page.state}`, headers: { cookie: page.cookie, accept: 'text/html,application/xhtml+xml' } })
    expect(html.statusCode).toBe(403)
    expect(html.headers['content-type']).toMatch(/^text\/html/)
    expect(html.body).toContain('无法登录')
    expect(html.headers['set-cookie'] ?? '').not.toMatch(/scrm_session=[^;]/)
  })

  it('a corp member who is not SCRM staff gets the same 403', async () => {
    const { cookie, state } = await startLogin()
    const code = stack.emulator.state.issueOauthCode('not-in-staff-01')
    const res = await stack.app.inject({ method: 'GET', url: `/api/auth/callback?code=${code}&state=${state}`, headers: { cookie } })
    expect(res.statusCode).toBe(403)
    expect(res.json().message).toMatch(/员工名单/)
  })
})

describe('production config (finding 8)', () => {
  const base = { NODE_ENV: 'production', WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_APP_SECRET: 's', WECOM_CONTACT_SECRET: 's', CREDENTIALS_KEY: randomBytes(32).toString('hex') }
  it('refuses short or low-entropy secrets', () => {
    for (const secret of ['x', 'test-session-secret-0123456789abcdef', 'a'.repeat(64), 'ab'.repeat(32), '0123456789abcdef'.repeat(4), 'password'.repeat(8)])
      expect(() => loadConfig({ ...base, SESSION_SECRET: secret }), secret).toThrow(ConfigError)
    expect(() => loadConfig({ ...base })).toThrow(/SESSION_SECRET/)
  })
  it('accepts 32 random bytes as hex or base64', () => {
    expect(loadConfig({ ...base, SESSION_SECRET: randomBytes(32).toString('hex') }).production).toBe(true)
    expect(loadConfig({ ...base, SESSION_SECRET: randomBytes(32).toString('base64') }).production).toBe(true)
    expect(loadConfig({ ...base, SESSION_SECRET: randomBytes(32).toString('base64url') }).production).toBe(true)
  })
})

describe('production and https stacks (findings 5, 8)', () => {
  it('in production the session cookie is Secure even with an http PUBLIC_URL', async () => {
    const prod = await startTestStack({ members: 20, env: { NODE_ENV: 'production', SESSION_SECRET: randomBytes(32).toString('hex'), CREDENTIALS_KEY: randomBytes(32).toString('hex') } })
    try {
      expect(prod.config.publicUrl.startsWith('http://')).toBe(true)
      const start = await prod.app.inject({ method: 'GET', url: '/api/auth/login' })
      expect(String(start.headers['set-cookie'])).toMatch(/scrm_oauth=.*; Secure/)
      const guide = (prod.database.sqlite.prepare(`select userid from staff where role = 'guide' and status = 1 limit 1`).get() as { userid: string }).userid
      const { state } = { state: new URL(start.headers.location as string).searchParams.get('state') }
      const code = prod.emulator.state.issueOauthCode(guide)
      const callback = await prod.app.inject({ method: 'GET', url: `/api/auth/callback?code=${code}&state=${state}`, headers: { cookie: cookieHeader(start) } })
      expect(callback.statusCode).toBe(302)
      const sessionCookie = ([callback.headers['set-cookie']].flat().find(c => c?.startsWith('scrm_session=')) ?? '')
      expect(sessionCookie).toMatch(/; HttpOnly/)
      expect(sessionCookie).toMatch(/; Secure/)
    }
    finally {
      await prod.close()
    }
  })

  it('behind https it sends HSTS', async () => {
    const https = await startTestStack({ members: 20, env: { PUBLIC_URL: 'https://scrm.test:3999' } })
    try {
      const res = await https.app.inject({ method: 'GET', url: '/api/health' })
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    }
    finally {
      await https.close()
    }
  })
})

describe('rate limits (finding 6)', () => {
  let limited: TestStack
  beforeAll(async () => {
    limited = await startTestStack({
      members: 20,
      env: { RATE_LIMIT_AUTH_PER_IP: '6', RATE_LIMIT_API_WITHOUT_SESSION_PER_IP: '5', RATE_LIMIT_API_PER_SESSION: '8', RATE_LIMIT_SENDS_PER_SESSION: '3', RATE_LIMIT_WECOM_CALLBACK_PER_IP: '4' },
    })
  })
  afterAll(async () => limited?.close())

  const burst = async (count: number, request: (i: number) => Promise<{ statusCode: number, headers: Record<string, unknown> }>) => {
    const responses = []
    for (let i = 0; i < count; i++) responses.push(await request(i))
    return responses
  }
  const expectLimited = (responses: { statusCode: number, headers: Record<string, unknown> }[], allowed: number) => {
    expect(responses.slice(0, allowed).every(r => r.statusCode !== 429)).toBe(true)
    const refused = responses.slice(allowed)
    expect(refused.every(r => r.statusCode === 429)).toBe(true)
    expect(Number(refused[0]?.headers['retry-after'])).toBeGreaterThan(0)
  }

  it('limits login starts and OAuth callbacks per IP', async () => {
    const responses = await burst(10, i => limited.app.inject({ method: 'GET', url: i % 2 ? '/api/auth/login' : '/api/auth/callback?code=x&state=y' }))
    expectLimited(responses, 6)
    expect((await limited.app.inject({ method: 'GET', url: '/api/auth/login', remoteAddress: '10.0.0.2' })).statusCode).toBe(302)
  })

  it('limits forged cookies per IP, whatever the cookie', async () => {
    const responses = await burst(8, () => limited.app.inject({ method: 'GET', url: '/api/members', headers: { cookie: `scrm_session=${randomBytes(40).toString('base64url')}` }, remoteAddress: '10.0.0.3' }))
    expectLimited(responses, 5)
  })

  it('limits POST /api/sends per session, not for other sessions', async () => {
    const guides = limited.database.sqlite.prepare(`select distinct f.guide_userid g, f.member_id m from follows f join staff s on s.userid = f.guide_userid where f.status = 'active' and s.status = 1 group by f.guide_userid limit 2`).all() as { g: string, m: number }[]
    const [first, second] = guides
    if (!first || !second)
      throw new Error('fixture needs two guides with customers')
    const cookie = await limited.app.sessions.cookieHeaderFor(first.g)
    const responses = await burst(5, () => limited.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(first.m), remoteAddress: '10.0.0.4' }))
    expectLimited(responses, 3)
    expect(responses[0]?.statusCode).toBe(201)
    const other = await limited.app.sessions.cookieHeaderFor(second.g)
    expect((await limited.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie: other }, payload: sendBody(second.m), remoteAddress: '10.0.0.4' })).statusCode).toBe(201)
  })

  it('limits any API request per session', async () => {
    const admin = limited.database.sqlite.prepare(`select userid from staff where role = 'admin' and status = 1 limit 1`).get() as { userid: string }
    const cookie = await limited.app.sessions.cookieHeaderFor(admin.userid)
    const responses = await burst(10, () => limited.app.inject({ method: 'GET', url: '/api/me', headers: { cookie }, remoteAddress: '10.0.0.5' }))
    expectLimited(responses, 8)
  })

  it('limits the WeCom callback per IP', async () => {
    const responses = await burst(6, () => limited.app.inject({ method: 'POST', url: '/api/wecom/callback?msg_signature=x&timestamp=1&nonce=n', headers: { 'content-type': 'text/xml' }, payload: '<xml></xml>', remoteAddress: '10.0.0.6' }))
    expectLimited(responses, 4)
  })
})
