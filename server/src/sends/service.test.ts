import type { CreateSendRequest } from '@scrm/shared'
import type { AsyncDb } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { eq } from 'drizzle-orm'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { follows, members, products, replies, replyGroups, sends, staff, stores } from '../db/schema.ts'
import { shanghaiDay, shanghaiDayStart } from '../lib/china-time.ts'
import { completeSend, createSend, memberSendsToday, PENDING_SEND_TTL_MS, reconcilePendingSends } from './service.ts'

const NOW = Date.UTC(2026, 10, 20, 6)
const guide: Session = { userid: 'g1', role: 'guide', storeId: 'S1', exp: 0 }
const otherGuide: Session = { userid: 'g2', role: 'guide', storeId: 'S1', exp: 0 }
const supervisor: Session = { userid: 'sup', role: 'supervisor', storeId: 'S1', exp: 0 }
const text = (content: string) => ({ msgtype: 'text', text: { content } }) as CreateSendRequest['message']

describeEachDialect('send service', ({ fresh }) => {
  let db: AsyncDb
  let served: number
  let notServed: number
  let replyId: number
  let keySeq = 0
  const key = () => `key-${String(++keySeq).padStart(8, '0')}-service-test`

  beforeAll(async () => {
    db = (await fresh()).database.db
    await db.insert(stores).values({ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 })
    await db.insert(staff).values([
      { userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' },
      { userid: 'g2', name: '导购二', role: 'guide', storeId: 'S1' },
      { userid: 'sup', name: '店长', role: 'supervisor', storeId: 'S1' },
    ])
    const rows = await db.insert(members).values([{ name: '王女士' }, { name: '李先生' }]).returning({ id: members.id })
    served = rows[0]!.id
    notServed = rows[1]!.id
    await db.insert(follows).values({ guideUserid: 'g1', memberId: served, addedAt: NOW - 86_400_000 })
    await db.insert(products).values({ skuId: 'SKU1', spuId: 'SPU1', name: '羊绒开衫', categoryPath: '服装/外套', category: '外套', price: 89_900, imageUrl: 'https://img/1.jpg', linkUrl: 'https://shop/1', launchedAt: NOW })
    const [group] = await db.insert(replyGroups).values({ name: '问候' }).returning({ id: replyGroups.id })
    replyId = (await db.insert(replies).values({ groupId: group!.id, title: '您好', content: '您好' }).returning({ id: replies.id }))[0]!.id
  })

  it('creates once per idempotency key, concurrently, and 409s a reused key for another message', async () => {
    const request: CreateSendRequest = { idempotencyKey: key(), memberId: served, message: text('您好'), skuId: 'SKU1' }
    const results = await Promise.all(Array.from({ length: 10 }, async () => db.transaction(async tx => createSend(tx, guide, request, NOW))))
    expect(results.filter(r => r.created)).toHaveLength(1)
    expect(new Set(results.map(r => r.record.id)).size).toBe(1)
    expect(results[0]!.record).toMatchObject({ status: 'pending', memberId: served, guideUserid: 'g1', kind: 'text', createdAt: NOW })
    await expect(db.transaction(async tx => createSend(tx, guide, { ...request, message: text('别的') }, NOW))).rejects.toMatchObject({ statusCode: 409 })
  })

  it('refuses unknown products and replies (400) and members the guide does not serve (404), writing nothing', async () => {
    const before = (await db.select().from(sends)).length
    await expect(createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('x'), skuId: 'NOPE' }, NOW)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/skuId/) })
    await expect(createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('x'), replyId: 999_999 }, NOW)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/replyId/) })
    await expect(createSend(db, guide, { idempotencyKey: key(), memberId: notServed, message: text('x') }, NOW)).rejects.toMatchObject({ statusCode: 404 })
    expect((await db.select().from(sends)).length).toBe(before)
  })

  it('completes once; a sent reply counts a use; another guide gets 404 and a changed outcome 409', async () => {
    const { record } = await createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('您好'), replyId }, NOW)
    await expect(completeSend(db, otherGuide, record.id, { status: 'sent' }, NOW + 1)).rejects.toMatchObject({ statusCode: 404 })
    const done = await db.transaction(async tx => completeSend(tx, guide, record.id, { status: 'sent', errMsg: 'sendChatMessage:ok' }, NOW + 1))
    expect(done).toMatchObject({ status: 'sent', errMsg: 'sendChatMessage:ok', completedAt: NOW + 1 })
    expect(await completeSend(db, guide, record.id, { status: 'sent' }, NOW + 2)).toMatchObject({ completedAt: NOW + 1 })
    await expect(completeSend(db, guide, record.id, { status: 'cancelled' }, NOW + 3)).rejects.toMatchObject({ statusCode: 409 })
    expect((await db.select({ n: replies.useCount }).from(replies).where(eq(replies.id, replyId)).get())!.n).toBe(1)
  })

  it('expires only sends pending longer than the TTL, once; a late completion still records the outcome', async () => {
    const stale = (await createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('stale') }, NOW - PENDING_SEND_TTL_MS - 1)).record
    const recent = (await createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('recent') }, NOW - PENDING_SEND_TTL_MS + 60_000)).record
    expect(await reconcilePendingSends(db, NOW)).toEqual({ expired: 1 })
    expect(await reconcilePendingSends(db, NOW)).toEqual({ expired: 0 })
    const [staleRow] = await db.select().from(sends).where(eq(sends.id, stale.id))
    expect(staleRow).toMatchObject({ status: 'expired', completedAt: NOW, errMsg: expect.stringMatching(/no completion/) })
    expect((await db.select().from(sends).where(eq(sends.id, recent.id)))[0]!.status).toBe('pending')
    expect(await completeSend(db, guide, stale.id, { status: 'sent' }, NOW + 5)).toMatchObject({ status: 'sent' })
  })

  it('lists today\'s sends to a member for a supervisor of the store, newest first, not yesterday\'s', async () => {
    const since = shanghaiDayStart(shanghaiDay(NOW))
    const yesterday = (await createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('昨天') }, since - 1)).record
    const first = (await createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('早') }, since + 1)).record
    const second = (await createSend(db, guide, { idempotencyKey: key(), memberId: served, message: text('午'), skuId: 'SKU1' }, since + 2)).record
    const today = await memberSendsToday(db, supervisor, served, NOW)
    expect(today.since).toBe(since)
    const ids = today.sends.map(s => s.id)
    expect(ids).not.toContain(yesterday.id)
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id))
    expect(today.sends.find(s => s.id === second.id)).toEqual({ id: second.id, guideUserid: 'g1', status: 'pending', replyId: null, skuId: 'SKU1', createdAt: since + 2 })
    await expect(memberSendsToday(db, otherGuide, served, NOW)).rejects.toMatchObject({ statusCode: 404 })
  })
})
