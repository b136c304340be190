import type { CallLogEntry, RunningEmulator } from '../../emulator/index.ts'
import type { OpenedDatabase } from '../db/client.ts'
import type { WecomClientOptions } from './client.ts'
import type { CredentialStore } from './credential-store.ts'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator } from '../../emulator/index.ts'
import { makeTestFixtures, TEST_AGENT_ID, TEST_CORP_ID, TEST_FIXTURE_SECRETS } from '../../emulator/test-fixtures.ts'
import { openDatabase } from '../db/client.ts'
import { createWecomClient } from './client.ts'
import { createDbCredentialStore, createMemoryCredentialStore, ticketKey, tokenKey } from './credential-store.ts'
import { WecomApiError } from './errors.ts'
import { jsapiSignature } from './signature.ts'

let em: RunningEmulator
let dir: string
let opened: OpenedDatabase
let store: CredentialStore
let sleeps: number[]
let dbSeq = 0
const CREDENTIALS_KEY = randomBytes(32)

beforeAll(async () => {
  em = await startEmulator({ fixtures: makeTestFixtures() })
  dir = mkdtempSync(join(tmpdir(), 'wecom-client-'))
})
beforeEach(async () => {
  await control('reset', {})
  await control('fixtures', makeTestFixtures())
  opened = openDatabase(join(dir, `creds-${++dbSeq}.sqlite`))
  store = createDbCredentialStore(opened.port.db, CREDENTIALS_KEY)
  sleeps = []
})
afterEach(() => {
  opened.close()
})
afterAll(async () => {
  await em.close()
  rmSync(dir, { recursive: true, force: true })
})

async function control<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${em.url}/__emulator/${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })
  expect(res.ok).toBe(true)
  return await res.json() as T
}

async function calls(path?: string): Promise<CallLogEntry[]> {
  const r = await control<{ calls: CallLogEntry[] }>(`calls${path ? `?path=${path}` : ''}`)
  return r.calls
}

function makeClient(overrides: Partial<WecomClientOptions> = {}) {
  return createWecomClient({
    apiBase: em.url,
    corpId: TEST_CORP_ID,
    agentId: TEST_AGENT_ID,
    appSecret: TEST_FIXTURE_SECRETS.app,
    contactSecret: TEST_FIXTURE_SECRETS.contact,
    store,
    timeoutMs: 2000,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  })
}

async function rejection(p: Promise<unknown>): Promise<WecomApiError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(WecomApiError)
  return err as WecomApiError
}

describe('access token', () => {
  it('fetches one token for 50 concurrent calls and caches it in the DB', async () => {
    const client = makeClient()
    const users = await Promise.all(Array.from({ length: 50 }, () => client.getUser('guide01')))
    expect(users.every(u => u.name === '王小美')).toBe(true)
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(1)
    expect(await calls('/cgi-bin/user/get')).toHaveLength(50)

    // The store is shared: another client instance (another server process) reuses the token.
    const row = await store.get(tokenKey(TEST_CORP_ID, TEST_FIXTURE_SECRETS.app))
    expect(row?.value).toMatch(/^EMU_APP_/)
    expect(row!.expiresAt - Date.now()).toBeGreaterThan(7200 * 900 - 5000) // refresh at 90 %
    await makeClient().getUser('guide02')
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(1)
    // Keys never carry the raw secret.
    const keys = opened.sqlite.prepare('select key from wecom_credentials').all() as { key: string }[]
    expect(keys.some(k => k.key.includes(TEST_FIXTURE_SECRETS.app))).toBe(false)
  })

  it('calls externalcontact APIs with the app token (a corp created after 2023-12-01 refuses the system secret)', async () => {
    const client = makeClient()
    await client.getUser('guide01')
    await client.getFollowUserList()
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(1)
    expect((await calls('/cgi-bin/externalcontact/get_follow_user_list'))[0]).toMatchObject({ errcode: 0, tokenKind: 'app' })
  })

  it('falls back to the legacy 客户联系 secret only on 48002 and only when configured', async () => {
    const legacy = makeTestFixtures()
    legacy.corpCreatedAfter20231201 = false
    legacy.app.customerContactApi = false // the app is not listed under 可调用接口的应用
    await control('fixtures', legacy)
    const events: string[] = []
    const withLegacy = makeClient({ onEvent: e => events.push(e.type) })
    expect(await withLegacy.getFollowUserList()).toContain('guide01')
    expect((await calls('/cgi-bin/externalcontact/get_follow_user_list')).map(c => [c.errcode, c.tokenKind])).toEqual([[48002, 'app'], [0, 'contact']])
    expect(events).toContain('contact_secret_fallback')
    // Without a contact secret the refusal is a config error the operator must fix.
    const appOnly = makeClient({ contactSecret: '' })
    expect(await rejection(appOnly.getFollowUserList())).toMatchObject({ errcode: 48002, kind: 'config' })
  })

  it('refreshes transparently and retries once when the token is revoked mid-flight', async () => {
    const client = makeClient()
    await client.getUser('guide01')
    await control('tokens/revoke', { all: true })
    const users = await Promise.all(Array.from({ length: 10 }, () => client.getUser('guide02')))
    expect(users.every(u => u.userid === 'guide02')).toBe(true)
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(2)
    const userCalls = await calls('/cgi-bin/user/get')
    expect(userCalls.filter(c => c.errcode === 40014)).toHaveLength(10)
    expect(userCalls.filter(c => c.errcode === 0)).toHaveLength(11)
  })

  it('does not loop when the fresh token is rejected too', async () => {
    const client = makeClient()
    await client.getUser('guide01')
    await control('faults', { api: '/cgi-bin/user/get', errcode: 40014, count: 5 })
    const err = await rejection(client.getUser('guide01'))
    expect(err).toMatchObject({ errcode: 40014, kind: 'token' })
    expect((await calls('/cgi-bin/user/get')).length).toBe(3) // first call + the one retry
  })

  it('refreshes after the emulator clock passes expiry (42001) and proactively by its own clock', async () => {
    let clientNow = Date.now()
    const client = makeClient({ now: () => clientNow })
    await client.getUser('guide01')
    await control('clock', { advanceSeconds: 7300 })
    expect((await client.getUser('guide01')).userid).toBe('guide01')
    const userCalls = await calls('/cgi-bin/user/get')
    expect(userCalls.map(c => c.errcode)).toEqual([0, 42001, 0])
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(2)
    // Proactive: once the client's clock passes 90 % of expires_in it refreshes without an error.
    clientNow += 7200 * 1000 * 0.9 + 1000
    await client.getUser('guide01')
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(3)
    expect((await calls('/cgi-bin/user/get')).at(-1)!.errcode).toBe(0)
  })

  it('reports a wrong secret as a config error (40001) without retrying', async () => {
    const client = makeClient({ appSecret: 'wrong-secret' })
    const err = await rejection(client.getUser('guide01'))
    expect(err).toMatchObject({ errcode: 40001, kind: 'config', api: '/cgi-bin/gettoken' })
    expect(await calls('/cgi-bin/gettoken')).toHaveLength(1)
  })
})

describe('retries and limits', () => {
  it('45009: throws rate_limit with retryAfterMs and does not hammer', async () => {
    const client = makeClient()
    await control('faults', { api: '/cgi-bin/user/get', errcode: 45009, count: 10 })
    const err = await rejection(client.getUser('guide01'))
    expect(err).toMatchObject({ errcode: 45009, kind: 'rate_limit', retryAfterMs: 60_000 })
    expect(await calls('/cgi-bin/user/get')).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('45009 on an idempotent read waits once when the caller opted in', async () => {
    const client = makeClient({ rateLimitWaitMs: 60_000 })
    await control('faults', { api: '/cgi-bin/user/get', errcode: 45009, count: 1 })
    expect((await client.getUser('guide01')).userid).toBe('guide01')
    expect(sleeps).toEqual([60_000])
  })

  it('45009 from the emulator\'s real minute window', async () => {
    const client = makeClient()
    await control('limits', { perMinute: 2 })
    await client.getUser('guide01')
    await client.getUser('guide01')
    const err = await rejection(client.getUser('guide01'))
    expect(err.kind).toBe('rate_limit')
  })

  it('-1 twice → succeeds on the 3rd attempt with growing backoff', async () => {
    const client = makeClient()
    await control('faults', { api: '/cgi-bin/user/get', errcode: -1, count: 2 })
    expect((await client.getUser('guide01')).userid).toBe('guide01')
    expect((await calls('/cgi-bin/user/get')).map(c => c.errcode)).toEqual([-1, -1, 0])
    expect(sleeps).toHaveLength(2)
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]! - 100)
  })

  it('-1 more than maxRetries times → retryable error', async () => {
    const client = makeClient()
    await control('faults', { api: '/cgi-bin/user/get', errcode: -1, count: 10 })
    const err = await rejection(client.getUser('guide01'))
    expect(err).toMatchObject({ errcode: -1, kind: 'retryable' })
    expect(await calls('/cgi-bin/user/get')).toHaveLength(4)
  })

  it('never repeats a non-idempotent write after -1 or 45033 (it may have happened)', async () => {
    const client = makeClient()
    await control('faults', { api: '/cgi-bin/externalcontact/add_corp_tag', errcode: -1, count: 1 })
    expect(await rejection(client.addCorpTag({ groupName: '新分组', tags: [{ name: '甲' }] }))).toMatchObject({ errcode: -1, kind: 'retryable' })
    await control('faults', { api: '/cgi-bin/externalcontact/add_corp_tag', errcode: 45033, count: 1 })
    expect(await rejection(client.addCorpTag({ groupName: '新分组', tags: [{ name: '甲' }] }))).toMatchObject({ errcode: 45033, kind: 'concurrency' })
    expect(await calls('/cgi-bin/externalcontact/add_corp_tag')).toHaveLength(2)
    expect(sleeps).toEqual([])
  })

  it('classifies 50001 (redirect domain not trusted) and 60020 (IP not trusted) as config errors', async () => {
    const client = makeClient()
    await control('faults', { api: '/cgi-bin/auth/getuserinfo', errcode: 50001, count: 1 })
    expect(await rejection(client.getUserIdByCode('whatever'))).toMatchObject({ errcode: 50001, kind: 'config' })
    await control('faults', { api: '/cgi-bin/user/get', errcode: 60020, count: 1 })
    expect(await rejection(client.getUser('guide01'))).toMatchObject({ errcode: 60020, kind: 'config' })
  })

  it('45033 → short backoff and retry', async () => {
    const client = makeClient()
    await control('faults', { api: '/cgi-bin/externalcontact/get_follow_user_list', errcode: 45033, count: 1 })
    expect(await client.getFollowUserList()).toContain('guide01')
    expect(sleeps).toEqual([250])
  })

  it('timeouts: a read retries, then fails with kind timeout', async () => {
    const client = makeClient({ timeoutMs: 100, maxRetries: 2 })
    await client.getUser('guide01') // token first, so only user/get is delayed
    await control('faults', { api: '/cgi-bin/user/get', timeoutMs: 400, count: 1 })
    expect((await client.getUser('guide01')).userid).toBe('guide01')
    await control('faults', { api: '/cgi-bin/user/get', timeoutMs: 400, count: 3 })
    const err = await rejection(client.getUser('guide01'))
    expect(err).toMatchObject({ kind: 'timeout', api: '/cgi-bin/user/get' })
    // Let the held replies finish so they do not leak into the next test's call log.
    await expect.poll(async () => (await calls('/cgi-bin/user/get')).filter(c => c.fault === 'timeout').length, { timeout: 3000 }).toBe(4)
  })

  it('timeouts: a non-idempotent write is not retried', async () => {
    const client = makeClient({ timeoutMs: 100 })
    await client.getCorpTagList()
    await control('faults', { api: '/cgi-bin/externalcontact/add_corp_tag', timeoutMs: 300, count: 1 })
    const err = await rejection(client.addCorpTag({ groupName: '偏好品类', tags: [{ name: '外套' }] }))
    expect(err.kind).toBe('timeout')
    expect(sleeps).toEqual([])
    // The write still happened on the server side after the client gave up — exactly why it is not retried.
    await expect.poll(async () => (await calls('/cgi-bin/externalcontact/add_corp_tag')).length, { timeout: 3000 }).toBe(1)
  })
})

describe('jS-SDK tickets and signatures', () => {
  it('signs with the emulator\'s agent ticket, caching the ticket', async () => {
    const client = makeClient()
    const url = 'http://localhost:3000/app/?from=toolbar#/customer'
    const s1 = await client.signJsapi('agent', url)
    const s2 = await client.signJsapi('agent', url)
    const tickets = await control<{ agentTicket: string, corpTicket: string }>('jsapi-tickets')
    for (const s of [s1, s2]) {
      expect(s.signature).toBe(jsapiSignature({ ticket: tickets.agentTicket, nonceStr: s.nonceStr, timestamp: s.timestamp, url: 'http://localhost:3000/app/?from=toolbar' }))
      expect(Math.abs(s.timestamp - Date.now() / 1000)).toBeLessThan(5)
    }
    expect(s1.nonceStr).not.toBe(s2.nonceStr)
    const corp = await client.signJsapi('corp', url)
    expect(corp.signature).toBe(jsapiSignature({ ticket: tickets.corpTicket, nonceStr: corp.nonceStr, timestamp: corp.timestamp, url }))
    expect(await calls('/cgi-bin/ticket/get')).toHaveLength(1)
    expect(await calls('/cgi-bin/get_jsapi_ticket')).toHaveLength(1)
  })

  it('refreshes the token first when the ticket fetch says 42001', async () => {
    const client = makeClient()
    await client.getUser('guide01')
    await control('clock', { advanceSeconds: 7300 })
    expect(await client.getJsapiTicket('agent')).toMatch(/^EMU_AGENT_TICKET_/)
    expect((await calls('/cgi-bin/ticket/get')).map(c => c.errcode)).toEqual([42001, 0])
  })

  it('single-flights concurrent ticket fetches', async () => {
    const client = makeClient({ store: createMemoryCredentialStore() })
    await Promise.all(Array.from({ length: 20 }, () => client.signJsapi('agent', 'http://localhost:3000/')))
    expect(await calls('/cgi-bin/ticket/get')).toHaveLength(1)
  })

  it('keys tickets by agent and app secret: after a secret change the old ticket is not served', async () => {
    const before = await makeClient().getJsapiTicket('agent')
    const rotated = makeTestFixtures()
    rotated.app.secret = 'EMU_APP_SECRET_ROTATED_00000000000000000002'
    await control('reset', {}) // WeCom issues tickets anew for the new secret's tokens
    await control('fixtures', rotated)
    const after = await makeClient({ appSecret: rotated.app.secret }).getJsapiTicket('agent')
    const tickets = await control<{ agentTicket: string }>('jsapi-tickets')
    expect(after).toBe(tickets.agentTicket)
    expect(after).not.toBe(before)
    const keys = (opened.sqlite.prepare('select key from wecom_credentials').all() as { key: string }[]).map(k => k.key)
    expect(keys.filter(k => k.startsWith('wecom:ticket:'))).toHaveLength(2)
    expect(keys.some(k => k.includes(rotated.app.secret) || k.includes(TEST_FIXTURE_SECRETS.app))).toBe(false)
  })

  it('a reported config failure refreshes a stale ticket once per interval, agreed across instances', async () => {
    let clock = Date.now()
    const a = makeClient({ now: () => clock })
    const b = makeClient({ now: () => clock }) // another server instance on the same DB
    const url = 'http://localhost:3000/app/'
    await store.set(ticketKey(TEST_CORP_ID, 'agent', TEST_AGENT_ID, TEST_FIXTURE_SECRETS.app), 'EMU_AGENT_TICKET_STALE', clock + 3_600_000)
    const signedWith = async (ticket: string) => {
      const s = await a.signJsapi('agent', url)
      return s.signature === jsapiSignature({ ticket, nonceStr: s.nonceStr, timestamp: s.timestamp, url })
    }
    const { agentTicket } = await control<{ agentTicket: string }>('jsapi-tickets')
    expect(await signedWith(agentTicket)).toBe(false) // the sidebar's agentConfig would fail

    expect(await a.refreshTicketAfterConfigFailure('agent')).toEqual({ refreshed: true, retryAfterMs: 5 * 60_000 })
    expect(await signedWith(agentTicket)).toBe(true)
    expect(await calls('/cgi-bin/ticket/get')).toHaveLength(1)

    clock += 60_000
    expect(await b.refreshTicketAfterConfigFailure('agent')).toEqual({ refreshed: false, retryAfterMs: 4 * 60_000 })
    expect(await a.refreshTicketAfterConfigFailure('agent')).toMatchObject({ refreshed: false })
    expect(await calls('/cgi-bin/ticket/get')).toHaveLength(1)
    // The corp ticket has its own budget; the agent one opens again after the interval.
    expect(await b.refreshTicketAfterConfigFailure('corp')).toMatchObject({ refreshed: true })
    clock += 4 * 60_000
    expect(await b.refreshTicketAfterConfigFailure('agent')).toMatchObject({ refreshed: true })
    expect(await calls('/cgi-bin/ticket/get')).toHaveLength(2)
  })

  it('turns the app\'s hourly ticket cap into a rate_limit error', async () => {
    const client = makeClient()
    await control('limits', { agentTicketsPerHour: 0 })
    const err = await rejection(client.getJsapiTicket('agent'))
    expect(err).toMatchObject({ errcode: 45009, kind: 'rate_limit' })
  })
})

describe('oAuth', () => {
  it('builds the authorize URL in WeCom\'s parameter order', () => {
    const url = makeClient().oauthAuthorizeUrl({ redirectUri: 'http://localhost:3000/api/auth/callback?x=1', state: 'abc' })
    expect(url).toBe('https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0000000000000001&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%3Fx%3D1&response_type=code&scope=snsapi_base&state=abc&agentid=1000002#wechat_redirect')
  })

  it('walks the emulator login page; codes are single-use and expire after 5 minutes', async () => {
    const client = makeClient()
    const authorize = client.oauthAuthorizeUrl({ oauthBase: em.url, redirectUri: 'http://localhost:3000/api/auth/callback', state: 'xyz' })
    const html = await (await fetch(authorize)).text()
    const href = /<a class="user" data-userid="guide02" href="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&')
    const jump = await fetch(new URL(href, em.url), { redirect: 'manual' })
    const back = new URL(jump.headers.get('location')!)
    expect(back.searchParams.get('state')).toBe('xyz')
    const code = back.searchParams.get('code')!
    expect(await client.getUserIdByCode(code)).toBe('guide02')
    expect(await rejection(client.getUserIdByCode(code))).toMatchObject({ errcode: 40029, kind: 'oauth' })

    const { code: late } = await control<{ code: string }>('oauth/code', { userid: 'guide01' })
    await control('clock', { advanceSeconds: 299 })
    const { code: onTime } = await control<{ code: string }>('oauth/code', { userid: 'guide01' })
    await control('clock', { advanceSeconds: 2 })
    expect(await rejection(client.getUserIdByCode(late))).toMatchObject({ errcode: 40029, kind: 'oauth' })
    expect(await client.getUserIdByCode(onTime)).toBe('guide01')
  })

  it('getUser: 60111 not_found, 60011 outside visibility', async () => {
    const client = makeClient()
    expect(await rejection(client.getUser('nobody'))).toMatchObject({ errcode: 60111, kind: 'not_found' })
    expect(await rejection(client.getUser('hidden01'))).toMatchObject({ errcode: 60011, kind: 'client' })
    const depts = await client.listDepartments()
    expect(depts.map(d => d.name)).toContain('杭州湖滨店')
  })
})

describe('external contacts and tags', () => {
  it('lists customers per member ([] on 84061)', async () => {
    const client = makeClient()
    expect(await client.listExternalContacts('guide02')).toEqual(['wmCust0001', 'woPartner0001'])
    expect(await client.listExternalContacts('super01')).toEqual([])
  })

  it('getExternalContact follows every cursor page (contact with > 500 follow users)', async () => {
    const f = makeTestFixtures()
    for (let i = 0; i < 1234; i++) {
      const userid = `bulk${i}`
      f.users.push({ ...f.users[0]!, userid, name: `导购${i}` })
      f.externalContacts[1]!.follows.push({ ...f.externalContacts[1]!.follows[0]!, userid, tagIds: [] })
    }
    await control('fixtures', f)
    const client = makeClient()
    const detail = await client.getExternalContact('wmCust0002')
    expect(detail.external_contact.name).toBe('黄先生')
    expect(detail.follow_user).toHaveLength(1235)
    expect(new Set(detail.follow_user.map(x => x.userid)).size).toBe(1235)
    expect(await calls('/cgi-bin/externalcontact/get')).toHaveLength(3)
    expect(await rejection(client.getExternalContact('wmNope'))).toMatchObject({ errcode: 40096, kind: 'not_found' })
  })

  it('batchGetByUser pages and the iterator walks them all', async () => {
    const client = makeClient()
    const page = await client.batchGetByUser(['guide01', 'guide02'], { limit: 3 })
    expect(page.external_contact_list).toHaveLength(3)
    expect(page.next_cursor).not.toBe('')
    const rest = await client.batchGetByUser(['guide01', 'guide02'], { limit: 3, cursor: page.next_cursor })
    expect(rest.external_contact_list.map(x => x.external_contact.external_userid)).toEqual(['woPartner0001'])
    expect(rest.next_cursor).toBe('')

    const seen: string[] = []
    let pages = 0
    for await (const { contacts, unlicensedUserids } of client.iterateBatchGetByUser(['guide01', 'guide02', 'guide03'], { limit: 2 })) {
      pages++
      expect(unlicensedUserids).toEqual([])
      seen.push(...contacts.map(x => `${x.follow_info.userid}/${x.external_contact.external_userid}`))
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(['guide01/wmCust0001', 'guide01/wmCust0002', 'guide02/wmCust0001', 'guide02/woPartner0001', 'guide03/wmCust0003'])
  })

  it('the iterator reports guides without an interop licence (fail_info, and 701008 for a whole chunk)', async () => {
    const f = makeTestFixtures()
    f.users.find(u => u.userid === 'guide02')!.interopLicensed = false
    await control('fixtures', f)
    const client = makeClient()
    const pages = []
    for await (const page of client.iterateBatchGetByUser(['guide01', 'guide02']))
      pages.push(page)
    expect(pages.flatMap(p => p.unlicensedUserids)).toEqual(['guide02'])
    expect(pages.flatMap(p => p.contacts).every(c => c.follow_info.userid === 'guide01')).toBe(true)

    const only = []
    for await (const page of client.iterateBatchGetByUser(['guide02']))
      only.push(page)
    expect(only).toEqual([{ contacts: [], unlicensedUserids: ['guide02'] }])
    expect((await calls('/cgi-bin/externalcontact/batch/get_by_user')).at(-1)?.errcode).toBe(701008)
  })

  it('corp tags: list, add, mark (84061 when not that member\'s customer)', async () => {
    const client = makeClient()
    const groups = await client.getCorpTagList()
    expect(groups.map(g => g.group_name)).toEqual(['会员等级', '偏好品类', '活跃度(规则组)'])
    const added = await client.addCorpTag({ groupName: '偏好品类', tags: [{ name: '外套' }] })
    const coatId = added.tag[0]!.id
    expect(added.group_id).toBe('etGroupPref')
    expect(await rejection(client.addCorpTag({ groupId: 'etGroupPref', tags: [{ name: '外套' }] }))).toMatchObject({ errcode: 40071, kind: 'client' })
    await client.markTag({ userid: 'guide03', externalUserid: 'wmCust0003', addTag: [coatId] })
    await client.markTag({ userid: 'guide03', externalUserid: 'wmCust0003', addTag: [coatId] }) // idempotent
    const detail = await client.getExternalContact('wmCust0003')
    expect(detail.follow_user[0]!.tags).toEqual([{ group_name: '偏好品类', tag_name: '外套', tag_id: coatId, type: 1 }])
    expect(await rejection(client.markTag({ userid: 'guide01', externalUserid: 'wmCust0003', addTag: [coatId] }))).toMatchObject({ errcode: 84061, kind: 'not_found' })
    expect(await rejection(client.markTag({ userid: 'guide03', externalUserid: 'wmCust0003', addTag: ['etNope'] }))).toMatchObject({ errcode: 40068 })
    await client.delCorpTag({ tagIds: [coatId] })
    expect((await client.getCorpTagList({ groupIds: ['etGroupPref'] }))[0]!.tag.map(t => t.name)).toEqual(['连衣裙', '鞋履'])
  })

  it('tags this app may not write are refused as typed client errors, and reading them still works', async () => {
    const client = makeClient()
    // Console-created tags and a rule group created by another app (test fixtures).
    expect(await rejection(client.editCorpTag({ id: 'etTagGold', name: '黑金卡' }))).toMatchObject({ errcode: 40068, kind: 'client' })
    expect(await rejection(client.delCorpTag({ groupIds: ['etGroupLevel'] }))).toMatchObject({ errcode: 40068, kind: 'client' })
    expect(await rejection(client.markTag({ userid: 'guide01', externalUserid: 'wmCust0002', addTag: ['etRuleTagActive30'] }))).toMatchObject({ errcode: 40068, kind: 'client' })
    // Nothing was changed, and nothing was retried.
    expect((await client.getCorpTagList({ tagIds: ['etTagGold'] }))[0]!.tag[0]!.name).toBe('金卡')
    expect((await calls()).filter(c => c.errcode === 40068)).toHaveLength(3)
    const detail = await client.getExternalContact('wmCust0001')
    expect(detail.follow_user[0]!.tags).toContainEqual({ group_name: '活跃度(规则组)', tag_name: '近30天活跃', tag_id: 'etRuleTagActive30', type: 3 })
  })
})
