import type { OpenedDatabase } from '../db/client.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, gte } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { generateDemoData } from '../../demo/generator.ts'
import { seedDatabase } from '../../demo/seed.ts'
import { openDatabase } from '../db/client.ts'
import { attributions, orderLines, orders, products, sends } from '../db/schema.ts'
import { attributedRevenue, attributeOrders, matchSendToLines } from './attribution.ts'

const DAY = 86_400_000
// Well after every generated order, so only the orders made here are in play.
const T0 = Date.UTC(2027, 5, 1)

let dir: string
let database: OpenedDatabase
let guide: string
let memberId: number
let otherMemberId: number
let sku: { skuId: string, spuId: string, category: string, price: number }
let sameSpuSku: string
let sameCategorySku: string
let unrelatedSku: string
let orderSeq = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scrm-attr-'))
  database = openDatabase(join(dir, 'a.db'))
  seedDatabase(database.db, generateDemoData({ seed: 3, members: 120 }))
  const sqlite = database.sqlite
  const follow = sqlite.prepare(`select guide_userid g, member_id m from follows order by member_id limit 2`).all() as { g: string, m: number }[]
  guide = follow[0]!.g
  memberId = follow[0]!.m
  otherMemberId = follow[1]!.m
  const spu = sqlite.prepare(`select spu_id from products group by spu_id having count(*) >= 2 limit 1`).get() as { spu_id: string }
  const skus = sqlite.prepare(`select sku_id, spu_id, category, price from products where spu_id = ? order by sku_id`).all(spu.spu_id) as { sku_id: string, spu_id: string, category: string, price: number }[]
  sku = { skuId: skus[0]!.sku_id, spuId: skus[0]!.spu_id, category: skus[0]!.category, price: skus[0]!.price }
  sameSpuSku = skus[1]!.sku_id
  sameCategorySku = (sqlite.prepare(`select sku_id from products where category = ? and spu_id != ? limit 1`).get(sku.category, sku.spuId) as { sku_id: string }).sku_id
  unrelatedSku = (sqlite.prepare(`select sku_id from products where category != ? limit 1`).get(sku.category) as { sku_id: string }).sku_id
})
beforeEach(() => {
  database.db.delete(attributions).run()
  database.db.delete(sends).run()
  database.db.delete(orders).where(gte(orders.paidAt, T0 - 30 * DAY)).run()
})
afterAll(() => {
  database?.close()
  rmSync(dir, { recursive: true, force: true })
})

function send(at: number, skuId: string | null, options: { status?: 'sent' | 'failed' | 'cancelled' | 'pending', member?: number, recommendationId?: number } = {}) {
  return database.db.insert(sends).values({
    idempotencyKey: `k-${at}-${Math.random()}`,
    guideUserid: guide,
    memberId: options.member ?? memberId,
    kind: skuId ? 'news' : 'text',
    payload: {},
    skuId,
    recommendationId: options.recommendationId,
    status: options.status ?? 'sent',
    createdAt: at,
  }).returning().get().id
}

function order(at: number, lines: { skuId: string, amount: number }[], options: { status?: 'completed' | 'cancelled' | 'refunded', paid?: number, refunded?: number, member?: number } = {}) {
  const total = lines.reduce((s, l) => s + l.amount, 0)
  const row = database.db.insert(orders).values({
    platform: 'miniprogram',
    orderNo: `T${++orderSeq}`,
    memberId: options.member ?? memberId,
    status: options.status ?? 'completed',
    totalAmount: total,
    paidAmount: options.paid ?? total,
    refundedAmount: options.refunded ?? 0,
    paidAt: at,
  }).returning().get()
  for (const line of lines) {
    const product = database.db.select().from(products).where(eq(products.skuId, line.skuId)).get()!
    database.db.insert(orderLines).values({ orderId: row.id, skuId: line.skuId, spuId: product.spuId, quantity: 1, unitPrice: line.amount, amount: line.amount }).run()
  }
  return row.id
}

const credit = (orderId: number) => database.db.select().from(attributions).where(eq(attributions.orderId, orderId)).get()
const run = (now = T0 + 30 * DAY) => attributeOrders(database.db, { now, since: 0 })

describe('attribution rules', () => {
  it('credits an order with the sent SKU inside the window, revenue net of discount', () => {
    const s = send(T0, sku.skuId)
    const o = order(T0 + 2 * DAY, [{ skuId: sku.skuId, amount: 10_000 }, { skuId: unrelatedSku, amount: 10_000 }], { paid: 18_000 })
    expect(run().attributed).toBe(1)
    expect(credit(o)).toMatchObject({ sendId: s, matchLevel: 'sku', matchedAmount: 10_000, revenue: 9_000 })
  })

  it('matches by SPU and by category when the SKU differs', () => {
    send(T0, sku.skuId)
    const bySpu = order(T0 + DAY, [{ skuId: sameSpuSku, amount: 5_000 }])
    const byCategory = order(T0 + DAY, [{ skuId: sameCategorySku, amount: 5_000 }])
    const unrelated = order(T0 + DAY, [{ skuId: unrelatedSku, amount: 5_000 }])
    run()
    expect(credit(bySpu)?.matchLevel).toBe('spu')
    expect(credit(byCategory)?.matchLevel).toBe('category')
    expect(credit(unrelated)).toBeUndefined()
  })

  it('respects the window: inclusive at 7 days, nothing after it and nothing before the send', () => {
    send(T0, sku.skuId)
    const atEdge = order(T0 + 7 * DAY, [{ skuId: sku.skuId, amount: 100 }])
    const tooLate = order(T0 + 7 * DAY + 1, [{ skuId: sku.skuId, amount: 100 }])
    const before = order(T0 - 1, [{ skuId: sku.skuId, amount: 100 }])
    run()
    expect(credit(atEdge)).toBeDefined()
    expect(credit(tooLate)).toBeUndefined()
    expect(credit(before)).toBeUndefined()
  })

  it('gives the credit to the last matching send (last touch)', () => {
    send(T0, sku.skuId)
    const later = send(T0 + DAY, sameCategorySku)
    send(T0 + 2 * DAY, unrelatedSku)
    const o = order(T0 + 3 * DAY, [{ skuId: sku.skuId, amount: 100 }])
    run()
    expect(credit(o)).toMatchObject({ sendId: later, matchLevel: 'category' })
  })

  it('ignores sends that were not delivered, text-only sends and other members\' sends', () => {
    send(T0, sku.skuId, { status: 'cancelled' })
    send(T0, sku.skuId, { status: 'failed' })
    send(T0, sku.skuId, { status: 'pending' })
    send(T0, null)
    send(T0, sku.skuId, { member: otherMemberId })
    const o = order(T0 + DAY, [{ skuId: sku.skuId, amount: 100 }])
    expect(run().attributed).toBe(0)
    expect(credit(o)).toBeUndefined()
  })

  it('does not credit cancelled orders, revokes credit on full refund and nets partial refunds', () => {
    send(T0, sku.skuId)
    const cancelled = order(T0 + DAY, [{ skuId: sku.skuId, amount: 100 }], { status: 'cancelled' })
    const refundedLater = order(T0 + DAY, [{ skuId: sku.skuId, amount: 8_000 }])
    const partlyRefunded = order(T0 + DAY, [{ skuId: sku.skuId, amount: 8_000 }, { skuId: unrelatedSku, amount: 2_000 }])
    run()
    expect(credit(cancelled)).toBeUndefined()
    expect(credit(refundedLater)?.revenue).toBe(8_000)
    expect(credit(partlyRefunded)?.revenue).toBe(8_000)

    database.db.update(orders).set({ status: 'refunded', refundedAmount: 8_000 }).where(eq(orders.id, refundedLater)).run()
    database.db.update(orders).set({ refundedAmount: 5_000 }).where(eq(orders.id, partlyRefunded)).run()
    const again = run()
    expect(again.revoked).toBe(1)
    expect(credit(refundedLater)).toBeUndefined()
    expect(credit(partlyRefunded)?.revenue).toBe(4_000)
  })

  it('is idempotent', () => {
    send(T0, sku.skuId)
    order(T0 + DAY, [{ skuId: sku.skuId, amount: 100 }])
    expect(run().attributed).toBe(1)
    expect(run()).toEqual({ attributed: 0, revoked: 0, revalued: 0 })
  })
})

describe('attribution helpers', () => {
  it('prefers the strongest level and pro-rates revenue', () => {
    const lines = [{ skuId: 'a1', spuId: 'a', category: 'x', amount: 100 }, { skuId: 'b1', spuId: 'b', category: 'x', amount: 50 }]
    expect(matchSendToLines({ skuId: 'a2', spuId: 'a', category: 'x' }, lines)).toEqual({ level: 'spu', lines: [lines[0]] })
    expect(matchSendToLines({ skuId: 'c1', spuId: 'c', category: 'x' }, lines)?.lines).toHaveLength(2)
    expect(attributedRevenue({ totalAmount: 0, paidAmount: 0, refundedAmount: 0 }, 0)).toBe(0)
    expect(attributedRevenue({ totalAmount: 200, paidAmount: 150, refundedAmount: 50 }, 100)).toBe(50)
  })
})
