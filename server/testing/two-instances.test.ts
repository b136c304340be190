// Two stateless instances on one PostgreSQL database (issue 7 point 2): instance A and instance B each have
// their own Pool, WeCom client and job queue, as two processes behind a load balancer would; the emulator is
// shared. One guide's requests alternate between them with the same cookie (no sticky sessions). Assertions use
// public app behaviour plus database reads only.
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { TestStack } from './harness.ts'
import { and, asc, count, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PURGE_SESSIONS_JOB, scheduleSessionPurgeJob } from '../src/auth/session-purge.ts'
import { EVENTS_JOB, scheduleContactJobs } from '../src/contacts/jobs.ts'
import { follows, jobs, jobSchedules, members, sends, sessions, staff } from '../src/db/schema.ts'
import { ATTRIBUTE_JOB, scheduleRecommendJobs, TRAIN_JOB } from '../src/recommend/jobs.ts'
import { RECONCILE_SENDS_JOB, scheduleSendJobs } from '../src/sends/jobs.ts'
import { startTestStack } from './harness.ts'

type Instance = Awaited<ReturnType<TestStack['startAnotherInstance']>>
type Call = (options: InjectOptions) => Promise<LightMyRequestResponse>

const SENDS_PER_SESSION = 6
/** Fields stamped with the answering instance's clock at request time (the two requests are ms apart). */
const CLOCK_FIELDS = new Set(['generatedAt', 'from', 'to'])

/** The body with request-time stamps removed (checked separately to be within a few seconds of each other). */
function stable(body: unknown): unknown {
  if (Array.isArray(body))
    return body.map(stable)
  if (body && typeof body === 'object')
    return Object.fromEntries(Object.entries(body).filter(([key]) => !CLOCK_FIELDS.has(key)).map(([key, value]) => [key, stable(value)]))
  return body
}

function expectSameAnswer(fromA: LightMyRequestResponse, fromB: LightMyRequestResponse, what: string) {
  expect(fromA.statusCode, what).toBe(200)
  expect(fromB.statusCode, what).toBe(200)
  const [bodyA, bodyB] = [fromA.json() as Record<string, unknown>, fromB.json() as Record<string, unknown>]
  expect(stable(bodyB), what).toEqual(stable(bodyA))
  for (const key of CLOCK_FIELDS) {
    if (typeof bodyA[key] === 'number')
      expect(Math.abs((bodyB[key] as number) - (bodyA[key] as number)), `${what} ${key}`).toBeLessThan(5_000)
  }
}

// Skipped only on request (SCRM_TEST_PG=0: no PostgreSQL on this machine); CI always runs it.
describe.skipIf(!inject('postgresUrl'))('two instances on one PostgreSQL', () => {
  let stack: TestStack
  let b: Instance
  const db = () => stack.port.db
  const a: Call = async options => stack.app.inject(options)
  const onB: Call = async options => b.app.inject(options)
  /** The load balancer: request i goes to A when i is even, to B when odd. */
  let turn = 0
  const either: Call = async options => (turn++ % 2 === 0 ? a : onB)(options)
  let guide: string
  let cookie: string

  const gettokenCalls = async () => ((await (await fetch(`${stack.emulator.url}/__emulator/calls?path=/cgi-bin/gettoken`)).json()) as { calls: { errcode: number }[] }).calls.filter(c => c.errcode === 0).length
  const ticketCalls = async () => ((await (await fetch(`${stack.emulator.url}/__emulator/calls?path=/cgi-bin/get_jsapi_ticket`)).json()) as { calls: unknown[] }).calls.length

  beforeAll(async () => {
    stack = await startTestStack({ dialect: 'postgres', members: 80, env: { RATE_LIMIT_SENDS_PER_SESSION: String(SENDS_PER_SESSION) } })
    b = await stack.startAnotherInstance()
    guide = (await db().select({ userid: staff.userid }).from(staff).innerJoin(follows, eq(follows.guideUserid, staff.userid)).where(and(eq(staff.role, 'guide'), eq(staff.status, 1), eq(follows.status, 'active'))).groupBy(staff.userid).orderBy(asc(staff.userid)).limit(1).get())!.userid
    // The OAuth flow lands on instance A.
    cookie = await stack.login(guide)
  })
  afterAll(async () => stack?.close())

  it('runs two apps on two separate pools of the same database', async () => {
    expect(b.port).not.toBe(stack.port)
    for (const call of [a, onB]) {
      const health = await call({ method: 'GET', url: '/api/health' })
      expect(health.json()).toMatchObject({ status: 'ok', database: { dialect: 'postgres', ok: true } })
    }
    // A write through B's pool is visible through A's.
    expect((await b.port.db.select({ n: count() }).from(sessions).where(eq(sessions.userid, guide)).get())!.n).toBeGreaterThan(0)
  })

  it('answers the guide\'s reads the same on both instances with the cookie from A', async () => {
    const member = (await db().select({ id: members.id, x: members.externalUserid }).from(members).innerJoin(follows, eq(follows.memberId, members.id)).where(and(eq(follows.guideUserid, guide), eq(follows.status, 'active'), sql`${members.externalUserid} is not null`)).orderBy(asc(members.id)).limit(1).get())!
    const urls = ['/api/me', '/api/members?limit=100', `/api/members/context?externalUserId=${member.x}`, `/api/orders?memberId=${member.id}&limit=50`, '/api/today', `/api/sends?memberId=${member.id}`]
    for (const url of urls) {
      const fromA = await a({ method: 'GET', url, headers: { cookie } })
      const fromB = await onB({ method: 'GET', url, headers: { cookie } })
      expectSameAnswer(fromA, fromB, url)
    }
    expect((await onB({ method: 'GET', url: '/api/me', headers: { cookie } })).json()).toMatchObject({ userid: guide, role: 'guide' })
    // A request without the cookie is refused on both.
    expect((await a({ method: 'GET', url: '/api/me' })).statusCode).toBe(401)
    expect((await onB({ method: 'GET', url: '/api/me' })).statusCode).toBe(401)
  })

  it('serves the guide over HTTP on two loopback ports, alternating with the same cookie', async () => {
    const urls = [await stack.app.listen({ port: 0, host: '127.0.0.1' }), await b.app.listen({ port: 0, host: '127.0.0.1' })]
    // Its own session, so its sends leave the main cookie's per-session sends budget to the tests below.
    const cookie = await stack.login(guide)
    expect(urls[0]).not.toBe(urls[1])
    const answers: unknown[] = []
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${urls[i % 2]}/api/members?limit=20`, { headers: { cookie } })
      expect(res.status).toBe(200)
      answers.push(await res.json())
    }
    expect(answers.every(answer => JSON.stringify(answer) === JSON.stringify(answers[0]))).toBe(true)
    const send = { idempotencyKey: 'two-inst-http-0001', memberId: (answers[0] as { items: { id: number }[] }).items[0]!.id, message: { msgtype: 'text', text: { content: '你好' } } }
    const posted = await Promise.all(urls.map(async url => fetch(`${url}/api/sends`, { method: 'POST', headers: { 'cookie': cookie, 'content-type': 'application/json', 'origin': stack.config.publicUrl }, body: JSON.stringify(send) })))
    expect(posted.map(r => r.status).sort()).toEqual([200, 201])
    expect(await db().select().from(sends).where(eq(sends.idempotencyKey, send.idempotencyKey)).all()).toHaveLength(1)
  })

  it('answers a supervisor\'s conversion report the same on both instances', async () => {
    const supervisor = (await db().select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'supervisor'), eq(staff.status, 1))).orderBy(asc(staff.userid)).limit(1).get())!.userid
    const supervisorCookie = await stack.login(supervisor)
    const fromA = await a({ method: 'GET', url: '/api/reports/conversion', headers: { cookie: supervisorCookie } })
    const fromB = await onB({ method: 'GET', url: '/api/reports/conversion', headers: { cookie: supervisorCookie } })
    expectSameAnswer(fromA, fromB, 'conversion report')
    expect((fromA.json() as { rows: unknown[] }).rows.length).toBeGreaterThan(0)
    // The guide is refused the report on both.
    expect((await onB({ method: 'GET', url: '/api/reports/conversion', headers: { cookie } })).statusCode).toBe(403)
  })

  it('reuses A\'s WeCom access token and jsapi ticket on B', async () => {
    // Logging in on A fetched the app's access token (getuserinfo needs it).
    const tokensAfterLogin = await gettokenCalls()
    expect(tokensAfterLogin).toBeGreaterThan(0)
    const body = { kind: 'corp', url: 'http://scrm.test:3999/app/' }
    const fromA = await a({ method: 'POST', url: '/api/wecom/js-signature', headers: { cookie }, payload: body })
    expect(fromA.statusCode).toBe(200)
    expect(await ticketCalls()).toBe(1)
    const fromB = await onB({ method: 'POST', url: '/api/wecom/js-signature', headers: { cookie }, payload: body })
    expect(fromB.statusCode).toBe(200)
    // B signed with the ticket A fetched, using the token A fetched: no new token or ticket call.
    expect(await ticketCalls()).toBe(1)
    expect(await gettokenCalls()).toBe(tokensAfterLogin)
  })

  describe('sends', () => {
    let memberId: number
    beforeAll(async () => {
      memberId = (await db().select({ id: follows.memberId }).from(follows).where(and(eq(follows.guideUserid, guide), eq(follows.status, 'active'))).orderBy(asc(follows.memberId)).limit(1).get())!.id
    })
    const sendBody = (idempotencyKey: string) => ({ idempotencyKey, memberId, message: { msgtype: 'text', text: { content: '新品到店，欢迎来试' } } })
    const rowsFor = async (key: string) => db().select().from(sends).where(eq(sends.idempotencyKey, key)).all()

    it('makes one send row per idempotency key sent to both instances, one after the other', async () => {
      const key = 'two-inst-seq-0001'
      const first = await a({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(key) })
      const second = await onB({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(key) })
      expect(first.statusCode).toBe(201)
      expect(second.statusCode).toBe(200)
      expect(second.json()).toEqual(first.json())
      expect(await rowsFor(key)).toHaveLength(1)

      // Completing it on B works, and A then reads the outcome.
      const id = (first.json() as { id: number }).id
      const completed = await onB({ method: 'POST', url: `/api/sends/${id}/complete`, headers: { cookie }, payload: { status: 'sent', errMsg: 'sendChatMessage:ok' } })
      expect(completed.statusCode).toBe(200)
      expect(completed.json()).toMatchObject({ id, status: 'sent' })
      expect((await rowsFor(key))[0]).toMatchObject({ status: 'sent' })
      const today = (await a({ method: 'GET', url: `/api/sends?memberId=${memberId}`, headers: { cookie } })).json() as { sends: { id: number, status: string }[] }
      expect(today.sends.find(s => s.id === id)?.status).toBe('sent')
    })

    it('makes one send row per idempotency key sent to both instances at once', async () => {
      const key = 'two-inst-par-0001'
      const answers = await Promise.all([a, onB, a, onB].map(async call => call({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: sendBody(key) })))
      expect(answers.map(r => r.statusCode).sort()).toEqual([200, 200, 200, 201])
      const ids = new Set(answers.map(r => (r.json() as { id: number }).id))
      expect(ids.size).toBe(1)
      expect(await rowsFor(key)).toHaveLength(1)
    })
  })

  it('counts the per-session sends rate limit across both instances', async () => {
    // A fresh session, so the sends above do not count; alternate A, B, A, … with bodies the limiter sees
    // before validation. Each instance alone sees only half the requests, under the limit.
    const other = await stack.login(guide)
    const statuses: number[] = []
    for (let i = 0; i < SENDS_PER_SESSION + 2; i++)
      statuses.push((await either({ method: 'POST', url: '/api/sends', headers: { cookie: other }, payload: {} })).statusCode)
    expect(statuses.slice(0, SENDS_PER_SESSION)).toEqual(Array.from({ length: SENDS_PER_SESSION }, () => 400))
    expect(statuses.slice(SENDS_PER_SESSION)).toEqual([429, 429])
  })

  it('counts concurrent requests to both instances against one shared limit', async () => {
    // Increments race on the same counter row from two pools: exactly the limit gets through, not more.
    const other = await stack.login(guide)
    const statuses = await Promise.all(Array.from({ length: SENDS_PER_SESSION * 2 }, async (_, i) =>
      (await (i % 2 === 0 ? a : onB)({ method: 'POST', url: '/api/sends', headers: { cookie: other }, payload: {} })).statusCode))
    expect(statuses.filter(s => s === 400)).toHaveLength(SENDS_PER_SESSION)
    expect(statuses.filter(s => s === 429)).toHaveLength(SENDS_PER_SESSION)
  })

  it('runs each scheduled job once when both instances\' queues tick', async () => {
    // Both instances store the schedules at start (idempotent), as main.ts does on each, then both workers
    // tick together, twice: the first round fires and runs each due schedule once, the second finds nothing due.
    for (const queue of [stack.queue, b.queue]) {
      await scheduleRecommendJobs(queue, { trainIntervalHours: 24 })
      await scheduleContactJobs(queue)
      await scheduleSendJobs(queue)
      await scheduleSessionPurgeJob(queue)
    }
    const names = [TRAIN_JOB, ATTRIBUTE_JOB, EVENTS_JOB, RECONCILE_SENDS_JOB, PURGE_SESSIONS_JOB]
    expect((await db().select({ name: jobSchedules.name }).from(jobSchedules).orderBy(jobSchedules.name).all()).map(s => s.name)).toEqual([...names].sort())
    for (let round = 0; round < 2; round++)
      await Promise.all([stack.queue.tick(), b.queue.tick(), stack.queue.tick(), b.queue.tick()])
    for (const name of names) {
      const runs = await db().select({ status: jobs.status, attempts: jobs.attempts, lastError: jobs.lastError }).from(jobs).where(eq(jobs.name, name)).all()
      expect(runs, name).toEqual([{ status: 'succeeded', attempts: 1, lastError: null }])
    }
  })

  it('logout on B revokes the session on A', async () => {
    expect((await a({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(200)
    expect((await onB({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(204)
    expect((await a({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
    expect((await a({ method: 'GET', url: '/api/members', headers: { cookie } })).statusCode).toBe(401)
    expect((await onB({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
  })
})
