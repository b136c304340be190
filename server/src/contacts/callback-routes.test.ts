import type { WecomFixtures } from '../../emulator/fixtures.ts'
import type { CallbackDelivery } from '../../emulator/index.ts'
import type { TestStack } from '../../testing/harness.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'
import { buildApp } from '../app.ts'
import { wecomEvents } from '../db/schema.ts'
import { encryptMessage, msgSignature } from '../wecom/callback-crypto.ts'
import { CallbackXmlError, drainUntilIdle, drainWecomEvents, eventDedupeKey, parseCallbackXml, storeWecomEvent } from './events.ts'

describe('parseCallbackXml', () => {
  it('reads CDATA and plain values of a flat event', () => {
    const xml = `<?xml version="1.0"?><xml><ToUserName><![CDATA[ww01]]></ToUserName><CreateTime>1403610513</CreateTime>
      <Event><![CDATA[change_external_contact]]></Event>
      <ChangeType>  add_external_contact  </ChangeType><State><![CDATA[ a b ]]></State><!-- note --></xml>`
    expect(parseCallbackXml(xml)).toEqual({ ToUserName: 'ww01', CreateTime: '1403610513', Event: 'change_external_contact', ChangeType: 'add_external_contact', State: ' a b ' })
  })

  it('joins split CDATA, decodes entities in plain text, keeps empty and self-closing tags', () => {
    const xml = '<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>a &lt;b&gt; &amp; &#20013;&#x6587;</B><C></C><D/><E><![CDATA[]]></E></xml>'
    expect(parseCallbackXml(xml)).toEqual({ A: 'x]]>y', B: 'a <b> & 中文', C: '', D: '', E: '' })
  })

  it('ignores nested elements and keeps the first of a repeated tag', () => {
    const xml = '<xml><Event>change_external_chat</Event><MemChangeList><Item><![CDATA[wm1]]></Item><Item>wm2</Item></MemChangeList><ChatId>wr1</ChatId><ChatId>wr2</ChatId></xml>'
    expect(parseCallbackXml(xml)).toEqual({ Event: 'change_external_chat', ChatId: 'wr1' })
  })

  it('rejects malformed input and DOCTYPE declarations', () => {
    for (const bad of ['', 'plain text', '<xml><A>1</B></xml>', '<xml><A>1</A>', '<xml><A><![CDATA[x</A></xml>', '<xml></xml><xml></xml>', '<!DOCTYPE x [<!ENTITY a "b">]><xml><A>&a;</A></xml>', 'junk<xml></xml>'])
      expect(() => parseCallbackXml(bad), bad).toThrow(CallbackXmlError)
  })
})

describe('eventDedupeKey', () => {
  const base = { ToUserName: 'ww', FromUserName: 'sys', MsgType: 'event', CreateTime: '1700000000' }
  it('keys contact events by Event, ChangeType, UserID, ExternalUserID, CreateTime', () => {
    const e = { ...base, Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: 'g1', ExternalUserID: 'wm1' }
    expect(eventDedupeKey(e)).toBe('change_external_contact|edit_external_contact|g1|wm1|1700000000')
    expect(eventDedupeKey({ ...e, WelcomeCode: 'x' })).toBe(eventDedupeKey(e))
    expect(eventDedupeKey({ ...e, CreateTime: '1700000001' })).not.toBe(eventDedupeKey(e))
  })
  it('adds Id/TagType for tag events and ChatId for chat events; escapes the separator', () => {
    const tag = { ...base, Event: 'change_external_tag', ChangeType: 'update', Id: 'et1', TagType: 'tag' }
    expect(eventDedupeKey(tag)).not.toBe(eventDedupeKey({ ...tag, Id: 'et2' }))
    const chat = { ...base, Event: 'change_external_chat', ChangeType: 'update', ChatId: 'wr1' }
    expect(eventDedupeKey(chat)).not.toBe(eventDedupeKey({ ...chat, ChatId: 'wr2' }))
    expect(eventDedupeKey({ ...base, Event: 'change_external_contact', UserID: 'a|b' })).toContain('a%7Cb')
  })
  it('keys unknown events by all non-envelope fields', () => {
    const e = { ...base, Event: 'msgaudit_notify', AgentID: '1' }
    expect(eventDedupeKey(e)).toBe('msgaudit_notify|CreateTime=1700000000|Event=msgaudit_notify')
  })
})

let stack: TestStack
let guide: string
let sqlite: TestStack['database']['sqlite']

async function control<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.emulator.url}/__emulator/${path}`, body === undefined ? undefined : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.ok, `${path}: ${res.status}`).toBe(true)
  return await res.json() as T
}

function trigger(event: Record<string, string | number>): Promise<CallbackDelivery> {
  return control<CallbackDelivery>('callbacks/trigger', event)
}

/** Polls `probe`, running due jobs (the event drain) in between, as a worker would. */
async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v)
      return v
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}`)
    await stack.queue.tick()
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

interface EventRow { id: number, event: string, change_type: string | null, processed_at: number | null, attempts: number, error: string | null }
const eventRows = (externalUserid: string) => sqlite.prepare(`select id, event, change_type, processed_at, attempts, error from wecom_events where json_extract(payload, '$.ExternalUserID') = ? order by id`).all(externalUserid) as EventRow[]
const followOf = (guideUserid: string, externalUserid: string) => sqlite.prepare(`select f.* from follows f join members m on m.id = f.member_id where m.external_userid = ? and f.guide_userid = ?`).get(externalUserid, guideUserid) as { status: string, remark: string, added_at: number, add_way: number, state: string | null } | undefined
const tagsOf = (externalUserid: string) => (sqlite.prepare(`select distinct ft.tag_id from follow_tags ft join members m on m.id = ft.member_id where m.external_userid = ? order by ft.tag_id`).all(externalUserid) as { tag_id: string }[]).map(r => r.tag_id)

beforeAll(async () => {
  stack = await startTestStack({ callbacks: true, members: 60 })
  sqlite = stack.database.sqlite
  await control('callbacks/config', { retryDelayMs: 10, attempts: 2, timeoutMs: 3000 })
  guide = (sqlite.prepare(`select guide_userid as g from follows where status = 'active' group by guide_userid order by count(*) desc limit 1`).get() as { g: string }).g
})
afterAll(async () => stack?.close())

describe('gET /api/wecom/callback (URL verification)', () => {
  it('passes the emulator\'s echostr verification round trip', async () => {
    const result = await control<{ ok: boolean, status: number, body: string, expected: string }>('callbacks/verify', {})
    expect(result).toMatchObject({ ok: true, status: 200 })
    expect(result.body).toBe(result.expected)
  })

  it('refuses a wrong signature without echoing and names a missing field', async () => {
    const { callbackToken, encodingAesKey, corpId } = stack.config.wecom
    const echostr = encryptMessage({ encodingAesKey, receiveId: corpId, message: 'secret-echo' })
    const timestamp = String(Math.floor(Date.now() / 1000))
    const good = msgSignature(callbackToken, timestamp, 'n1', echostr)
    const q = (sig: string) => `/api/wecom/callback?msg_signature=${sig}&timestamp=${timestamp}&nonce=n1&echostr=${encodeURIComponent(echostr)}`
    const ok = await stack.app.inject({ method: 'GET', url: q(good) })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toBe('secret-echo')
    expect(ok.headers['content-type']).toMatch(/^text\/plain/)
    const bad = await stack.app.inject({ method: 'GET', url: q(good.replace(/^./, c => (c === 'a' ? 'b' : 'a'))) })
    expect(bad.statusCode).toBe(403)
    expect(bad.body).not.toContain('secret-echo')
    const missing = await stack.app.inject({ method: 'GET', url: '/api/wecom/callback?msg_signature=x&timestamp=1&nonce=n' })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toMatch(/echostr/)
  })
})

describe('pOST /api/wecom/callback (events)', () => {
  it('refuses a wrong signature and a non-XML body, storing nothing', async () => {
    const before = (sqlite.prepare('select count(*) n from wecom_events').get() as { n: number }).n
    const { encodingAesKey, corpId } = stack.config.wecom
    const encrypt = encryptMessage({ encodingAesKey, receiveId: corpId, message: '<xml><Event>change_external_tag</Event><ChangeType>create</ChangeType></xml>' })
    const envelope = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
    const forged = await stack.app.inject({ method: 'POST', url: '/api/wecom/callback?msg_signature=0000000000000000000000000000000000000000&timestamp=1&nonce=n', headers: { 'content-type': 'text/xml' }, payload: envelope })
    expect(forged.statusCode).toBe(403)
    const notXml = await stack.app.inject({ method: 'POST', url: '/api/wecom/callback?msg_signature=x&timestamp=1&nonce=n', headers: { 'content-type': 'application/xml' }, payload: '<xml></xml>' })
    expect(notXml.statusCode).toBe(400)
    const tooBig = await stack.app.inject({ method: 'POST', url: '/api/wecom/callback?msg_signature=x&timestamp=1&nonce=n', headers: { 'content-type': 'text/xml' }, payload: `<xml>${'x'.repeat(70_000)}</xml>` })
    expect(tooBig.statusCode).toBe(413)
    expect((sqlite.prepare('select count(*) n from wecom_events').get() as { n: number }).n).toBe(before)
  })

  it('refuses a validly signed event with a stale or far-future timestamp, or addressed to another corp', async () => {
    const { callbackToken, encodingAesKey, corpId } = stack.config.wecom
    const eventsBefore = (sqlite.prepare('select count(*) n from wecom_events').get() as { n: number }).n
    const nowS = Math.floor(Date.now() / 1000)
    const post = (timestamp: number, toUserName = corpId) => {
      const xml = `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><ChangeType><![CDATA[create]]></ChangeType><Id><![CDATA[etReplay${timestamp}]]></Id><TagType><![CDATA[tag]]></TagType></xml>`
      const encrypt = encryptMessage({ encodingAesKey, receiveId: corpId, message: xml })
      const signature = msgSignature(callbackToken, timestamp, 'n2', encrypt)
      return stack.app.inject({ method: 'POST', url: `/api/wecom/callback?msg_signature=${signature}&timestamp=${timestamp}&nonce=n2`, headers: { 'content-type': 'text/xml' }, payload: `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` })
    }
    for (const timestamp of [0, nowS - 2 * 86_400, nowS - 301, nowS + 3600]) {
      const res = await post(timestamp)
      expect(res.statusCode, String(timestamp)).toBe(403)
      expect(res.json().message).toMatch(/timestamp/)
    }
    const misaddressed = await post(nowS, 'wwSomeoneElse')
    expect(misaddressed.statusCode).toBe(403)
    expect(misaddressed.json().message).toMatch(/ToUserName/)
    expect((sqlite.prepare('select count(*) n from wecom_events').get() as { n: number }).n).toBe(eventsBefore)
    // Within the window it is accepted.
    expect((await post(nowS - 60)).body).toBe('success')
  })

  it('refuses a URL verification with a stale timestamp without echoing', async () => {
    const { callbackToken, encodingAesKey, corpId } = stack.config.wecom
    const echostr = encryptMessage({ encodingAesKey, receiveId: corpId, message: 'old-echo' })
    const signature = msgSignature(callbackToken, 0, 'n3', echostr)
    const res = await stack.app.inject({ method: 'GET', url: `/api/wecom/callback?msg_signature=${signature}&timestamp=0&nonce=n3&echostr=${encodeURIComponent(echostr)}` })
    expect(res.statusCode).toBe(403)
    expect(res.body).not.toContain('old-echo')
  })

  it('an add_external_contact for a new customer creates the member and the follow; duplicates store one row', async () => {
    const fixtures = await control<WecomFixtures>('fixtures')
    const tag = fixtures.tagGroups.find(g => !g.deleted && g.tags.some(t => !t.deleted))!.tags.find(t => !t.deleted)!
    const externalUserid = 'wmNewCustomer000000000000001'
    const createtime = Math.floor(Date.now() / 1000) - 5
    fixtures.externalContacts.push({
      externalUserid,
      name: '新客户',
      avatar: 'https://wx.qlogo.cn/new.png',
      type: 1,
      gender: 2,
      unionid: 'oUnionNew0001',
      follows: [{ userid: guide, remark: '新客户 手机尾号1234', description: '门店扫码', createtime, tagIds: [tag.id], addWay: 1, state: 'qr_S01', remarkMobiles: [] }],
    })
    await control('fixtures', fixtures)

    const event = { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: guide, ExternalUserID: externalUserid, State: 'qr_S01', WelcomeCode: 'WELCOME', CreateTime: createtime + 1 }
    const first = await trigger(event)
    expect(first.status).toBe('delivered')
    const row = await waitFor(() => eventRows(externalUserid).find(r => r.processed_at !== null), 'the add event to be processed')
    expect(row).toMatchObject({ event: 'change_external_contact', change_type: 'add_external_contact', attempts: 1, error: null })

    const member = sqlite.prepare('select * from members where external_userid = ?').get(externalUserid) as { name: string, unionid: string, gender: number, avatar: string, home_store_id: string | null }
    expect(member).toMatchObject({ name: '新客户', unionid: 'oUnionNew0001', gender: 2, avatar: 'https://wx.qlogo.cn/new.png', home_store_id: 'S01' })
    expect(followOf(guide, externalUserid)).toMatchObject({ status: 'active', remark: '新客户 手机尾号1234', added_at: createtime * 1000, add_way: 1, state: 'qr_S01' })
    expect(tagsOf(externalUserid)).toEqual([tag.id])

    // WeCom retries (same CreateTime): acknowledged, one row.
    const again = await trigger(event)
    expect(again.status).toBe('delivered')
    expect(eventRows(externalUserid)).toHaveLength(1)
    const count = (sqlite.prepare('select count(*) n from members where external_userid = ?').get(externalUserid) as { n: number }).n
    expect(count).toBe(1)
  })

  it('del_follow_user marks the follow deleted_by_member and the guide loses the member context', async () => {
    const externalUserid = (sqlite.prepare(`select m.external_userid x from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' and m.external_userid like 'wm%' order by m.id limit 1`).get(guide) as { x: string }).x
    const cookie = await stack.login(guide)
    const url = `/api/members/context?externalUserId=${externalUserid}`
    expect((await stack.app.inject({ method: 'GET', url, headers: { cookie } })).statusCode).toBe(200)

    const delivery = await trigger({ Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: guide, ExternalUserID: externalUserid })
    expect(delivery.status).toBe('delivered')
    await waitFor(() => eventRows(externalUserid).find(r => r.change_type === 'del_follow_user' && r.processed_at !== null), 'del_follow_user processed')
    expect(followOf(guide, externalUserid)?.status).toBe('deleted_by_member')
    expect((await stack.app.inject({ method: 'GET', url, headers: { cookie } })).statusCode).toBe(404)
  })

  it('mark_tag through the client pushes an edit event that updates the member\'s tags', async () => {
    const externalUserid = (sqlite.prepare(`select m.external_userid x from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' order by m.id desc limit 1`).get(guide) as { x: string }).x
    const live = (sqlite.prepare(`select t.id from tags t join tag_groups g on g.id = t.group_id where g.source = 'wecom' and not t.deleted and not g.deleted order by t.id`).all() as { id: string }[]).map(t => t.id)
    const before = tagsOf(externalUserid)
    const add = live.find(id => !before.includes(id))!
    await stack.wecom.markTag({ userid: guide, externalUserid, addTag: [add] })
    await waitFor(() => tagsOf(externalUserid).includes(add), 'the added tag')
    expect(tagsOf(externalUserid)).toEqual([...before, add].sort())

    // A second edit of the same relation, possibly within the same second (same dedupe key), is not lost.
    await stack.wecom.markTag({ userid: guide, externalUserid, removeTag: [add] })
    await waitFor(() => !tagsOf(externalUserid).includes(add), 'the removed tag')
    expect(tagsOf(externalUserid)).toEqual(before)
  })

  it('a processing failure leaves the event pending with the error; a later drain succeeds', async () => {
    const externalUserid = (sqlite.prepare(`select m.external_userid x from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' order by m.id limit 1 offset 3`).get(guide) as { x: string }).x
    // Two: the app token's 48002 is retried once with the legacy contact secret the harness configures.
    await control('faults', { api: '/cgi-bin/externalcontact/get', errcode: 48002, count: 2 })
    const delivery = await trigger({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: guide, ExternalUserID: externalUserid, CreateTime: 1_800_000_000 })
    expect(delivery.status).toBe('delivered') // acknowledged although processing fails
    const failed = await waitFor(() => eventRows(externalUserid).find(r => r.attempts > 0), 'the failed attempt')
    expect(failed.processed_at).toBeNull()
    expect(failed.attempts).toBe(1)
    expect(failed.error).toMatch(/48002/)

    const result = await drainWecomEvents(stack.port.db, stack.wecom)
    expect(result.processed).toBeGreaterThanOrEqual(1)
    const done = eventRows(externalUserid).find(r => r.id === failed.id)!
    expect(done.processed_at).not.toBeNull()
    expect(done.attempts).toBe(2)
    expect(done.error).toBeNull()
  })

  it('stores unknown and tag events, processing tag events as a corp tag sync', async () => {
    const group = await stack.wecom.addCorpTag({ groupName: '回调新分组', tags: [{ name: '回调新标签' }] })
    const tagId = group.tag[0]!.id
    await waitFor(() => sqlite.prepare('select 1 from tags where id = ?').get(tagId), 'the new corp tag')
    expect(sqlite.prepare('select name, deleted from tags where id = ?').get(tagId)).toEqual({ name: '回调新标签', deleted: 0 })

    const unknown = await trigger({ Event: 'some_future_event', Foo: 'bar' })
    expect(unknown.status).toBe('delivered')
    await waitFor(() => sqlite.prepare(`select 1 from wecom_events where event = 'some_future_event' and processed_at is not null and error is null`).get(), 'the unknown event marked processed')
  })

  it('processes events left pending by a previous run when the server starts', async () => {
    const externalUserid = (sqlite.prepare(`select m.external_userid x from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' order by m.id limit 1 offset 4`).get(guide) as { x: string }).x
    const payload = { ToUserName: stack.config.wecom.corpId, FromUserName: 'sys', CreateTime: '1800000100', MsgType: 'event', Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: guide, ExternalUserID: externalUserid }
    stack.database.db.insert(wecomEvents).values({ dedupeKey: 'left-over-1', event: payload.Event, changeType: payload.ChangeType, payload, receivedAt: Date.now() }).run()
    const restarted = await buildApp({ config: stack.config, database: stack.database.port, wecom: stack.wecom, logger: false })
    try {
      await restarted.ready()
      await waitFor(() => followOf(guide, externalUserid)?.status === 'deleted_by_guide', 'the left-over event')
    }
    finally {
      await restarted.close()
    }
  })

  it('re-queues a duplicate edit, also one arriving while the first copy is being processed', async () => {
    const externalUserid = (sqlite.prepare(`select m.external_userid x from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' order by m.id limit 1 offset 5`).get(guide) as { x: string }).x
    const fields = { ToUserName: stack.config.wecom.corpId, FromUserName: 'sys', CreateTime: '1800000200', MsgType: 'event', Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: guide, ExternalUserID: externalUserid }
    const db = stack.port.db
    expect(await storeWecomEvent(db, fields, 1000)).toMatchObject({ inserted: true, requeued: false })
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    let fetching!: () => void
    const started = new Promise<void>(resolve => (fetching = resolve))
    const slow = { ...stack.wecom, getExternalContact: async (id: string) => {
      fetching()
      await gate
      return stack.wecom.getExternalContact(id)
    } }
    const pass = drainWecomEvents(db, slow)
    await started
    expect(await storeWecomEvent(db, fields, 1000)).toMatchObject({ inserted: false, requeued: true }) // the change after the fetch began
    release()
    await pass
    const row = () => eventRows(externalUserid).find(r => r.change_type === 'edit_external_contact' && r.id > 0)!
    expect(row().processed_at).toBeNull()
    await drainWecomEvents(db, stack.wecom)
    expect(row().processed_at).not.toBeNull()
    expect(await storeWecomEvent(db, fields, 2000)).toMatchObject({ inserted: false, requeued: true })
    expect(row().processed_at).toBeNull()
    await drainWecomEvents(db, stack.wecom)
    expect(row()).toMatchObject({ attempts: 1, error: null })
    expect(row().processed_at).not.toBeNull()
    const del = { ...fields, ChangeType: 'del_follow_user' }
    expect(await storeWecomEvent(db, del, 3000)).toMatchObject({ inserted: true })
    expect(await storeWecomEvent(db, del, 3001)).toMatchObject({ inserted: false, requeued: false })
  })

  it('the drain job keeps going until idle: an event stored while a pass runs is handled in the same job', async () => {
    const ids = (sqlite.prepare(`select m.external_userid x from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' order by m.id limit 2 offset 6`).all(guide) as { x: string }[]).map(r => r.x)
    const edit = (externalUserid: string, createTime: string) => ({ ToUserName: stack.config.wecom.corpId, FromUserName: 'sys', CreateTime: createTime, MsgType: 'event', Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: guide, ExternalUserID: externalUserid })
    const db = stack.port.db
    await storeWecomEvent(db, edit(ids[0]!, '1800000300'), 1000)
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    let fetching!: () => void
    const started = new Promise<void>(resolve => (fetching = resolve))
    const slow = { ...stack.wecom, getExternalContact: async (id: string) => {
      if (id === ids[0]) {
        fetching()
        await gate
      }
      return stack.wecom.getExternalContact(id)
    } }
    const run = drainUntilIdle(db, slow)
    await started
    await storeWecomEvent(db, edit(ids[1]!, '1800000301'), 1000) // arrives after the pass selected its rows
    release()
    const result = await run
    expect(result.processed).toBeGreaterThanOrEqual(2) // and whatever earlier tests left pending
    for (const id of ids)
      expect(eventRows(id).filter(r => r.change_type === 'edit_external_contact').every(r => r.processed_at !== null && r.attempts === 1)).toBe(true)
  })
})
