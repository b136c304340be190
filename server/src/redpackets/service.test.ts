import type { RunningWechatPayEmulator } from '../../emulator/wechatpay.ts'
import type { AsyncDb } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { RedPacketDeps } from './service.ts'
import { desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { emulatedOpenid, startWechatPayEmulator } from '../../emulator/wechatpay.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { follows, members, orders, redPacketCounters, redPackets, redPacketSettings, staff, stores } from '../db/schema.ts'
import { createWechatPayClient } from '../wechatpay/client.ts'
import { createRedPacket, DEFAULT_RED_PACKET_SETTINGS, getRedPacket, memberRedPackets, setReservedHookForTests, SETTLE_GRACE_MS, settleRedPackets } from './service.ts'

const NOW = Date.UTC(2026, 11, 1, 4) // 12:00 in Shanghai
const CORP = 'ww0000000000000001'
const merchant = { mchId: '1900000109', apiKey: 'EMU_MCH_API_KEY_32_CHARS_0000000', paySecret: 'EMU_PAY_APP_SECRET', corpId: CORP }
const guide = (userid: string): Session => ({ userid, role: 'guide', storeId: 'S1', exp: 0 })
const g1 = guide('g1')
let keySeq = 0
const key = () => `rp-${String(++keySeq).padStart(8, '0')}-test`

describeEachDialect('red packet service', ({ fresh }) => {
  let db: AsyncDb
  let another: AsyncDb
  let pay: RunningWechatPayEmulator
  let deps: RedPacketDeps
  let clock = NOW
  const memberIds: number[] = []
  let orderOfFirst: number
  let orderOfSecond: number
  let withoutWecom: number
  const request = (memberId: number, amountFen = 188) => ({ idempotencyKey: key(), memberId, amountFen, reasonCode: 'thanks', wishing: '谢谢您' })

  beforeAll(async () => {
    const handles = await fresh()
    db = handles.database.db
    another = (await handles.another()).db
    pay = await startWechatPayEmulator({ merchant: { ...merchant, balance: 1_000_000 }, now: () => clock })
    const client = createWechatPayClient({ apiBase: pay.url, ...merchant, agentId: 1000002, clientCertStandIn: merchant.mchId, timeoutMs: 500 })
    deps = { db, pay: client, mchId: merchant.mchId, wecom: { convertToOpenid: async id => emulatedOpenid(CORP, id) }, now: () => clock }
    await db.insert(stores).values([{ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 }])
    await db.insert(staff).values([
      ...Array.from({ length: 12 }, (_, i) => ({ userid: `g${i + 1}`, name: `导购${i + 1}`, role: 'guide' as const, storeId: 'S1' })),
      { userid: 'sup', name: '店长', role: 'supervisor', storeId: 'S1' },
    ])
    const rows = await db.insert(members).values(Array.from({ length: 30 }, (_, i) => ({ name: `客户${i}`, externalUserid: `wmC${i}` }))).returning({ id: members.id })
    memberIds.push(...rows.map(r => r.id))
    withoutWecom = (await db.insert(members).values({ name: '未加微' }).returning({ id: members.id }))[0]!.id
    // Every guide serves every member (the concurrency test spreads packets over guides and members).
    await db.insert(follows).values([...memberIds, withoutWecom].flatMap(memberId => Array.from({ length: 12 }, (_, i) => ({ guideUserid: `g${i + 1}`, memberId, addedAt: NOW - 1 }))))
    const placed = await db.insert(orders).values([
      { platform: 'pos', orderNo: 'O1', memberId: memberIds[0], status: 'paid', totalAmount: 100, paidAmount: 100, paidAt: NOW - 1 },
      { platform: 'pos', orderNo: 'O2', memberId: memberIds[1], status: 'paid', totalAmount: 100, paidAmount: 100, paidAt: NOW - 1 },
    ]).returning({ id: orders.id })
    orderOfFirst = placed[0]!.id
    orderOfSecond = placed[1]!.id
  })
  beforeEach(async () => {
    // Each test starts on its own day, so daily counters from earlier tests do not interfere.
    clock += 86_400_000 * 40
    pay.state.clearFaults()
  })

  afterAll(async () => {
    setReservedHookForTests(undefined)
    await pay.close()
  })
  it('pays once, with a 28-character bill fixed before the call; a double click returns the same packet', async () => {
    const body = { ...request(memberIds[0]!), orderId: orderOfFirst }
    const results = await Promise.all(Array.from({ length: 5 }, async () => createRedPacket(deps, g1, body)))
    expect(results.filter(r => r.created)).toHaveLength(1)
    const record = results[0]!.record
    expect(new Set(results.map(r => r.record.id))).toEqual(new Set([record.id]))
    expect(record).toMatchObject({ status: 'sent', amountFen: 188, orderId: orderOfFirst, guideUserid: 'g1', storeId: 'S1' })
    expect(record.mchBillno).toMatch(/^1900000109\d{18}$/)
    expect(pay.state.ledger.get(record.mchBillno)).toMatchObject({ totalAmount: 188, openid: emulatedOpenid(CORP, 'wmC0') })
    expect([...pay.state.ledger.values()].filter(p => p.mchBillno === record.mchBillno)).toHaveLength(1)
    await expect(createRedPacket(deps, g1, { ...body, amountFen: 288 })).rejects.toMatchObject({ statusCode: 409 })
  })

  it('refuses bad input with a 4xx naming the field or the limit in Chinese, writing nothing', async () => {
    const before = (await db.select().from(redPackets)).length
    await expect(createRedPacket(deps, g1, request(memberIds[1]!, 50))).rejects.toMatchObject({ statusCode: 422, refusal: { reason: 'packet_min', params: { amountFen: 50, limitFen: 100 } }, message: expect.stringMatching(/amountFen.*低于单个红包下限 ¥1\.00/) })
    await expect(createRedPacket(deps, g1, request(memberIds[1]!, 20_001))).rejects.toMatchObject({ statusCode: 422, refusal: { reason: 'packet_max', params: { amountFen: 20_001, limitFen: 20_000 } } })
    await expect(createRedPacket(deps, g1, { ...request(memberIds[1]!), orderId: orderOfFirst })).rejects.toMatchObject({ statusCode: 400, refusal: { reason: 'order_not_members' }, message: expect.stringMatching(/^orderId/) })
    await expect(createRedPacket(deps, g1, { ...request(memberIds[1]!), reasonCode: 'nope' })).rejects.toMatchObject({ statusCode: 400, refusal: { reason: 'unknown_reason' }, message: expect.stringMatching(/^reasonCode/) })
    await expect(createRedPacket(deps, g1, request(withoutWecom))).rejects.toMatchObject({ statusCode: 400, refusal: { reason: 'member_not_contact' }, message: expect.stringMatching(/^memberId/) })
    await expect(createRedPacket(deps, { ...g1, userid: 'stranger' }, request(memberIds[1]!))).rejects.toMatchObject({ statusCode: 404 })
    await expect(createRedPacket(deps, { userid: 'sup', role: 'supervisor', storeId: 'S1', exp: 0 }, request(memberIds[1]!))).rejects.toMatchObject({ statusCode: 403, refusal: { reason: 'not_a_guide' } })
    await expect(createRedPacket({ ...deps, pay: null }, g1, request(memberIds[1]!))).rejects.toMatchObject({ statusCode: 503, refusal: { reason: 'pay_not_configured' } })
    expect((await db.select().from(redPackets)).length).toBe(before)
    expect(orderOfSecond).toBeGreaterThan(0)
  })

  it('enforces the per-member daily count and shows the guide what is left', async () => {
    const first = await createRedPacket(deps, g1, request(memberIds[2]!, 500))
    expect(first.record.status).toBe('sent')
    await expect(createRedPacket(deps, guide('g2'), request(memberIds[2]!))).rejects.toMatchObject({ statusCode: 422, refusal: { reason: 'member_day_count', params: { usedCount: 1, limitCount: 1 } }, message: expect.stringMatching(/该客户今日已收 1 个红包/) })
    const sheet = await memberRedPackets(deps, g1, memberIds[2]!)
    expect(sheet.allowance).toEqual({ dayCount: 20, dayFen: 20_000, dayCountLeft: 19, dayFenLeft: 19_500 })
    expect(sheet.packets.map(p => p.id)).toEqual([first.record.id])
    expect(sheet.presetsFen).toEqual(DEFAULT_RED_PACKET_SETTINGS.presetsFen)
  })

  it('holds the store budget under concurrent requests from two handles (two instances on PostgreSQL)', async () => {
    await db.insert(redPacketSettings).values({ id: 'brand', settings: { ...DEFAULT_RED_PACKET_SETTINGS, storeMonthFen: 1_000, memberDayCount: 5, memberMonthCount: 10 }, updatedAt: clock })
    clock = Date.UTC(2027, 6, 1, 4) // a fresh month for the store counter
    try {
      const attempts = Array.from({ length: 24 }, (_, i) => createRedPacket({ ...deps, db: i % 2 ? another : db }, guide(`g${(i % 12) + 1}`), request(memberIds[i]!, 100)).then(r => r.record, (e: unknown) => e))
      const outcomes = await Promise.all(attempts)
      const paid = outcomes.filter(o => (o as { status?: string }).status === 'sent')
      const refused = outcomes.filter(o => (o as { refusal?: { reason: string } }).refusal?.reason === 'store_month_budget')
      expect(paid).toHaveLength(10)
      expect(refused).toHaveLength(14)
      expect((refused[0] as Error).message).toMatch(/超出门店本月红包预算:已用 ¥10\.00,预算 ¥10\.00/)
      const counter = await db.select().from(redPacketCounters).where(eq(redPacketCounters.key, 'store:S1:2027-07')).get()
      expect(counter).toMatchObject({ count: 10, amount: 1_000 })
    }
    finally {
      await db.delete(redPacketSettings)
    }
  })

  it('releases the reservation on a definite failure (NOTENOUGH)', async () => {
    const balance = pay.state.merchant.balance
    pay.state.merchant.balance = 100
    try {
      const { record } = await createRedPacket(deps, g1, request(memberIds[3]!, 500))
      expect(record).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/NOTENOUGH/) })
      expect((await memberRedPackets(deps, g1, memberIds[3]!)).allowance.dayFenLeft).toBe(20_000)
      // The member's daily count came back too: another packet may go once the money is there.
      pay.state.merchant.balance = balance
      expect((await createRedPacket(deps, g1, request(memberIds[3]!, 500))).record.status).toBe('sent')
    }
    finally {
      pay.state.merchant.balance = Math.max(pay.state.merchant.balance, balance - 500)
    }
  })

  it('keeps an uncertain pay as sending; a retried request and the settle job pay the same bill once', async () => {
    pay.state.injectFault({ api: 'send', kind: 'timeout' })
    const body = request(memberIds[4]!, 300)
    const first = await createRedPacket(deps, g1, body)
    expect(first.record).toMatchObject({ status: 'sending', lastError: expect.stringMatching(/处理中/) })
    const retried = await createRedPacket(deps, g1, body)
    expect(retried).toMatchObject({ created: false, record: { id: first.record.id, status: 'sent' } })
    expect([...pay.state.ledger.values()].filter(p => p.mchBillno === first.record.mchBillno)).toHaveLength(1)

    // A SYSTEMERROR then a lost reply: the job, not the guide, settles it by query.
    pay.state.injectFault({ api: 'send', kind: 'SYSTEMERROR' })
    const second = await createRedPacket(deps, g1, request(memberIds[5]!, 300))
    expect(second.record.status).toBe('sending')
    clock += SETTLE_GRACE_MS + 1
    await settleRedPackets(deps)
    expect((await getRedPacket(deps, g1, second.record.id)).status).toBe('sent')
    pay.state.receive(second.record.mchBillno)
    clock += 60_000
    expect((await getRedPacket(deps, g1, second.record.id))).toMatchObject({ status: 'received', receivedAt: clock })

    // Unopened for 24 h: refunded, and the store budget gets the money back.
    const before = (await memberRedPackets(deps, g1, memberIds[4]!)).allowance
    clock += 86_400_000
    pay.state.advanceHours(0) // the emulator reads the same clock
    await settleRedPackets(deps)
    expect((await db.select().from(redPackets).where(eq(redPackets.id, first.record.id)).get())).toMatchObject({ status: 'refunded', reservedKeys: [] })
    expect(before.dayFenLeft).toBeLessThan(20_000)
  })

  it('a refused retry does not release a bill an earlier attempt paid: it asks WeChat Pay first', async () => {
    pay.state.injectFault({ api: 'send', kind: 'timeout' })
    const body = request(memberIds[7]!, 300)
    expect((await createRedPacket(deps, g1, body)).record.status).toBe('sending')
    pay.state.injectFault({ api: 'send', kind: 'refuse', errCode: 'NOTENOUGH' })
    const retried = await createRedPacket(deps, g1, body)
    expect(retried.record.status).toBe('sent')
    expect(pay.state.ledger.get(retried.record.mchBillno)?.totalAmount).toBe(300)
    // A first attempt refused outright is a definite failure.
    pay.state.injectFault({ api: 'send', kind: 'refuse', errCode: 'NOTENOUGH' })
    expect((await createRedPacket(deps, g1, request(memberIds[8]!, 300))).record.status).toBe('failed')
  })

  it('settles a packet reserved before a crash: the job finds WeChat Pay does not know it and pays the same bill', async () => {
    setReservedHookForTests(async () => {
      throw new Error('crashed between reserve and pay')
    })
    await expect(createRedPacket(deps, g1, request(memberIds[6]!, 200))).rejects.toThrow(/crashed/)
    setReservedHookForTests(undefined)
    const orphan = (await db.select().from(redPackets).where(eq(redPackets.memberId, memberIds[6]!)).orderBy(desc(redPackets.id)).get())!
    expect(orphan).toMatchObject({ status: 'sending', payAttempts: 0 })
    expect(pay.state.ledger.has(orphan.mchBillno)).toBe(false)
    await settleRedPackets(deps)
    expect((await db.select().from(redPackets).where(eq(redPackets.id, orphan.id)).get())!.status).toBe('sending') // still in its grace period
    clock += SETTLE_GRACE_MS + 1
    await settleRedPackets(deps)
    expect((await db.select().from(redPackets).where(eq(redPackets.id, orphan.id)).get())).toMatchObject({ status: 'sent', payAttempts: 1 })
    expect(pay.state.ledger.get(orphan.mchBillno)?.totalAmount).toBe(200)
  })
})
