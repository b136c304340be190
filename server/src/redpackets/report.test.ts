import type { AsyncDb } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { members, orders, redPackets, staff, stores } from '../db/schema.ts'
import { shanghaiMonthRange } from '../lib/china-time.ts'
import { reconciliation, redPacketSpend } from './report.ts'

const DAY = 86_400_000
const { from: DEC } = shanghaiMonthRange('2026-12')
const admin: Session = { userid: 'admin', role: 'admin', storeId: null, exp: 0 }
const supervisor: Session = { userid: 'sup', role: 'supervisor', storeId: 'S1', exp: 0 }

describeEachDialect('red packet spend report', ({ fresh }) => {
  let db: AsyncDb
  let alice: number
  let bob: number

  beforeAll(async () => {
    db = (await fresh()).database.db
    await db.insert(stores).values([{ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 }, { id: 'S2', name: '湖滨店', city: '杭州', wecomDepartmentId: 12 }])
    await db.insert(staff).values([{ userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' }, { userid: 'g2', name: '导购二', role: 'guide', storeId: 'S2' }])
    ;[alice, bob] = (await db.insert(members).values([{ name: '王女士' }, { name: '李先生' }]).returning({ id: members.id })).map(r => r.id) as [number, number]
    const packet = (id: number, over: Partial<typeof redPackets.$inferInsert>) => ({
      idempotencyKey: `k${id}`,
      mchBillno: `1900000109202612010000000${String(id).padStart(3, '0')}`,
      guideUserid: 'g1',
      storeId: 'S1',
      memberId: alice,
      openid: 'o'.padEnd(28, 'x'),
      amount: 188,
      reasonCode: 'thanks',
      wishing: '谢谢',
      actName: '会员关怀',
      remark: '感谢支持',
      status: 'sent' as const,
      reservedKeys: [],
      createdAt: DEC + DAY,
      sentAt: DEC + DAY,
      ...over,
    })
    await db.insert(redPackets).values([
      packet(1, {}),
      // Later packet to the same member: last touch takes the orders after it.
      packet(2, { amount: 520, reasonCode: 'review', remark: '好评奖励', createdAt: DEC + 3 * DAY, sentAt: DEC + 3 * DAY, status: 'received', receivedAt: DEC + 3 * DAY + 1 }),
      packet(3, { memberId: bob, amount: 888, status: 'failed', sentAt: null, failedAt: DEC + DAY }),
      packet(4, { memberId: bob, amount: 300, status: 'sending', sentAt: null }),
      packet(5, { guideUserid: 'g2', storeId: 'S2', memberId: bob, amount: 1000, createdAt: DEC + 2 * DAY, sentAt: DEC + 2 * DAY }),
    ])
    const order = (no: string, memberId: number, paidAt: number, over: Partial<typeof orders.$inferInsert> = {}) => ({ platform: 'pos' as const, orderNo: no, memberId, status: 'paid' as const, totalAmount: 10_000, paidAmount: 10_000, paidAt, ...over })
    await db.insert(orders).values([
      order('before', alice, DEC + DAY - 1), // before any packet: not credited
      order('after1', alice, DEC + 2 * DAY), // after packet 1 only
      order('after2', alice, DEC + 4 * DAY, { refundedAmount: 2_000 }), // after packet 2 (last touch), net 8,000
      order('cancelled', alice, DEC + 4 * DAY, { status: 'cancelled' }),
      order('late', alice, DEC + 3 * DAY + 8 * DAY), // outside the 7-day window
      order('bob', bob, DEC + 2 * DAY + 1), // after packet 5 (S2)
    ])
  })

  it('credits the orders that followed each paid packet (last touch, window, net of refunds) and splits spend', async () => {
    const spend = await redPacketSpend(db, admin, { month: '2026-12' })
    expect(spend.total).toMatchObject({ packets: 5, spentFen: 188 + 520 + 1000, pendingFen: 300, followedOrders: 3, followedRevenueFen: 10_000 + 8_000 + 10_000 })
    expect(spend.byStore.map(r => [r.key, r.spentFen, r.followedOrders])).toEqual([['S2', 1000, 1], ['S1', 708, 2]])
    expect(spend.byReason.find(r => r.key === 'review')).toMatchObject({ label: '好评奖励', spentFen: 520, followedOrders: 1, followedRevenueFen: 8_000 })
    expect(spend.byDay.map(r => r.key)).toEqual(['2026-12-02', '2026-12-03', '2026-12-04'])
    const own = await redPacketSpend(db, supervisor, { month: '2026-12' })
    expect(own.byStore.map(r => r.key)).toEqual(['S1'])
    await expect(redPacketSpend(db, supervisor, { month: '2026-12', storeId: 'S2' })).rejects.toMatchObject({ statusCode: 404 })
    await expect(redPacketSpend(db, { userid: 'g1', role: 'guide', storeId: 'S1', exp: 0 }, { month: '2026-12' })).rejects.toMatchObject({ statusCode: 403 })
    expect((await redPacketSpend(db, admin, { month: '2026-11' })).total.packets).toBe(0)
  })

  it('lists every packet of a store\'s month with totals by state', async () => {
    const report = await reconciliation(db, admin, 'S1', '2026-12')
    expect(report.totals).toEqual({ paidFen: 708, refundedFen: 0, failedFen: 888, pendingFen: 300, packets: 4 })
    expect(report.rows.filter(r => /^\d{28}$/.test(r[0] ?? '')).map(r => r[7])).toEqual(['已发放', '发放失败', '处理中', '已领取'])
  })
})
