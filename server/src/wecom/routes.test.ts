import type { TestStack } from '../../testing/harness.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'

let stack: TestStack
let cookie: string

beforeAll(async () => {
  stack = await startTestStack({ members: 40 })
  const guide = stack.database.sqlite.prepare(`select userid from staff where role = 'guide' and status = 1 order by userid limit 1`).get() as { userid: string }
  cookie = await stack.login(guide.userid)
})
beforeEach(() => {
  stack.emulator.state.faults = []
  stack.emulator.state.calls = []
})
afterAll(async () => {
  await stack?.close()
})

const sign = () => stack.app.inject({ method: 'POST', url: '/api/wecom/js-signature', headers: { cookie }, payload: { url: 'http://scrm.test:3999/app/', kind: 'agent' } })
const report = (payload: Record<string, unknown>, headers: Record<string, string> = { cookie }) => stack.app.inject({ method: 'POST', url: '/api/wecom/config-failure', headers, payload })

describe('wecom errors reaching the sidebar', () => {
  it('60020 (IP not trusted) → 502 WECOM_IP_NOT_TRUSTED, not a 500', async () => {
    stack.emulator.state.addFault({ api: '/cgi-bin/gettoken', errcode: 60020, count: 1 })
    stack.database.sqlite.prepare(`delete from wecom_credentials`).run() // nothing cached: the next signature fetches
    const res = await sign()
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ error: 'WECOM_IP_NOT_TRUSTED', message: expect.stringMatching(/60020/), reason: 'wecom_setup' })
  })

  it('45009 (frequency limit) → 503 WECOM_RATE_LIMITED with Retry-After', async () => {
    stack.database.sqlite.prepare(`delete from wecom_credentials`).run() // nothing cached: the next signature fetches
    stack.emulator.state.addFault({ api: '/cgi-bin/ticket/get', errcode: 45009, count: 1 })
    const res = await sign()
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('60')
    expect(res.json()).toMatchObject({ error: 'WECOM_RATE_LIMITED', reason: 'wecom_rate_limited', params: { retryAfterSeconds: 60 } })
  })
})

describe('the config-failure report (POST /api/wecom/config-failure)', () => {
  it('needs a session and a valid kind', async () => {
    expect((await report({ kind: 'agent' }, {})).statusCode).toBe(401)
    const bad = await report({ kind: 'suite' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/kind/)
  })

  it('refreshes the ticket once, then answers refreshed:false with the wait', async () => {
    stack.database.sqlite.prepare(`delete from wecom_credentials`).run() // nothing cached: the next signature fetches
    expect((await sign()).statusCode).toBe(200)
    const first = await report({ kind: 'agent', errCode: 42012, errMsg: 'agentConfig:fail' })
    expect(first.statusCode).toBe(200)
    expect(first.json()).toEqual({ refreshed: true, retryAfterSeconds: 300 })
    const again = await report({ kind: 'agent' })
    expect(again.json()).toMatchObject({ refreshed: false })
    expect(again.json().retryAfterSeconds).toBeGreaterThan(290)
    expect(stack.emulator.state.calls.filter(c => c.path === '/cgi-bin/ticket/get')).toHaveLength(2)
  })
})
