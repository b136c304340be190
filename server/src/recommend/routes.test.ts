import type { MemberContext, TodayList } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { formatReason } from '@scrm/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'
import { precomputeRecommendations, REFRESH_JOB } from './precomputed.ts'
import { createRecommender } from './scoring.ts'
import { trainModels } from './training.ts'

const DAY = 86_400_000
let stack: TestStack
let guide: string
let cookie: string

beforeAll(async () => {
  stack = await startTestStack()
  await trainModels(stack.database.port, { now: Date.now() })
  await precomputeRecommendations(stack.database.port.db, createRecommender({ modelRecheckMs: 0 }), { now: Date.now(), databaseClock: stack.database.port.sql.nowMs })
  guide = (stack.database.sqlite.prepare(`select guide_userid g from follows where status = 'active' group by guide_userid order by count(*) desc limit 1`).get() as { g: string }).g
  cookie = await stack.login(guide)
})
afterAll(async () => stack?.close())

function today(limit: number, withCookie = cookie) {
  return stack.app.inject({ method: 'GET', url: `/api/today?limit=${limit}`, headers: { cookie: withCookie } })
}

describe('member context with recommendations', () => {
  it('returns logged recommendations and a gated propensity in the context request', async () => {
    const m = stack.database.sqlite.prepare(`select m.id, m.external_userid x from members m join follows f on f.member_id = m.id and f.guide_userid = ? and f.status = 'active'
      where (select count(distinct date(o.paid_at / 1000, 'unixepoch')) from orders o where o.member_id = m.id and o.status = 'completed') >= 3 order by m.id limit 1`).get(guide) as { id: number, x: string }
    const times: number[] = []
    let body: MemberContext | undefined
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      const res = await stack.app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${m.x}`, headers: { cookie } })
      times.push(performance.now() - t)
      expect(res.statusCode).toBe(200)
      body = res.json() as MemberContext
    }
    const rec = body!.recommendations
    expect(rec.items.length).toBeGreaterThanOrEqual(3)
    expect(rec.items.length).toBeLessThanOrEqual(10)
    expect(rec.items.every(i => formatReason(i.facts).length > 0)).toBe(true)
    expect(rec.propensity.sufficiency).toBe('ok')
    expect(rec.propensity.pBuy30).toBeGreaterThan(0)
    // The log row written with her precomputed list (no write on the read); the send will name the guide.
    const row = stack.database.sqlite.prepare(`select r.member_id, r.items from recommendations r join member_recommendations l on l.recommendation_id = r.id where l.member_id = ?`).get(m.id) as { member_id: number, items: string }
    expect(rec.recommendationId).not.toBeNull()
    expect(row.member_id).toBe(m.id)
    expect(JSON.parse(row.items)).toEqual(rec.items.map((it, i) => ({ skuId: it.skuId, spuId: it.spuId, reasonCode: it.facts.code, score: it.score, rank: i + 1 })))
    expect((stack.database.sqlite.prepare(`select max(id) id from recommendations where member_id = ?`).get(m.id) as { id: number }).id).toBe(rec.recommendationId)
    expect(Math.min(...times)).toBeLessThan(50)
    const stored = stack.database.sqlite.prepare(`select items from member_recommendations where member_id = ?`).get(m.id) as { items: string }
    expect(rec.items).toEqual(JSON.parse(stored.items))
  })

  it('a completed send marks her precomputed list stale and enqueues one refresh', async () => {
    const m = stack.database.sqlite.prepare(`select m.id, m.external_userid x from members m join follows f on f.member_id = m.id and f.guide_userid = ? and f.status = 'active'
      join member_recommendations r on r.member_id = m.id where r.stale_since is null order by m.id desc limit 1`).get(guide) as { id: number, x: string }
    const context = (await stack.app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${m.x}`, headers: { cookie } })).json() as MemberContext
    const item = context.recommendations.items[0]!
    const created = await stack.app.inject({ method: 'POST', url: '/api/sends', headers: { cookie }, payload: { idempotencyKey: 'stale-after-send', memberId: m.id, message: { msgtype: 'news', news: { link: item.linkUrl, title: item.name, desc: '', imgUrl: item.imageUrl } }, skuId: item.skuId, recommendationId: context.recommendations.recommendationId, reasonCode: item.facts.code } })
    expect(created.statusCode).toBe(201)
    const sendId = (created.json() as { id: number }).id
    const staleSince = () => (stack.database.sqlite.prepare(`select stale_since s from member_recommendations where member_id = ?`).get(m.id) as { s: number | null }).s
    expect(staleSince()).toBeNull()
    const completed = await stack.app.inject({ method: 'POST', url: `/api/sends/${sendId}/complete`, headers: { cookie }, payload: { status: 'sent' } })
    expect(completed.statusCode).toBe(200)
    expect(staleSince()).not.toBeNull()
    const refreshes = stack.database.sqlite.prepare(`select payload from jobs where name = ? and singleton_key = ?`).all(REFRESH_JOB, `member:${m.id}`) as { payload: string }[]
    expect(refreshes.map(r => JSON.parse(r.payload))).toEqual([{ memberId: m.id }])
  })
})

describe('today list', () => {
  it('lists only the guide\'s members, best first, with lead products', async () => {
    const logCount = () => (stack.database.sqlite.prepare(`select count(*) n from recommendations`).get() as { n: number }).n
    const logsBefore = logCount()
    const res = await today(100)
    expect(res.statusCode).toBe(200)
    const list = res.json() as TodayList
    const mine = new Set((stack.database.sqlite.prepare(`select member_id id from follows where guide_userid = ? and status = 'active'`).all(guide) as { id: number }[]).map(r => r.id))
    expect(list.items.length).toBeGreaterThan(3)
    for (const it of list.items) {
      expect(mine.has(it.memberId)).toBe(true)
      expect(it.leadProducts.length).toBeGreaterThanOrEqual(2)
      expect(it.leadProducts.length).toBeLessThanOrEqual(3)
    }
    const scores = list.items.map(i => i.score)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
    const top = list.items[0]!
    expect(top.score).toBe(Math.round(top.pBuy30! * top.expectedValue!))
    // Lead products are not logged as recommendations.
    expect(logCount()).toBe(logsBefore)
  })

  it('leaves out members contacted in the last 3 days', async () => {
    const before = (await today(100)).json() as TodayList
    const [a, b] = before.items
    const insert = stack.database.sqlite.prepare(`insert into sends (idempotency_key, guide_userid, member_id, kind, payload, status, created_at, completed_at) values (?, ?, ?, 'text', '{}', 'sent', ?, ?)`)
    insert.run('today-recent', guide, a!.memberId, Date.now() - DAY, Date.now() - DAY)
    const old = Date.now() - 4 * DAY
    insert.run('today-old', guide, b!.memberId, old, old)
    const after = (await today(100)).json() as TodayList
    expect(after.items.map(i => i.memberId)).not.toContain(a!.memberId)
    expect(after.items.find(i => i.memberId === b!.memberId)?.lastContactAt).toBe(old)
  })

  it('gives a supervisor their store\'s members', async () => {
    const sup = stack.database.sqlite.prepare(`select userid, store_id s from staff where role = 'supervisor' and store_id is not null limit 1`).get() as { userid: string, s: string }
    const res = await today(30, await stack.login(sup.userid))
    expect(res.statusCode).toBe(200)
    const ids = (res.json() as TodayList).items.map(i => i.memberId)
    expect(ids.length).toBeGreaterThan(0)
    const inStore = stack.database.sqlite.prepare(`select 1 from follows f join staff s on s.userid = f.guide_userid where f.member_id = ? and s.store_id = ? and f.status = 'active'`)
    for (const id of ids) expect(inStore.get(id, sup.s)).toBeTruthy()
  })

  it('requires a session', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/today' })
    expect(res.statusCode).toBe(401)
  })
})
