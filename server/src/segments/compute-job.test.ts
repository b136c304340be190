// Every computed tag of every seeded member is checked against the data with SQL written apart from the
// job: what the guide reads must be true.
import type { TagExplanation } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { asc } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dialects } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { computedMemberTags } from '../db/schema.ts'
import { DAY_MS, shanghaiDay } from '../lib/china-time.ts'
import { COMPUTE_INTERVAL_MS, computeAllTags, computeTagsIfStale } from './compute-job.ts'
import { median, rhythmOf } from './computed-tags.ts'

const PLATFORM_NAMES: Record<string, string> = { taobao: '淘宝/天猫', jd: '京东', douyin: '抖音', youzan: '有赞', miniprogram: '小程序', pos: '门店' }

for (const dialect of dialects) {
  describe.skipIf(dialect === 'postgres' && !inject('postgresUrl'))(`computed tags [${dialect}]`, () => {
    let stack: TestStack
    let now: number
    let stored: { memberId: number, tagId: string, explanation: TagExplanation }[]

    beforeAll(async () => {
      stack = await startTestStack({ dialect, members: 200 })
      now = (stack.database.sqlite.prepare('select max(paid_at) m from orders').get() as { m: number }).m + DAY_MS
      const result = await computeAllTags(stack.port.db, now)
      expect(result.members).toBe((stack.database.sqlite.prepare('select count(*) n from members').get() as { n: number }).n)
      stored = await stack.port.db.select({ memberId: computedMemberTags.memberId, tagId: computedMemberTags.tagId, explanation: computedMemberTags.explanation }).from(computedMemberTags).orderBy(asc(computedMemberTags.memberId), asc(computedMemberTags.tagId))
      expect(result.tags).toBe(stored.length)
    }, 180_000)
    afterAll(async () => stack?.close())

    it('gives active buyers tens of tags, each explained by facts the data confirms', () => {
      const sqlite = stack.database.sqlite
      const today = shanghaiDay(now)
      const bought = (memberId: number) => sqlite.prepare(`select id, platform, paid_at, paid_amount - refunded_amount net from orders where member_id = ? and status != 'cancelled' and paid_amount - refunded_amount > 0 order by paid_at`).all(memberId) as { id: number, platform: string, paid_at: number, net: number }[]
      const buyers = sqlite.prepare(`select member_id m, max(paid_at) last, count(*) n, sum(paid_amount - refunded_amount) total from orders where member_id is not null and status != 'cancelled' and paid_amount - refunded_amount > 0 group by member_id`).all() as { m: number, last: number, n: number, total: number }[]
      const lines = (memberId: number) => sqlite.prepare(`select p.category, p.size, p.color, l.unit_price, l.quantity, l.amount from order_lines l join orders o on o.id = l.order_id join products p on p.sku_id = l.sku_id
        where o.member_id = ? and o.status != 'cancelled' and o.paid_amount - o.refunded_amount > 0`).all(memberId) as { category: string, size: string | null, color: string | null, unit_price: number, quantity: number, amount: number }[]
      const checked = new Map<string, number>()

      for (const { memberId, tagId, explanation: { key, params } } of stored) {
        const group = tagId.split(':')[1]!
        checked.set(group, (checked.get(group) ?? 0) + 1)
        const orders = bought(memberId)
        const days = [...new Set(orders.map(o => shanghaiDay(o.paid_at)))].sort((a, b) => a - b)
        switch (group) {
          case 'birthday': {
            const { birthday } = sqlite.prepare('select birthday from members where id = ?').get(memberId) as { birthday: string }
            expect(params).toEqual({ birthday, month: Number(birthday.slice(5, 7)) })
            break
          }
          case 'lifecycle': {
            if (key === 'lifecycle.prospect') {
              expect(orders).toHaveLength(0)
              break
            }
            const gap = today - days.at(-1)!
            const { rhythm } = rhythmOf(days)
            expect(params).toMatchObject({ gapDays: gap, rhythmDays: rhythm, purchaseDays: days.length })
            const stage = key.split('.')[1]
            if (stage === 'lost')
              expect(gap).toBeGreaterThan(4 * rhythm)
            else if (stage === 'sleeping')
              expect(gap > 2 * rhythm && gap <= 4 * rhythm).toBe(true)
            else
              expect(gap).toBeLessThanOrEqual(2 * rhythm)
            if (stage === 'new')
              expect(today - days[0]!).toBeLessThanOrEqual(90)
            if (stage === 'won_back')
              expect(days.at(-1)! - days.at(-2)!).toBe(params.lapseDays)
            break
          }
          case 'rfm_r':
            expect(params.days).toBe(today - days.at(-1)!)
            expect(params.beatsPct).toBe(Math.round(100 * buyers.filter(b => today - shanghaiDay(b.last) > (params.days as number)).length / buyers.length))
            break
          case 'rfm_f':
            expect(params.orders).toBe(orders.length)
            expect(params.beatsPct).toBe(Math.round(100 * buyers.filter(b => b.n < orders.length).length / buyers.length))
            break
          case 'rfm_m': {
            const total = orders.reduce((s, o) => s + o.net, 0)
            expect(params.amountYuan).toBe(Math.round(total / 100))
            expect(params.beatsPct).toBe(Math.round(100 * buyers.filter(b => b.total < total).length / buyers.length))
            break
          }
          case 'value':
            expect(params.amountYuan).toBe(Math.round(orders.filter(o => o.paid_at > now - 365 * DAY_MS).reduce((s, o) => s + o.net, 0) / 100))
            break
          case 'repeat':
            expect(params).toEqual({ purchaseDays: days.length, orders: orders.length })
            expect(days.length).toBeGreaterThanOrEqual(2)
            break
          case 'category': {
            const ls = lines(memberId)
            const mine = ls.filter(l => l.category === params.category)
            expect(params.amountYuan).toBe(Math.round(mine.reduce((s, l) => s + l.amount, 0) / 100))
            expect(params.items).toBe(mine.reduce((s, l) => s + l.quantity, 0))
            expect(params.sharePct).toBe(Math.round(100 * mine.reduce((s, l) => s + l.amount, 0) / ls.reduce((s, l) => s + l.amount, 0)))
            expect(params.sharePct as number).toBeGreaterThanOrEqual(25)
            break
          }
          case 'price': {
            const units = lines(memberId).flatMap(l => Array.from({ length: l.quantity }, () => l.unit_price))
            expect(params).toEqual({ medianYuan: Math.round(median(units) / 100), items: units.length })
            break
          }
          case 'platform': {
            const mine = orders.filter(o => PLATFORM_NAMES[o.platform] === params.platform)
            expect(params.orders).toBe(mine.length)
            expect(params.lastDaysAgo).toBe(today - shanghaiDay(mine.at(-1)!.paid_at))
            break
          }
          case 'channel_mix':
            expect(params.channels).toBe(new Set(orders.map(o => o.platform)).size)
            break
          case 'size':
          case 'color': {
            const field = group as 'size' | 'color'
            const values = lines(memberId).filter(l => l[field] && (field === 'color' || (l.color && l.size !== '均码'))).flatMap(l => Array.from({ length: l.quantity }, () => l[field]!))
            expect(params.of).toBe(values.length)
            expect(params.count).toBe(values.filter(v => v === params[field]).length)
            break
          }
          case 'refund': {
            const all = sqlite.prepare(`select count(*) n, sum(case when refunded_amount > 0 then 1 else 0 end) r from orders where member_id = ? and status != 'cancelled'`).get(memberId) as { n: number, r: number }
            expect(params).toEqual({ refunded: all.r, orders: all.n })
            break
          }
          case 'rfm_segment':
            break // derived from the R/F/M tags checked above
          default:
            throw new Error(`unchecked tag group ${group}`)
        }
      }
      // These kinds occur on this data (so were checked); size, color and refund depend on the baskets.
      for (const g of ['birthday', 'category', 'channel_mix', 'lifecycle', 'platform', 'price', 'repeat', 'rfm_f', 'rfm_m', 'rfm_r', 'rfm_segment', 'value'])
        expect(checked.get(g), g).toBeGreaterThan(0)
      // Buyers active in the last year carry at least ten tags each on average.
      const perMember = new Map<number, number>()
      stored.forEach(s => perMember.set(s.memberId, (perMember.get(s.memberId) ?? 0) + 1))
      const active = buyers.filter(b => b.last > now - 365 * DAY_MS)
      expect(active.reduce((s, b) => s + perMember.get(b.m)!, 0) / active.length).toBeGreaterThanOrEqual(10)
      // Every member has exactly one lifecycle stage.
      const lifecycles = stored.filter(s => s.tagId.startsWith('c:lifecycle:'))
      expect(new Set(lifecycles.map(s => s.memberId)).size).toBe(lifecycles.length)
      expect(lifecycles.length).toBe(perMember.size)
    })

    it('a second run rewrites rather than adds', async () => {
      await computeAllTags(stack.port.db, now)
      const again = await stack.port.db.select({ memberId: computedMemberTags.memberId, tagId: computedMemberTags.tagId, explanation: computedMemberTags.explanation }).from(computedMemberTags).orderBy(asc(computedMemberTags.memberId), asc(computedMemberTags.tagId))
      expect(again).toEqual(stored)
    })

    it('the scheduled run skips tags computed less than an interval ago, and recomputes after', async () => {
      const computedAt = async () => (await stack.port.db.select({ at: computedMemberTags.computedAt }).from(computedMemberTags).all()).map(r => r.at)
      expect(await computeTagsIfStale(stack.port.db, now + COMPUTE_INTERVAL_MS - 1)).toBeNull()
      expect(new Set(await computedAt())).toEqual(new Set([now]))
      const later = now + COMPUTE_INTERVAL_MS
      expect((await computeTagsIfStale(stack.port.db, later))?.members).toBe((stack.database.sqlite.prepare('select count(*) n from members').get() as { n: number }).n)
      expect(new Set(await computedAt())).toEqual(new Set([later]))
    })
  })
}
