import type { AddressInfo } from 'node:net'
import type { CallbackDelivery, CallLogEntry, RunningEmulator } from './index.ts'
import { createServer } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { decryptMessage, extractEncrypt, verifyCallbackUrl, verifyMsgSignature } from '../src/wecom/callback-crypto.ts'
import { startEmulator } from './index.ts'
import { makeTestFixtures, TEST_AGENT_ID, TEST_CALLBACK, TEST_CORP_ID, TEST_FIXTURE_SECRETS } from './test-fixtures.ts'

let em: RunningEmulator

type Reply = Record<string, unknown> & { errcode: number, errmsg: string }

async function get(path: string, query: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${em.url}${path}?${new URLSearchParams(query)}`)
  expect(res.status).toBe(200)
  return await res.json() as Reply
}

async function post(path: string, query: Record<string, string>, body: unknown): Promise<Reply> {
  const res = await fetch(`${em.url}${path}?${new URLSearchParams(query)}`, { method: 'POST', body: JSON.stringify(body) })
  expect(res.status).toBe(200)
  return await res.json() as Reply
}

async function control(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<Record<string, unknown>> {
  const res = await fetch(`${em.url}/__emulator/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })
  expect(res.ok).toBe(true)
  return await res.json() as Record<string, unknown>
}

async function token(which: 'app' | 'contact'): Promise<string> {
  const r = await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS[which] })
  expect(r.errcode).toBe(0)
  return r.access_token as string
}

beforeAll(async () => {
  em = await startEmulator({ fixtures: makeTestFixtures() })
})
beforeEach(async () => {
  await control('reset', {})
  await control('fixtures', makeTestFixtures())
})
afterAll(async () => {
  await em.close()
})

describe('envelope and tokens', () => {
  it('issues tokens with expires_in and errmsg "ok"', async () => {
    const r = await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })
    expect(r).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 })
    expect(typeof r.access_token).toBe('string')
  })

  it('formats errors with the hint suffix and classifies bad credentials', async () => {
    const wrongSecret = await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: 'nope' })
    expect(wrongSecret.errcode).toBe(40001)
    expect(wrongSecret.errmsg).toMatch(/^invalid credential, hint: \[\d+_\d+_[0-9a-f]+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40001$/)
    expect((await get('/cgi-bin/gettoken', { corpid: 'wwother', corpsecret: 'x' })).errcode).toBe(40013)
    expect((await get('/cgi-bin/gettoken', { corpsecret: 'x' })).errcode).toBe(41002)
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID })).errcode).toBe(41004)
  })

  it('checks tokens: missing 41001, forged 40014, revoked 40014, expired 42001, wrong secret 48002', async () => {
    expect((await get('/cgi-bin/user/get', { userid: 'guide01' })).errcode).toBe(41001)
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: 'forged' })).errcode).toBe(40014)
    const app = await token('app')
    const contact = await token('contact')
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })).errcode).toBe(0)
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: contact })).errcode).toBe(48002)
    expect((await control('tokens/revoke', { token: app })).revoked).toBe(1)
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })).errcode).toBe(40014)
    await control('clock', { advanceSeconds: 7201 })
    expect((await get('/cgi-bin/department/list', { access_token: contact })).errcode).toBe(42001)
  })

  it('externalcontact/*: the app token when the app may call 客户联系 APIs; the system secret only for corps created before 2023-12-01', async () => {
    const app = await token('app')
    const contact = await token('contact')
    // The test corp was created after 2023-12-01.
    expect((await get('/cgi-bin/externalcontact/get_follow_user_list', { access_token: app })).errcode).toBe(0)
    expect((await get('/cgi-bin/externalcontact/get_follow_user_list', { access_token: contact })).errcode).toBe(48002)
    // An older corp still accepts the system secret.
    const legacy = makeTestFixtures()
    legacy.corpCreatedAfter20231201 = false
    await control('fixtures', legacy)
    expect((await get('/cgi-bin/externalcontact/get_follow_user_list', { access_token: contact })).errcode).toBe(0)
    // An app not listed under 客户联系 → 可调用接口的应用 is refused.
    const unlisted = makeTestFixtures()
    unlisted.app.customerContactApi = false
    await control('fixtures', unlisted)
    expect((await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: app }, { userid_list: ['guide01'] })).errcode).toBe(48002)
  })

  it('enforces the trusted IP list (60020)', async () => {
    const f = makeTestFixtures()
    f.app.trustedIps = ['10.1.2.3']
    await control('fixtures', f)
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })).errcode).toBe(60020)
  })

  it('answers GET on a POST-only endpoint with 40058 and bad JSON with 47001', async () => {
    const callerToken = await token('app')
    expect((await get('/cgi-bin/externalcontact/mark_tag', { access_token: callerToken })).errcode).toBe(40058)
    const res = await fetch(`${em.url}/cgi-bin/externalcontact/get_corp_tag_list?access_token=${callerToken}`, { method: 'POST', body: '{oops' })
    expect(((await res.json()) as Reply).errcode).toBe(47001)
  })
})

describe('tickets', () => {
  it('returns the current ticket while valid and caps agent tickets at 100/h', async () => {
    const app = await token('app')
    const first = await get('/cgi-bin/ticket/get', { access_token: app, type: 'agent_config' })
    expect(first.errcode).toBe(0)
    const tickets = await control('jsapi-tickets')
    expect(tickets).toMatchObject({ corpId: TEST_CORP_ID, agentId: 1000002, agentTicket: first.ticket })
    for (let i = 1; i < 100; i++)
      expect((await get('/cgi-bin/ticket/get', { access_token: app, type: 'agent_config' })).errcode).toBe(0)
    expect((await get('/cgi-bin/ticket/get', { access_token: app, type: 'agent_config' })).errcode).toBe(45009)
    // The corp ticket still has room (400/h per corp).
    expect((await get('/cgi-bin/get_jsapi_ticket', { access_token: app })).errcode).toBe(0)
    await control('clock', { advanceSeconds: 3600 })
    const app2 = await token('app')
    expect((await get('/cgi-bin/ticket/get', { access_token: app2, type: 'agent_config' })).errcode).toBe(0)
  })

  it('caps corp tickets per corp (configurable)', async () => {
    await control('limits', { corpTicketsPerHour: 2 })
    const app = await token('app')
    expect((await get('/cgi-bin/get_jsapi_ticket', { access_token: app })).errcode).toBe(0)
    expect((await get('/cgi-bin/ticket/get', { access_token: app, type: 'agent_config' })).errcode).toBe(0)
    expect((await get('/cgi-bin/get_jsapi_ticket', { access_token: app })).errcode).toBe(45009)
  })
})

describe('rate limits, concurrency and faults', () => {
  it('blocks a (corp, API) for 60 s after the minute limit', async () => {
    await control('limits', { perMinute: 3 })
    const app = await token('app')
    for (let i = 0; i < 3; i++)
      expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })).errcode).toBe(0)
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })).errcode).toBe(45009)
    // Another API has its own window.
    expect((await get('/cgi-bin/department/list', { access_token: app })).errcode).toBe(0)
    await control('clock', { advanceSeconds: 30 })
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })).errcode).toBe(45009)
    await control('clock', { advanceSeconds: 31 })
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })).errcode).toBe(0)
  })

  it('limits per caller IP and debug=1 calls (5/min)', async () => {
    const app = await token('app')
    for (let i = 0; i < 5; i++)
      expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app, debug: '1' })).errcode).toBe(0)
    expect((await get('/cgi-bin/user/get', { userid: 'guide01', access_token: app, debug: '1' })).errcode).toBe(45009)
    await control('reset', {})
    await control('limits', { ipPerMinute: 1 })
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })).errcode).toBe(0)
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })).errcode).toBe(45009)
  })

  it('answers 45033 over the concurrency cap', async () => {
    const app = await token('app')
    await control('limits', { concurrency: 1, latencyMs: 80 })
    const replies = await Promise.all([1, 2, 3].map(() => get('/cgi-bin/user/get', { userid: 'guide01', access_token: app })))
    const codes = replies.map(r => r.errcode).sort()
    expect(codes).toEqual([0, 45033, 45033])
  })

  it('injects errcode faults for N calls and logs them', async () => {
    await control('faults', { api: '/cgi-bin/gettoken', errcode: -1, count: 2 })
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })).errcode).toBe(-1)
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })).errcode).toBe(-1)
    expect((await get('/cgi-bin/gettoken', { corpid: TEST_CORP_ID, corpsecret: TEST_FIXTURE_SECRETS.app })).errcode).toBe(0)
    const calls = (await control('calls?path=/cgi-bin/gettoken')).calls as CallLogEntry[]
    expect(calls.map(c => [c.errcode, c.fault ?? null])).toEqual([[-1, 'errcode'], [-1, 'errcode'], [0, null]])
  })

  it('delays replies with timeout faults', async () => {
    await control('faults', { api: '*', timeoutMs: 150, count: 1 })
    const t0 = Date.now()
    await token('app')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })
})

describe('control API', () => {
  it('answers CORS preflight and lists users', async () => {
    const pre = await fetch(`${em.url}/__emulator/jsapi-tickets`, { method: 'OPTIONS', headers: { 'Origin': 'http://localhost:5173', 'Access-Control-Request-Method': 'GET' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    const res = await fetch(`${em.url}/__emulator/users`)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const { users } = await res.json() as { users: { userid: string, departmentName: string }[] }
    expect(users.find(u => u.userid === 'guide01')?.departmentName).toBe('上海南京西路店')
  })

  it('freezes and advances the clock', async () => {
    const r = await control('clock', { freezeAt: 1_700_000_000 })
    expect(r).toMatchObject({ now: 1_700_000_000_000, frozen: true })
    expect(await control('clock', { advanceSeconds: 10 })).toMatchObject({ nowSeconds: 1_700_000_010 })
  })
})

describe('oAuth', () => {
  const redirect = 'http://localhost:3000/api/auth/callback?next=%2Fapp'

  it('renders the member picker and redirects with a one-time code', async () => {
    const q = new URLSearchParams({ appid: TEST_CORP_ID, redirect_uri: redirect, response_type: 'code', scope: 'snsapi_base', state: 'st-1', agentid: '1000002' })
    const page = await fetch(`${em.url}/connect/oauth2/authorize?${q}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('模拟企业微信登录')
    expect(html).toContain('上海南京西路店')
    expect(html).toMatch(/<a class="user" data-userid="guide01" href="[^"]+"/)
    expect(html).not.toMatch(/<a [^>]*data-userid="disabled01"/)
    const href = /data-userid="guide01" href="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&')
    const jump = await fetch(`${em.url}${href}`, { redirect: 'manual' })
    expect(jump.status).toBe(302)
    const location = new URL(jump.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe('http://localhost:3000/api/auth/callback')
    expect(location.searchParams.get('next')).toBe('/app')
    expect(location.searchParams.get('state')).toBe('st-1')
    const code = location.searchParams.get('code')!
    const app = await token('app')
    expect(await get('/cgi-bin/auth/getuserinfo', { access_token: app, code })).toMatchObject({ errcode: 0, userid: 'guide01' })
    expect((await get('/cgi-bin/auth/getuserinfo', { access_token: app, code })).errcode).toBe(40029)
  })

  it('rejects untrusted redirect hosts and foreign appids', async () => {
    const bad = new URLSearchParams({ appid: TEST_CORP_ID, redirect_uri: 'https://evil.example.com/cb', response_type: 'code', scope: 'snsapi_base', state: 's' })
    const r1 = await fetch(`${em.url}/connect/oauth2/authorize?${bad}`)
    expect(r1.status).toBe(400)
    expect(await r1.text()).toContain('可信域名')
    bad.set('appid', 'wwother')
    bad.set('redirect_uri', redirect)
    expect((await fetch(`${em.url}/connect/oauth2/authorize?${bad}`)).status).toBe(400)
  })

  it('expires codes after 5 minutes', async () => {
    const { code } = await control('oauth/code', { userid: 'guide02' }) as { code: string }
    await control('clock', { advanceSeconds: 301 })
    const app = await token('app')
    expect((await get('/cgi-bin/auth/getuserinfo', { access_token: app, code })).errcode).toBe(40029)
  })
})

describe('members and departments', () => {
  it('user/get: full shape, 60111 unknown, 60011 outside visibility', async () => {
    const app = await token('app')
    const u = await get('/cgi-bin/user/get', { access_token: app, userid: 'GUIDE01' })
    expect(u).toMatchObject({ errcode: 0, userid: 'guide01', name: '王小美', department: [3], main_department: 3, position: '导购', status: 1, gender: '2' })
    expect((await get('/cgi-bin/user/get', { access_token: app, userid: 'nobody' })).errcode).toBe(60111)
    expect((await get('/cgi-bin/user/get', { access_token: app, userid: 'hidden01' })).errcode).toBe(60011)
  })

  it('department/list returns a subtree for id', async () => {
    const app = await token('app')
    const r = await get('/cgi-bin/department/list', { access_token: app, id: '2' })
    expect((r.department as { id: number }[]).map(d => d.id).sort()).toEqual([2, 3, 4])
    expect((r.department as { id: number, department_leader: string[] }[]).find(d => d.id === 2)?.department_leader).toEqual(['super01'])
  })
})

describe('external contacts', () => {
  it('lists follow users and a member\'s customers (84061 when none)', async () => {
    const callerToken = await token('app')
    const f = await get('/cgi-bin/externalcontact/get_follow_user_list', { access_token: callerToken })
    expect(f.follow_user).toEqual(['guide01', 'guide02', 'guide03', 'super01', 'disabled01'])
    expect((await get('/cgi-bin/externalcontact/list', { access_token: callerToken, userid: 'guide01' })).external_userid).toEqual(['wmCust0001', 'wmCust0002'])
    expect((await get('/cgi-bin/externalcontact/list', { access_token: callerToken, userid: 'super01' })).errcode).toBe(84061)
  })

  it('externalcontact/get: shape, 40096, 84061, follow_user paging at 500', async () => {
    const callerToken = await token('app')
    const one = await get('/cgi-bin/externalcontact/get', { access_token: callerToken, external_userid: 'wmCust0001' })
    expect(one.errcode).toBe(0)
    expect(one.external_contact).toMatchObject({ external_userid: 'wmCust0001', type: 1, unionid: 'oEmuUnion0001' })
    const follows = one.follow_user as { userid: string, tags: { tag_id: string, type: number }[] }[]
    expect(follows.map(f => f.userid)).toEqual(['guide01', 'guide02'])
    expect(follows[0]!.tags).toContainEqual({ group_name: '活跃度(规则组)', tag_name: '近30天活跃', tag_id: 'etRuleTagActive30', type: 3 })
    expect(follows[0]!.tags).toContainEqual({ group_name: '会员等级', tag_name: '金卡', tag_id: 'etTagGold', type: 1 })
    expect(one.next_cursor).toBe('')
    expect((await get('/cgi-bin/externalcontact/get', { access_token: callerToken, external_userid: 'wmNope' })).errcode).toBe(40096)
    expect((await get('/cgi-bin/externalcontact/get', { access_token: callerToken, external_userid: 'wmOrphan0001' })).errcode).toBe(84061)
    const wo = await get('/cgi-bin/externalcontact/get', { access_token: callerToken, external_userid: 'woPartner0001' })
    expect(wo.external_contact).toMatchObject({ type: 2, corp_name: '合作伙伴公司' })

    const f = makeTestFixtures()
    for (let i = 0; i < 1100; i++) {
      const userid = `g${String(i).padStart(4, '0')}`
      f.users.push({ ...f.users[0]!, userid, name: `导购${i}` })
      f.externalContacts[0]!.follows.push({ ...f.externalContacts[0]!.follows[1]!, userid })
    }
    await control('fixtures', f)
    const seen: string[] = []
    let cursor = ''
    let pages = 0
    do {
      const r = await get('/cgi-bin/externalcontact/get', { access_token: callerToken, external_userid: 'wmCust0001', cursor })
      expect(r.errcode).toBe(0)
      seen.push(...(r.follow_user as { userid: string }[]).map(x => x.userid))
      cursor = r.next_cursor as string
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(1102)
    expect(new Set(seen).size).toBe(1102)
  })

  it('batch/get_by_user pages with cursor and validates sizes', async () => {
    const callerToken = await token('app')
    const p1 = await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: ['guide01', 'guide02'], limit: 2 })
    expect(p1.errcode).toBe(0)
    const list1 = p1.external_contact_list as { external_contact: { external_userid: string }, follow_info: { userid: string, tag_id: string[] } }[]
    expect(list1.map(x => [x.follow_info.userid, x.external_contact.external_userid])).toEqual([['guide01', 'wmCust0001'], ['guide01', 'wmCust0002']])
    expect(list1[0]!.follow_info.tag_id).toEqual(['etTagGold', 'etTagDress', 'etRuleTagActive30'])
    const p2 = await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: ['guide01', 'guide02'], limit: 2, cursor: p1.next_cursor })
    const list2 = p2.external_contact_list as { external_contact: { external_userid: string } }[]
    expect(list2.map(x => x.external_contact.external_userid)).toEqual(['wmCust0001', 'woPartner0001'])
    expect(p2.next_cursor).toBe('')
    const tooMany = Array.from({ length: 101 }, (_, i) => `u${i}`)
    expect((await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: tooMany })).errcode).toBe(40058)
    expect((await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: ['guide01'], limit: 101 })).errcode).toBe(40058)
  })

  it('batch/get_by_user: members without an interop licence in fail_info; 701008 when none has one', async () => {
    const f = makeTestFixtures()
    f.users.find(u => u.userid === 'guide02')!.interopLicensed = false
    f.users.find(u => u.userid === 'guide03')!.interopLicensed = false
    await control('fixtures', f)
    const callerToken = await token('app')
    const partial = await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: ['guide01', 'guide02'] })
    expect(partial.errcode).toBe(0)
    expect(partial.fail_info).toEqual({ unlicensed_userid_list: ['guide02'] })
    expect((partial.external_contact_list as { follow_info: { userid: string } }[]).every(x => x.follow_info.userid === 'guide01')).toBe(true)
    expect((await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: ['guide02', 'guide03'] })).errcode).toBe(701008)
  })
})

describe('corp tags', () => {
  it('get_corp_tag_list filters by group_id (wins) or tag_id', async () => {
    const callerToken = await token('app')
    const all = await post('/cgi-bin/externalcontact/get_corp_tag_list', { access_token: callerToken }, {})
    expect((all.tag_group as unknown[]).length).toBe(3)
    const byTag = await post('/cgi-bin/externalcontact/get_corp_tag_list', { access_token: callerToken }, { tag_id: ['etTagSilver'] })
    expect(byTag.tag_group).toEqual([expect.objectContaining({ group_id: 'etGroupLevel', tag: [expect.objectContaining({ id: 'etTagSilver', name: '银卡' })] })])
    const both = await post('/cgi-bin/externalcontact/get_corp_tag_list', { access_token: callerToken }, { tag_id: ['etTagSilver'], group_id: ['etGroupPref'] })
    expect((both.tag_group as { group_id: string }[]).map(g => g.group_id)).toEqual(['etGroupPref'])
  })

  it('add_corp_tag: append by group name, collapse duplicates, 40071 on existing name, new group', async () => {
    const callerToken = await token('app')
    const r = await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: callerToken }, { group_name: '偏好品类', tag: [{ name: '外套' }, { name: '外套' }] })
    expect(r.errcode).toBe(0)
    const group = r.tag_group as { group_id: string, tag: { id: string, name: string }[] }
    expect(group.group_id).toBe('etGroupPref')
    expect(group.tag.map(t => t.name)).toEqual(['外套'])
    expect((await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: callerToken }, { group_id: 'etGroupPref', tag: [{ name: '连衣裙' }] })).errcode).toBe(40071)
    expect((await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: callerToken }, { group_id: 'etNope', tag: [{ name: 'x' }] })).errcode).toBe(40068)
    expect((await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: callerToken }, { group_name: '空组', tag: [] })).errcode).toBe(40058)
    const fresh = await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: callerToken }, { group_name: '新客来源', order: 5, tag: [{ name: '直播' }] })
    expect(fresh.tag_group).toMatchObject({ group_name: '新客来源', order: 5, tag: [{ name: '直播' }] })
  })

  it('mark_tag: adds/removes on the relation; 84061 when not that member\'s customer; 40068 bad tag', async () => {
    const callerToken = await token('app')
    const mark = (body: unknown) => post('/cgi-bin/externalcontact/mark_tag', { access_token: callerToken }, body)
    expect((await mark({ userid: 'guide01', external_userid: 'wmCust0002', add_tag: ['etTagShoes'], remove_tag: ['etTagSilver'] })).errcode).toBe(0)
    const after = await post('/cgi-bin/externalcontact/batch/get_by_user', { access_token: callerToken }, { userid_list: ['guide01'] })
    const rel = (after.external_contact_list as { external_contact: { external_userid: string }, follow_info: { tag_id: string[] } }[])
      .find(x => x.external_contact.external_userid === 'wmCust0002')!
    expect(rel.follow_info.tag_id).toEqual(['etTagShoes'])
    expect((await mark({ userid: 'guide03', external_userid: 'wmCust0002', add_tag: ['etTagShoes'] })).errcode).toBe(84061)
    expect((await mark({ userid: 'guide01', external_userid: 'wmCust0002', add_tag: ['etNope'] })).errcode).toBe(40068)
    expect((await mark({ userid: 'guide01', external_userid: 'wmCust0002' })).errcode).toBe(40058)
  })
})

describe('tag ownership (应用仅能编辑和删除本应用创建的标签)', () => {
  it('lets the app edit and delete only its own tags; the legacy system secret may touch any corp tag', async () => {
    const app = await token('app')
    expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: app }, { id: 'etTagGold', name: '黑金卡' })).errcode).toBe(40068)
    expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: app }, { id: 'etGroupLevel', name: '等级' })).errcode).toBe(40068)
    expect((await post('/cgi-bin/externalcontact/del_corp_tag', { access_token: app }, { tag_id: ['etTagSilver'] })).errcode).toBe(40068)
    expect((await post('/cgi-bin/externalcontact/del_corp_tag', { access_token: app }, { group_id: ['etGroupPref'] })).errcode).toBe(40068)
    const own = await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: app }, { group_name: '本应用分组', tag: [{ name: '甲' }] })
    const group = own.tag_group as { group_id: string, tag: { id: string }[] }
    expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: app }, { id: group.tag[0]!.id, name: '乙' })).errcode).toBe(0)
    // A new name of 1..30 characters, an order in [0, 2^32), as add_corp_tag takes them.
    for (const bad of [{ name: '' }, { name: '  ' }, { name: '签'.repeat(31) }, { order: -1 }, { order: 2 ** 32 }, { order: 1.5 }])
      expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: app }, { id: group.tag[0]!.id, ...bad })).errcode, JSON.stringify(bad)).toBe(40058)
    expect((await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: app }, { group_id: group.group_id, tag: [{ name: '丙', order: -1 }] })).errcode).toBe(40058)
    expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: app }, { id: group.tag[0]!.id, name: '签'.repeat(30), order: 2 ** 32 - 1 })).errcode).toBe(0)
    // A tag the app appended to a console group is its own; the group's other tags are not.
    const appended = await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: app }, { group_id: 'etGroupPref', tag: [{ name: '外套' }] })
    const coat = (appended.tag_group as { tag: { id: string }[] }).tag[0]!.id
    expect((await post('/cgi-bin/externalcontact/del_corp_tag', { access_token: app }, { tag_id: [coat] })).errcode).toBe(0)
    expect((await post('/cgi-bin/externalcontact/del_corp_tag', { access_token: app }, { group_id: [group.group_id] })).errcode).toBe(0)

    const legacy = makeTestFixtures()
    legacy.corpCreatedAfter20231201 = false
    await control('fixtures', legacy)
    const contact = await token('contact')
    expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: contact }, { id: 'etTagGold', name: '黑金卡' })).errcode).toBe(0)
    // Rule-group tags are managed only through the strategy-tag APIs.
    expect((await post('/cgi-bin/externalcontact/edit_corp_tag', { access_token: contact }, { id: 'etRuleTagActive30', name: 'x' })).errcode).toBe(40068)
    expect((await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: contact }, { group_id: 'etRuleGroupActive', tag: [{ name: 'x' }] })).errcode).toBe(40068)
  })

  it('mark_tag uses a rule-group tag only when this app created the rule group', async () => {
    const app = await token('app')
    const mark = (tag: string) => post('/cgi-bin/externalcontact/mark_tag', { access_token: app }, { userid: 'guide01', external_userid: 'wmCust0002', add_tag: [tag] })
    expect((await mark('etRuleTagActive30')).errcode).toBe(40068)
    const ours = makeTestFixtures()
    ours.tagGroups.find(g => g.groupId === 'etRuleGroupActive')!.createdByAgentId = TEST_AGENT_ID
    await control('fixtures', ours)
    expect((await mark('etRuleTagActive30')).errcode).toBe(0)
  })
})

describe('callbacks', () => {
  it('verifies the URL, pushes encrypted events on mutations and retries failed deliveries', async () => {
    const received: string[] = []
    let failNext = 1
    const receiver = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x')
      const q = (k: string) => url.searchParams.get(k) ?? ''
      const base = { token: TEST_CALLBACK.token, encodingAesKey: TEST_CALLBACK.encodingAesKey, receiveId: TEST_CORP_ID }
      if (req.method === 'GET') {
        res.end(verifyCallbackUrl({ ...base, msgSignature: q('msg_signature'), timestamp: q('timestamp'), nonce: q('nonce'), echostr: q('echostr') }))
        return
      }
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        if (failNext-- > 0) {
          res.statusCode = 500
          res.end()
          return
        }
        const encrypt = extractEncrypt(body)!
        expect(verifyMsgSignature(q('msg_signature'), TEST_CALLBACK.token, q('timestamp'), q('nonce'), encrypt)).toBe(true)
        received.push(decryptMessage({ ...base, encrypt }))
        res.end('success')
      })
    })
    await new Promise<void>(resolve => receiver.listen(0, '127.0.0.1', resolve))
    try {
      const f = makeTestFixtures()
      f.app.callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/wecom/callback`
      await control('fixtures', f)
      await control('callbacks/config', { retryDelayMs: 10 })
      expect(await control('callbacks/verify', {})).toMatchObject({ ok: true })

      const triggered = await control('callbacks/trigger', { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'guide01', ExternalUserID: 'wmCust0003' }) as unknown as CallbackDelivery
      expect(triggered).toMatchObject({ status: 'delivered', attempts: 2 })
      expect(received[0]).toContain('<ChangeType><![CDATA[add_external_contact]]></ChangeType>')
      expect(received[0]).toContain(`<ToUserName><![CDATA[${TEST_CORP_ID}]]></ToUserName>`)

      const callerToken = await token('app')
      await post('/cgi-bin/externalcontact/mark_tag', { access_token: callerToken }, { userid: 'guide01', external_userid: 'wmCust0002', add_tag: ['etTagGold'] })
      await post('/cgi-bin/externalcontact/add_corp_tag', { access_token: callerToken }, { group_id: 'etGroupPref', tag: [{ name: '外套' }] })
      await expect.poll(() => received.length).toBe(3)
      expect(received[1]).toContain('<ChangeType><![CDATA[edit_external_contact]]></ChangeType>')
      expect(received[2]).toContain('<Event><![CDATA[change_external_tag]]></Event>')
      expect(received[2]).toContain('<TagType><![CDATA[tag]]></TagType>')
    }
    finally {
      receiver.closeAllConnections()
      await new Promise(resolve => receiver.close(resolve))
    }
  })
})
