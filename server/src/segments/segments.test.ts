import type { SavedSegment, SegmentDefinition, SegmentList, SegmentPreview } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { inArray } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dialects } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { computedMemberTags } from '../db/schema.ts'
import { DAY_MS, shanghaiDay } from '../lib/china-time.ts'
import { todayList } from '../recommend/today.ts'
import { computeAllTags } from './compute-job.ts'

for (const dialect of dialects) {
  describe.skipIf(dialect === 'postgres' && !inject('postgresUrl'))(`segments [${dialect}]`, () => {
    let stack: TestStack
    let admin: string
    let supervisor: { userid: string, storeId: string }
    let otherStore: string
    let holders: Map<string, Set<number>>

    const preview = async (d: SegmentDefinition, cookie: string) => stack.app.inject({ method: 'POST', url: '/api/segments/preview', headers: { cookie }, payload: d })
    /** The segment computed apart from the service: tag holders, order sums and follows read from the seeded data. */
    function expected(d: SegmentDefinition, scopeStore: string | null): { id: number, spent: number }[] {
      const sqlite = stack.database.sqlite
      const rows = sqlite.prepare(`select m.id, coalesce((select sum(paid_amount - refunded_amount) from orders o where o.member_id = m.id and o.status != 'cancelled'), 0) spent from members m`).all() as { id: number, spent: number }[]
      const storesOf = (id: number) => new Set((sqlite.prepare(`select s.store_id st from follows f join staff s on s.userid = f.guide_userid where f.member_id = ? and f.status = 'active'`).all(id) as { st: string }[]).map(r => r.st))
      return rows.filter(r => (d.tagIds ?? []).every(t => holders.get(t)?.has(r.id))
        && (d.minSpentFen === undefined || r.spent >= d.minSpentFen)
        && (d.storeIds === undefined || d.storeIds.some(s => storesOf(r.id).has(s)))
        && (scopeStore === null || storesOf(r.id).has(scopeStore)))
        .sort((a, b) => b.spent - a.spent || a.id - b.id)
    }

    beforeAll(async () => {
      stack = await startTestStack({ dialect, members: 300 })
      const sqlite = stack.database.sqlite
      const now = (sqlite.prepare('select max(paid_at) m from orders').get() as { m: number }).m + DAY_MS
      await computeAllTags(stack.port.db, now)
      holders = new Map()
      for (const r of await stack.port.db.select({ m: computedMemberTags.memberId, t: computedMemberTags.tagId }).from(computedMemberTags)) {
        if (!holders.has(r.t))
          holders.set(r.t, new Set())
        holders.get(r.t)!.add(r.m)
      }
      admin = (sqlite.prepare(`select userid from staff where role = 'admin' limit 1`).get() as { userid: string }).userid
      supervisor = sqlite.prepare(`select userid, store_id storeId from staff where role = 'supervisor' order by userid limit 1`).get() as typeof supervisor
      otherStore = (sqlite.prepare(`select id from stores where id != ? limit 1`).get(supervisor.storeId) as { id: string }).id
    }, 180_000)
    afterAll(async () => stack?.close())

    it('counts and samples the members with every tag and fact, as the data says', async () => {
      const cookie = await stack.login(admin)
      // "Sleeping or lost, spent ≥ ¥2,000, prefers 护肤" — the lapsed tag with more holders keeps the test meaningful.
      const lapsed = (holders.get('c:lifecycle:lost')?.size ?? 0) >= (holders.get('c:lifecycle:sleeping')?.size ?? 0) ? 'c:lifecycle:lost' : 'c:lifecycle:sleeping'
      const definitions: SegmentDefinition[] = [
        { tagIds: [lapsed], minSpentFen: 200_000 },
        { tagIds: [lapsed, 'c:category:护肤'] },
        { tagIds: ['c:channel_mix:dual'], storeIds: [supervisor.storeId] },
        { minSpentFen: 500_000 },
      ]
      for (const d of definitions) {
        const res = await preview(d, cookie)
        expect(res.statusCode, JSON.stringify(d)).toBe(200)
        const body = res.json() as SegmentPreview
        const want = expected(d, null)
        expect(body.size, JSON.stringify(d)).toBe(want.length)
        expect(body.sample.map(s => [s.memberId, s.spentFen])).toEqual(want.slice(0, 20).map(w => [w.id, w.spent]))
      }
      expect(expected(definitions[0]!, null).length).toBeGreaterThan(0)
    })

    it('shows a supervisor only their store\'s members and refuses other stores', async () => {
      const cookie = await stack.login(supervisor.userid)
      const d: SegmentDefinition = { minSpentFen: 100_000 }
      const res = await preview(d, cookie)
      expect(res.statusCode).toBe(200)
      const mine = expected(d, supervisor.storeId)
      expect((res.json() as SegmentPreview).size).toBe(mine.length)
      expect(mine.length).toBeLessThan(expected(d, null).length)
      expect((await preview({ storeIds: [otherStore] }, cookie)).statusCode).toBe(403)
      const options = (await stack.app.inject({ method: 'GET', url: '/api/segments/options', headers: { cookie } })).json() as { stores: { id: string }[], tagGroups: { tags: { id: string }[] }[] }
      expect(options.stores.map(s => s.id)).toEqual([supervisor.storeId])
      expect(options.tagGroups.flatMap(g => g.tags.map(t => t.id))).toContain('c:lifecycle:active')
    })

    it('refuses guides, strangers and bad definitions, naming what is wrong', async () => {
      const guide = (stack.database.sqlite.prepare(`select userid from staff where role = 'guide' limit 1`).get() as { userid: string }).userid
      const cookie = await stack.login(admin)
      expect((await stack.app.inject({ method: 'POST', url: '/api/segments/preview', payload: {} })).statusCode).toBe(401)
      expect((await preview({}, await stack.login(guide))).statusCode).toBe(403)
      const unknown = await preview({ tagIds: ['c:nope'] }, cookie)
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json().message).toContain('c:nope')
      expect((await preview({ minSpentFen: 5, maxSpentFen: 1 }, cookie)).statusCode).toBe(400)
      expect((await preview({ minSpentFen: -1 }, cookie)).statusCode).toBe(400)
      expect((await preview({ storeIds: ['nowhere'] }, cookie)).statusCode).toBe(400)
    })

    it('saves, lists with live sizes, and deletes within the caller\'s scope', async () => {
      const adminCookie = await stack.login(admin)
      const supCookie = await stack.login(supervisor.userid)
      const saved = await stack.app.inject({ method: 'POST', url: '/api/segments', headers: { cookie: adminCookie }, payload: { name: '高消费', definition: { minSpentFen: 500_000 } } })
      expect(saved.statusCode).toBe(201)
      const segment = saved.json() as SavedSegment
      expect(segment.size).toBe(expected({ minSpentFen: 500_000 }, null).length)
      const supSaved = await stack.app.inject({ method: 'POST', url: '/api/segments', headers: { cookie: supCookie }, payload: { name: '本店', definition: {} } })
      expect(supSaved.statusCode).toBe(201)
      const supList = (await stack.app.inject({ method: 'GET', url: '/api/segments', headers: { cookie: supCookie } })).json() as SegmentList
      expect(supList.items.map(s => s.name)).toEqual(['本店'])
      expect(supList.items[0]!.size).toBe(expected({}, supervisor.storeId).length)
      expect((await stack.app.inject({ method: 'DELETE', url: `/api/segments/${segment.id}`, headers: { cookie: supCookie } })).statusCode).toBe(404)
      expect((await stack.app.inject({ method: 'DELETE', url: `/api/segments/${segment.id}`, headers: { cookie: adminCookie } })).statusCode).toBe(204)
      const adminList = (await stack.app.inject({ method: 'GET', url: '/api/segments', headers: { cookie: adminCookie } })).json() as SegmentList
      expect(adminList.items.map(s => s.name)).toEqual(['本店'])
    })
  })
}

for (const dialect of dialects) {
  describe.skipIf(dialect === 'postgres' && !inject('postgresUrl'))(`today's win-back section [${dialect}]`, () => {
    let stack: TestStack
    let now: number

    beforeAll(async () => {
      stack = await startTestStack({ dialect, members: 300 })
      now = (stack.database.sqlite.prepare('select max(paid_at) m from orders').get() as { m: number }).m + DAY_MS
      await computeAllTags(stack.port.db, now)
    }, 180_000)
    afterAll(async () => stack?.close())

    it('lists the guide\'s sleeping and lost members, biggest spenders first, with the reason and what they bought last', async () => {
      const sqlite = stack.database.sqlite
      // The guide with the most lapsed customers (computed tags live in the database under test).
      const lapsed = new Set((await stack.port.db.select({ m: computedMemberTags.memberId }).from(computedMemberTags).where(inArray(computedMemberTags.tagId, ['c:lifecycle:sleeping', 'c:lifecycle:lost']))).map(r => r.m))
      const counts = new Map<string, number>()
      for (const f of sqlite.prepare(`select guide_userid g, member_id m from follows where status = 'active' order by guide_userid`).all() as { g: string, m: number }[]) {
        if (lapsed.has(f.m))
          counts.set(f.g, (counts.get(f.g) ?? 0) + 1)
      }
      const guide = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0]
      const list = await todayList(stack.port.db, { userid: guide, role: 'guide', storeId: null, exp: 0 }, { limit: 5 }, { now: () => now })
      expect(list.winBack.length).toBeGreaterThan(0)
      const today = shanghaiDay(now)
      let previousSpent = Number.POSITIVE_INFINITY
      for (const item of list.winBack) {
        expect(sqlite.prepare(`select 1 from follows where guide_userid = ? and member_id = ? and status = 'active'`).get(guide, item.memberId)).toBeDefined()
        const spent = (sqlite.prepare(`select coalesce(sum(paid_amount - refunded_amount), 0) s from orders where member_id = ? and status != 'cancelled'`).get(item.memberId) as { s: number }).s
        expect(item.spentFen).toBe(spent)
        expect(spent).toBeLessThanOrEqual(previousSpent)
        previousSpent = spent
        const bought = sqlite.prepare(`select id, paid_at, platform, paid_amount - refunded_amount net from orders where member_id = ? and status != 'cancelled' and paid_amount - refunded_amount > 0 order by paid_at desc, id desc`).all(item.memberId) as { id: number, paid_at: number, platform: string, net: number }[]
        const last = bought[0]!
        expect(item.lastOrder).toMatchObject({ paidAt: last.paid_at, platform: last.platform, netFen: last.net })
        const names = sqlite.prepare(`select p.name, l.quantity from order_lines l join products p on p.sku_id = l.sku_id where l.order_id = ? order by l.amount desc, l.id`).all(last.id) as { name: string, quantity: number }[]
        expect(item.lastOrder.items).toEqual(names)
        // The reason's numbers: days since that purchase, and a gap over 2 (sleeping) or 4 (lost) of her rhythm.
        const gap = today - shanghaiDay(last.paid_at)
        expect(item.reason.key).toBe(`lifecycle.${item.stage}`)
        expect(item.reason.params.gapDays).toBe(gap)
        expect(gap).toBeGreaterThan((item.stage === 'lost' ? 4 : 2) * (item.reason.params.rhythmDays as number))
      }
    })
  })
}
