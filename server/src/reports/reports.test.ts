import type { ConversionReport } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'
import { attributions, sends } from '../db/schema.ts'

let stack: TestStack
let guide: string
let storeId: string
const now = Date.now()

beforeAll(async () => {
  stack = await startTestStack()
  const sqlite = stack.database.sqlite
  const row = sqlite.prepare(`select f.guide_userid g, f.member_id m, s.store_id st from follows f join staff s on s.userid = f.guide_userid limit 1`).get() as { g: string, m: number, st: string }
  guide = row.g
  storeId = row.st
  const skuId = (sqlite.prepare('select sku_id from products limit 1').get() as { sku_id: string }).sku_id
  const orderId = (sqlite.prepare('select id from orders where member_id = ? limit 1').get(row.m) as { id: number }).id
  // Two recommended sends (one converted), one hand-picked send, one text reply (not a product send).
  const insertSend = (key: string, recommendationId: number | null, sku: string | null) => stack.database.db.insert(sends).values({
    idempotencyKey: key,
    guideUserid: guide,
    memberId: row.m,
    kind: sku ? 'news' : 'text',
    payload: {},
    skuId: sku,
    recommendationId,
    status: 'sent',
    createdAt: now - 86_400_000,
  }).returning().get().id
  const converted = insertSend('r1', 1, skuId)
  insertSend('r2', 1, skuId)
  insertSend('m1', null, skuId)
  insertSend('t1', null, null)
  stack.database.db.insert(attributions).values({ orderId, sendId: converted, matchLevel: 'sku', matchedAmount: 12_300, revenue: 12_300, attributedAt: now }).run()
})
afterAll(async () => stack?.close())

describe('conversion report', () => {
  it('refuses guides with 403', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie: await stack.login(guide) } })
    expect(res.statusCode).toBe(403)
  })

  it('shows a supervisor their store\'s guides with recommended vs hand-picked conversion', async () => {
    const supervisor = (stack.database.sqlite.prepare(`select userid from staff where role = 'supervisor' and store_id = ? and status = 1`).get(storeId) as { userid: string }).userid
    const res = await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie: await stack.login(supervisor) } })
    expect(res.statusCode).toBe(200)
    const report = res.json() as ConversionReport
    expect(report.attributionWindowDays).toBe(7)
    const storeGuides = stack.database.sqlite.prepare(`select userid from staff where role = 'guide' and store_id = ? order by userid`).all(storeId) as { userid: string }[]
    expect(report.rows.map(r => r.guideUserid).sort()).toEqual(storeGuides.map(g => g.userid))
    expect(report.rows.find(r => r.guideUserid === guide)).toMatchObject({ recommendedSends: 2, recommendedConverted: 1, manualSends: 1, manualConverted: 0, attributedRevenue: 12_300 })
    expect(report.rows[0]!.guideUserid).toBe(guide)
  })

  it('400s on an empty range', async () => {
    const admin = (stack.database.sqlite.prepare(`select userid from staff where role = 'admin'`).get() as { userid: string }).userid
    const res = await stack.app.inject({ method: 'GET', url: `/api/reports/conversion?from=${now}&to=${now - 1}`, headers: { cookie: await stack.login(admin) } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/from/)
  })
})
