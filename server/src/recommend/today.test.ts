import type { RecommendedProduct } from '@scrm/shared'
import type { Session } from '../plugins/session.ts'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { follows, memberRecommendations, members, memberScores, sends, staff, stores } from '../db/schema.ts'
import { todayList } from './today.ts'

const T = Date.UTC(2026, 11, 1, 4)
const DAY = 86_400_000
const guide: Session = { userid: 'g1', role: 'guide', storeId: 'S1', exp: 0 }
const supervisor: Session = { userid: 'sup', role: 'supervisor', storeId: 'S1', exp: 0 }

describeEachDialect('today list query', ({ fresh }) => {
  let db: Awaited<ReturnType<typeof fresh>>['database']['db']
  const ids: Record<string, number> = {}
  const product = (skuId: string): RecommendedProduct => ({
    skuId,
    spuId: skuId,
    name: skuId,
    categoryPath: '美妆/面部护理',
    price: 100,
    imageUrl: '',
    linkUrl: '',
    score: 1,
    contributions: { personal: 1, neighbours: 0, complement: 0, popular: 0, restock: 0, explore: 0 },
    facts: { code: 'popular', units: 3, days: 30 },
  })
  const list = async (session: Session) => todayList(db, session, { limit: 10 }, { now: () => T, leadProducts: 2 })

  beforeAll(async () => {
    db = (await fresh()).database.db
    await db.insert(stores).values({ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 })
    await db.insert(staff).values([
      { userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' },
      { userid: 'g2', name: '导购二', role: 'guide', storeId: 'S1' },
      { userid: 'sup', name: '店长', role: 'supervisor', storeId: 'S1' },
    ])
    for (const name of ['A', 'B', 'C', 'D', 'E', 'F']) {
      const [row] = await db.insert(members).values({ name, externalUserid: name === 'D' ? null : `wm${name}` }).returning({ id: members.id })
      ids[name] = row!.id
    }
    for (const name of ['A', 'B', 'C', 'D', 'F'])
      await db.insert(follows).values({ guideUserid: 'g1', memberId: ids[name]!, remark: `备注${name}`, addedAt: T - 100 * DAY })
    await db.insert(follows).values({ guideUserid: 'g2', memberId: ids.E!, remark: '备注E', addedAt: T - 100 * DAY })
    const score = (name: string, pBuy30: number, expectedValue: number, sufficiency: 'ok' | 'thin') => ({ memberId: ids[name]!, pBuy30, expectedValue, expectedNextAt: T + 5 * DAY, sufficiency, updatedAt: T })
    await db.insert(memberScores).values([score('A', 0.5, 1000, 'ok'), score('B', 0.9, 1000, 'ok'), score('F', 0.8, 1000, 'thin')])
    const send = (name: string, createdAt: number, status: 'sent' | 'failed') => ({ idempotencyKey: `today-${name}-${createdAt}`, guideUserid: 'g2', memberId: ids[name]!, kind: 'text' as const, payload: {}, status, createdAt })
    // B was contacted yesterday (cooldown); A ten days ago; C's only send failed.
    await db.insert(sends).values([send('B', T - DAY, 'sent'), send('A', T - 10 * DAY, 'sent'), send('C', T - DAY, 'failed')])
    // Lead products are the head of each member's precomputed list; C has none yet.
    await db.insert(memberRecommendations).values([
      { memberId: ids.F!, items: [product('F1'), product('F2'), product('F3')], computedAt: T },
      { memberId: ids.A!, items: [product('A1')], computedAt: T },
    ])
  })

  it('ranks the guide\'s contactable members by worth, leaving out the cooled-down and those without WeCom', async () => {
    const result = await list(guide)
    expect(result.generatedAt).toBe(T)
    expect(result.items.map(i => i.name)).toEqual(['F', 'A', 'C'])
    expect(result.items[0]).toMatchObject({ externalUserid: 'wmF', remark: '备注F', score: 800, pBuy30: null, expectedValue: null, lastContactAt: null })
    expect(result.items[1]).toMatchObject({ score: 500, pBuy30: 0.5, expectedValue: 1000, expectedNextAt: T + 5 * DAY, lastContactAt: T - 10 * DAY })
    expect(result.items[2]).toMatchObject({ score: 0, pBuy30: null, lastContactAt: null })
    expect(result.items.map(i => i.leadProducts.map(p => p.skuId))).toEqual([['F1', 'F2'], ['A1'], []])
  })

  it('gives a supervisor the store\'s members, ties by id', async () => {
    const result = await list(supervisor)
    expect(result.items.map(i => i.name)).toEqual(['F', 'A', 'C', 'E'])
    expect(result.items[3]).toMatchObject({ remark: '备注E' })
  })
})
