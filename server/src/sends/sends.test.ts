import type { MemberSendsToday, SendRecord } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack, TEST_PUBLIC_URL } from '../../testing/harness.ts'
import { shanghaiDay, shanghaiDayStart } from '../lib/china-time.ts'
import { PENDING_SEND_TTL_MS, reconcilePendingSends } from './service.ts'

let stack: TestStack
let baseUrl: string
let guide: string
let cookie: string
let memberId: number
let otherMemberId: number
let skuId: string

beforeAll(async () => {
  stack = await startTestStack()
  baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  const sqlite = stack.database.sqlite
  const row = sqlite.prepare(`select guide_userid g, member_id m from follows where status = 'active' order by guide_userid, member_id limit 1`).get() as { g: string, m: number }
  guide = row.g
  memberId = row.m
  otherMemberId = (sqlite.prepare(`select id from members m where not exists (select 1 from follows f where f.member_id = m.id and f.guide_userid = ?) limit 1`).get(guide) as { id: number }).id
  skuId = (sqlite.prepare('select sku_id s from products limit 1').get() as { s: string }).s
  cookie = await stack.login(guide)
})
afterAll(async () => stack?.close())

const news = { msgtype: 'news', news: { link: 'https://demo.scrm.example/item/1', title: '羊绒开衫', desc: '¥899.00', imgUrl: 'https://demo.scrm.example/img/1.jpg' } }

function post(path: string, body: unknown, withCookie = cookie) {
  // As the sidebar in a browser: same-origin POSTs carry Origin (the CSRF check requires it).
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'cookie': withCookie, 'origin': TEST_PUBLIC_URL }, body: JSON.stringify(body) })
}

describe('send log', () => {
  it('records exactly one row for 50 concurrent identical requests', async () => {
    const key = randomUUID()
    const body = { idempotencyKey: key, memberId, message: news, skuId }
    const responses = await Promise.all(Array.from({ length: 50 }, () => post('/api/sends', body)))
    const statuses = responses.map(r => r.status)
    expect(statuses.filter(s => s === 201)).toHaveLength(1)
    expect(statuses.filter(s => s === 200)).toHaveLength(49)
    const records = await Promise.all(responses.map(r => r.json() as Promise<SendRecord>))
    expect(new Set(records.map(r => r.id)).size).toBe(1)
    const rows = stack.database.sqlite.prepare('select status, guide_userid, member_id, sku_id, kind from sends where idempotency_key = ?').all(key)
    expect(rows).toEqual([{ status: 'pending', guide_userid: guide, member_id: memberId, sku_id: skuId, kind: 'news' }])
  })

  it('completes a pending send once; repeating the outcome is a no-op, changing it is 409', async () => {
    const created = await (await post('/api/sends', { idempotencyKey: randomUUID(), memberId, message: { msgtype: 'text', text: { content: '您好' } } })).json() as SendRecord
    const sent = await post(`/api/sends/${created.id}/complete`, { status: 'sent', errMsg: 'sendChatMessage:ok' })
    expect(sent.status).toBe(200)
    expect(await sent.json()).toMatchObject({ status: 'sent', errMsg: 'sendChatMessage:ok' })
    expect((await post(`/api/sends/${created.id}/complete`, { status: 'sent' })).status).toBe(200)
    const changed = await post(`/api/sends/${created.id}/complete`, { status: 'cancelled' })
    expect(changed.status).toBe(409)
    expect(await changed.json()).toMatchObject({ reason: 'send_already_final', message: `send ${created.id} is already sent` })
    const row = stack.database.sqlite.prepare('select status, completed_at from sends where id = ?').get(created.id) as { status: string, completed_at: number }
    expect(row.status).toBe('sent')
    expect(row.completed_at).toBeGreaterThan(0)
  })

  it('records cancel and failure with the js-sdk message', async () => {
    for (const [status, errMsg] of [['cancelled', 'sendChatMessage:cancel'], ['failed', 'sendChatMessage:fail no permission']] as const) {
      const created = await (await post('/api/sends', { idempotencyKey: randomUUID(), memberId, message: news })).json() as SendRecord
      const done = await (await post(`/api/sends/${created.id}/complete`, { status, errMsg })).json() as SendRecord
      expect(done).toMatchObject({ status, errMsg })
    }
  })

  it('refuses reusing a key for a different message', async () => {
    const key = randomUUID()
    expect((await post('/api/sends', { idempotencyKey: key, memberId, message: news })).status).toBe(201)
    const reused = await post('/api/sends', { idempotencyKey: key, memberId, message: { msgtype: 'text', text: { content: 'other' } } })
    expect(reused.status).toBe(409)
    expect(await reused.json()).toMatchObject({ reason: 'send_key_reused' })
  })

  it('refuses members the guide does not serve (404) and other guides\' sends (404)', async () => {
    const stranger = await post('/api/sends', { idempotencyKey: randomUUID(), memberId: otherMemberId, message: news })
    expect(stranger.status).toBe(404)
    expect(await stranger.json()).toMatchObject({ reason: 'member_not_yours', message: 'member not found among the customers you serve' })
    const created = await (await post('/api/sends', { idempotencyKey: randomUUID(), memberId, message: news })).json() as SendRecord
    const otherGuide = (stack.database.sqlite.prepare(`select userid from staff where role = 'guide' and status = 1 and userid != ? limit 1`).get(guide) as { userid: string }).userid
    const otherCookie = await stack.login(otherGuide)
    const othersSend = await post(`/api/sends/${created.id}/complete`, { status: 'sent' }, otherCookie)
    expect(othersSend.status).toBe(404)
    expect(await othersSend.json()).toMatchObject({ reason: 'send_not_found' })
  })

  it('400s on bad bodies, naming the field, and writes nothing', async () => {
    const before = (stack.database.sqlite.prepare('select count(*) n from sends').get() as { n: number }).n
    const cases: [unknown, RegExp][] = [
      [{ idempotencyKey: 'short', memberId, message: news }, /idempotencyKey/],
      [{ idempotencyKey: randomUUID(), memberId: 'x', message: news }, /memberId/],
      [{ idempotencyKey: randomUUID(), memberId, message: { msgtype: 'news', news: { ...news.news, link: 'javascript:alert(1)' } } }, /message/],
      [{ idempotencyKey: randomUUID(), memberId, message: news, skuId: 'NO-SUCH-SKU' }, /skuId/],
      [{ idempotencyKey: randomUUID(), memberId, message: news, replyId: 999999 }, /replyId/],
      [{ idempotencyKey: randomUUID(), memberId, message: news, reasonCode: 'because' }, /reasonCode/],
    ]
    const reasons = new Map<string, string>()
    for (const [body, field] of cases) {
      const res = await post('/api/sends', body)
      expect(res.status).toBe(400)
      const refusal = await res.json() as { message: string, reason?: string }
      expect(refusal.message).toMatch(field)
      if (refusal.reason)
        reasons.set(field.source, refusal.reason)
    }
    // The sku and reply that do not exist are refusals the sidebar words; schema errors are not.
    expect(Object.fromEntries(reasons)).toEqual({ skuId: 'product_not_found', replyId: 'reply_not_found' })
    const completeBad = await post('/api/sends/1/complete', { status: 'done' })
    expect(completeBad.status).toBe(400)
    expect((stack.database.sqlite.prepare('select count(*) n from sends').get() as { n: number }).n).toBe(before)
  })
})

function createText(content = '您好'): Promise<SendRecord> {
  return post('/api/sends', { idempotencyKey: randomUUID(), memberId, message: { msgtype: 'text', text: { content } } }).then(async r => await r.json() as SendRecord)
}

function statusOf(id: number): { status: string, completed_at: number | null, err_msg: string | null } {
  return stack.database.sqlite.prepare('select status, completed_at, err_msg from sends where id = ?').get(id) as { status: string, completed_at: number | null, err_msg: string | null }
}

describe('reconcilePendingSends', () => {
  it('expires only sends pending longer than the TTL, once, and never as delivered', async () => {
    const now = Date.now()
    const stale = await createText('stale')
    const fresh = await createText('fresh')
    const staleDone = await createText('stale but completed')
    await post(`/api/sends/${staleDone.id}/complete`, { status: 'sent' })
    const setCreated = stack.database.sqlite.prepare('update sends set created_at = ? where id = ?')
    setCreated.run(now - PENDING_SEND_TTL_MS - 1, stale.id)
    setCreated.run(now - PENDING_SEND_TTL_MS + 60_000, fresh.id)
    setCreated.run(now - 2 * PENDING_SEND_TTL_MS, staleDone.id)

    expect((await reconcilePendingSends(stack.database.port.db, now)).expired).toBeGreaterThanOrEqual(1)
    expect(statusOf(stale.id)).toMatchObject({ status: 'expired', completed_at: now, err_msg: expect.stringMatching(/no completion/) })
    expect(statusOf(fresh.id).status).toBe('pending')
    expect(statusOf(staleDone.id).status).toBe('sent')
    // Idempotent: a second run settles nothing new.
    expect((await reconcilePendingSends(stack.database.port.db, now)).expired).toBe(0)
  })

  it('lets a late completion from the sidebar replace expired with the real outcome', async () => {
    const now = Date.now()
    const late = await createText('late')
    stack.database.sqlite.prepare('update sends set created_at = ? where id = ?').run(now - PENDING_SEND_TTL_MS - 1, late.id)
    await reconcilePendingSends(stack.database.port.db, now)
    expect(statusOf(late.id).status).toBe('expired')
    const res = await post(`/api/sends/${late.id}/complete`, { status: 'sent', errMsg: 'sendChatMessage:ok' })
    expect(res.status).toBe(200)
    expect(statusOf(late.id)).toMatchObject({ status: 'sent', err_msg: 'sendChatMessage:ok' })
  })
})

describe('today\'s sends to a member (GET /api/sends)', () => {
  function get(query: string, withCookie = cookie) {
    return fetch(`${baseUrl}/api/sends?${query}`, { headers: { cookie: withCookie } })
  }

  it('lists today\'s sends with the reply or sku they carried, and not yesterday\'s', async () => {
    const reply = stack.database.sqlite.prepare('select id from replies limit 1').get() as { id: number }
    const replySend = await (await post('/api/sends', { idempotencyKey: randomUUID(), memberId, replyId: reply.id, message: { msgtype: 'text', text: { content: 'hi' } } })).json() as SendRecord
    const skuSend = await (await post('/api/sends', { idempotencyKey: randomUUID(), memberId, skuId, message: news })).json() as SendRecord
    const yesterday = await createText('yesterday')
    const todayStart = shanghaiDayStart(shanghaiDay(Date.now()))
    stack.database.sqlite.prepare('update sends set created_at = ? where id = ?').run(todayStart - 1, yesterday.id)

    const res = await get(`memberId=${memberId}`)
    expect(res.status).toBe(200)
    const body = await res.json() as MemberSendsToday
    expect(body.since).toBe(todayStart)
    const ids = body.sends.map(s => s.id)
    expect(ids).toContain(replySend.id)
    expect(ids).toContain(skuSend.id)
    expect(ids).not.toContain(yesterday.id)
    expect(body.sends.find(s => s.id === replySend.id)).toMatchObject({ replyId: reply.id, skuId: null, guideUserid: guide, status: 'pending' })
    expect(body.sends.find(s => s.id === skuSend.id)).toMatchObject({ replyId: null, skuId })
  })

  it('404s for a member the guide does not serve and 400s on a bad memberId', async () => {
    expect((await get(`memberId=${otherMemberId}`)).status).toBe(404)
    const bad = await get('memberId=abc')
    expect(bad.status).toBe(400)
    expect((await bad.json() as { message: string }).message).toMatch(/memberId/)
  })
})
