// The per-guide dashboard's numbers against the messages that made them, on both dialects: messages
// ingested by the real pull code (response times, waiting conversations, alerts), then read back.
import type { Session } from '../plugins/session.ts'
import { beforeAll, expect, it } from 'vitest'
import { text } from '../../emulator/archive-chat.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { plainArchiveSource } from '../../testing/plain-archive-source.ts'
import { archiveRules, members, redPackets, staff, stores } from '../db/schema.ts'
import { pullUntilCaughtUp } from './ingest.ts'
import { dashboard } from './service.ts'

const HOUR = 3_600_000
const MINUTE = 60_000
const T0 = Date.UTC(2026, 2, 2)
const NOW = T0 + 5 * 24 * HOUR

describeEachDialect('archive dashboard', ({ fresh }) => {
  let db: Awaited<ReturnType<typeof fresh>>['database']['db']
  let ruleName: string

  beforeAll(async () => {
    const { database } = await fresh()
    db = database.db
    await db.insert(stores).values([{ id: 's1', name: '一店', city: '上海', wecomDepartmentId: 1 }, { id: 's2', name: '二店', city: '上海', wecomDepartmentId: 2 }])
    await db.insert(staff).values([
      { userid: 'g1', name: '导购一', role: 'guide', storeId: 's1' },
      { userid: 'g2', name: '导购二', role: 'guide', storeId: 's2' },
      { userid: 'g3', name: '导购三', role: 'guide', storeId: 's1' },
    ])
    // Red packets: only paid ones (sent or received) created in the window count.
    const [member] = await db.insert(members).values({ name: '顾客' }).returning({ id: members.id })
    const packet = (n: number, guideUserid: string, storeId: string, amount: number, status: 'sending' | 'sent' | 'received' | 'refunded' | 'failed', createdAt: number) =>
      ({ idempotencyKey: `k${n}`, mchBillno: `b${n}`, guideUserid, storeId, memberId: member!.id, openid: 'o', amount, reasonCode: 'thanks', wishing: '谢谢', actName: '感谢', remark: '感谢', status, reservedKeys: [], createdAt })
    await db.insert(redPackets).values([
      packet(1, 'g1', 's1', 888, 'sent', T0 + HOUR),
      packet(2, 'g1', 's1', 500, 'received', T0 + 2 * HOUR),
      packet(3, 'g1', 's1', 300, 'refunded', T0 + 2 * HOUR),
      packet(4, 'g1', 's1', 200, 'sending', T0 + 3 * HOUR),
      packet(5, 'g1', 's1', 700, 'failed', T0 + 3 * HOUR),
      packet(6, 'g1', 's1', 999, 'sent', T0 - HOUR),
      packet(7, 'g2', 's2', 1000, 'received', T0 + HOUR),
    ])
    ruleName = '投诉退款'
    await db.insert(archiveRules).values({ name: ruleName, kind: 'keyword', scope: 'brand', words: ['投诉', '退款'], createdBy: 'admin', createdAt: T0, updatedAt: T0 })
    const { source, keyring } = plainArchiveSource([
      // Before the window: a 5-minute answer that must not count.
      text('old_1', 'wmA', 'g1', T0 - 24 * HOUR, '在吗'),
      text('old_2', 'g1', 'wmA', T0 - 24 * HOUR + 5 * MINUTE, '在的'),
      // g1 answers wmA after 4 minutes, then after 10 (timed from the first of two waiting lines).
      text('a_1', 'wmA', 'g1', T0 + HOUR, '羊绒衫有M码吗'),
      text('a_2', 'g1', 'wmA', T0 + HOUR + 4 * MINUTE, '有的'),
      text('a_3', 'wmA', 'g1', T0 + 2 * HOUR, '上次的我要投诉'),
      text('a_4', 'wmA', 'g1', T0 + 2 * HOUR + MINUTE, '怎么不回'),
      text('a_5', 'g1', 'wmA', T0 + 2 * HOUR + 10 * MINUTE, '抱歉，马上处理'),
      // wmB is still waiting for g1.
      text('b_1', 'wmB', 'g1', T0 + 3 * HOUR, '退款到了吗'),
      // g2 answers wmC after a minute, then writes again.
      text('c_1', 'wmC', 'g2', T0 + HOUR, '你好'),
      text('c_2', 'g2', 'wmC', T0 + HOUR + MINUTE, '您好'),
      text('c_3', 'g2', 'wmC', T0 + HOUR + 2 * MINUTE, '新款到了'),
    ])
    await pullUntilCaughtUp({ database, source, keyring, sourceName: 'test', now: () => NOW, limit: 4, publicUrl: 'https://scrm.test.example' })
  })

  const range = { from: T0, to: T0 + 10 * 24 * HOUR }
  const admin: Session = { userid: 'admin', role: 'admin', storeId: null, exp: 0 }

  it('counts each guide\'s messages, median first response, waiting chats, alerts and paid red packets in the window', async () => {
    const result = await dashboard(db, admin, range)
    // g3 had nothing in the window: no row.
    expect(result.guides).toEqual([
      { guideUserid: 'g1', guideName: '导购一', storeId: 's1', messages: 6, customerMessages: 4, medianFirstResponseMinutes: 7, unansweredChats: 1, sends: 0, convertedSends: 0, attributedRevenue: 0, alerts: 2, redPacketFen: 888 + 500 },
      { guideUserid: 'g2', guideName: '导购二', storeId: 's2', messages: 3, customerMessages: 1, medianFirstResponseMinutes: 1, unansweredChats: 0, sends: 0, convertedSends: 0, attributedRevenue: 0, alerts: 0, redPacketFen: 1000 },
    ])
    // Both alerts were raised at ingest (NOW), a China-time day.
    expect(result.alertsByRule).toEqual([{ day: '2026-03-07', ruleName, count: 2 }])
  })

  it('shows a supervisor their store only', async () => {
    const result = await dashboard(db, { userid: 'sup1', role: 'supervisor', storeId: 's1', exp: 0 }, range)
    expect(result.guides.map(g => [g.guideUserid, g.redPacketFen])).toEqual([['g1', 1388]])
    expect(result.alertsByRule).toEqual([{ day: '2026-03-07', ruleName, count: 2 }])
    const other = await dashboard(db, { userid: 'sup2', role: 'supervisor', storeId: 's2', exp: 0 }, range)
    expect(other.guides.map(g => [g.guideUserid, g.alerts, g.redPacketFen])).toEqual([['g2', 0, 1000]])
    expect(other.alertsByRule).toEqual([])
  })
})
