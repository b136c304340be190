import type { AsyncDb } from '../db/port.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, asc, count, eq, gte, ne } from 'drizzle-orm'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { generateDemoData } from '../../demo/generator.ts'
import { seedDatabase } from '../../demo/seed.ts'
import { copyDatabase } from '../../testing/copy-database.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { openDatabase } from '../db/client.ts'
import { attributions, follows, orderLines, orders, products, sends } from '../db/schema.ts'
import { attributedRevenue, attributeOrders, matchSendToLines } from './attribution.ts'

const DAY = 86_400_000
// Well after every generated order, so only the orders made here are in play.
const T0 = Date.UTC(2027, 5, 1)

describeEachDialect('attribution', ({ fresh }) => {
  let db: AsyncDb
  let guide: string
  let memberId: number
  let otherMemberId: number
  let sku: { skuId: string, spuId: string, category: string, price: number }
  let sameSpuSku: string
  let sameCategorySku: string
  let unrelatedSku: string
  let orderSeq = 0

  beforeAll(async () => {
    const target = await fresh()
    db = target.database.db
    // Demo seeding is sync SQLite code: seed a SQLite file, then copy it through the port.
    const dir = mkdtempSync(join(tmpdir(), 'scrm-attr-'))
    const seeded = openDatabase(join(dir, 'a.db'))
    try {
      seedDatabase(seeded.db, generateDemoData({ seed: 3, members: 120 }))
      await copyDatabase(seeded.port, target.database)
    }
    finally {
      seeded.close()
      rmSync(dir, { recursive: true, force: true })
    }
    const [follow] = await db.select({ g: follows.guideUserid, m: follows.memberId }).from(follows).orderBy(asc(follows.memberId), asc(follows.guideUserid)).limit(1)
    guide = follow!.g
    memberId = follow!.m
    otherMemberId = (await db.select({ m: follows.memberId }).from(follows).where(ne(follows.memberId, memberId)).orderBy(asc(follows.memberId)).limit(1))[0]!.m
    const spu = (await db.select({ spuId: products.spuId }).from(products).groupBy(products.spuId).having(gte(count(), 2)).orderBy(products.spuId).limit(1))[0]!
    const skus = await db.select().from(products).where(eq(products.spuId, spu.spuId)).orderBy(products.skuId)
    sku = { skuId: skus[0]!.skuId, spuId: skus[0]!.spuId, category: skus[0]!.category, price: skus[0]!.price }
    sameSpuSku = skus[1]!.skuId
    sameCategorySku = (await db.select({ skuId: products.skuId }).from(products).where(and(eq(products.category, sku.category), ne(products.spuId, sku.spuId))).orderBy(products.skuId).limit(1))[0]!.skuId
    unrelatedSku = (await db.select({ skuId: products.skuId }).from(products).where(ne(products.category, sku.category)).orderBy(products.skuId).limit(1))[0]!.skuId
  })
  beforeEach(async () => {
    await db.delete(attributions)
    await db.delete(sends)
    await db.delete(orders).where(gte(orders.paidAt, T0 - 30 * DAY))
  })

  async function send(at: number, skuId: string | null, options: { status?: 'sent' | 'failed' | 'cancelled' | 'pending', member?: number, recommendationId?: number } = {}) {
    const [row] = await db.insert(sends).values({
      idempotencyKey: `k-${at}-${Math.random()}`,
      guideUserid: guide,
      memberId: options.member ?? memberId,
      kind: skuId ? 'news' : 'text',
      payload: {},
      skuId,
      recommendationId: options.recommendationId,
      status: options.status ?? 'sent',
      createdAt: at,
    }).returning({ id: sends.id })
    return row!.id
  }

  async function order(at: number, lines: { skuId: string, amount: number }[], options: { status?: 'completed' | 'cancelled' | 'refunded', paid?: number, refunded?: number, member?: number } = {}) {
    const total = lines.reduce((s, l) => s + l.amount, 0)
    const [row] = await db.insert(orders).values({
      platform: 'miniprogram',
      orderNo: `T${++orderSeq}`,
      memberId: options.member ?? memberId,
      status: options.status ?? 'completed',
      totalAmount: total,
      paidAmount: options.paid ?? total,
      refundedAmount: options.refunded ?? 0,
      paidAt: at,
    }).returning({ id: orders.id })
    for (const line of lines) {
      const product = (await db.select().from(products).where(eq(products.skuId, line.skuId)).get())!
      await db.insert(orderLines).values({ orderId: row!.id, skuId: line.skuId, spuId: product.spuId, quantity: 1, unitPrice: line.amount, amount: line.amount })
    }
    return row!.id
  }

  const credit = async (orderId: number) => db.select().from(attributions).where(eq(attributions.orderId, orderId)).get()
  // As the job runs it: one transaction.
  const run = async (now = T0 + 30 * DAY) => db.transaction(async tx => attributeOrders(tx, { now, since: 0 }))

  describe('attribution rules', async () => {
    it('credits an order with the sent SKU inside the window, revenue net of discount', async () => {
      const s = await send(T0, sku.skuId)
      const o = await order(T0 + 2 * DAY, [{ skuId: sku.skuId, amount: 10_000 }, { skuId: unrelatedSku, amount: 10_000 }], { paid: 18_000 })
      expect((await run()).attributed).toBe(1)
      expect(await credit(o)).toMatchObject({ sendId: s, matchLevel: 'sku', matchedAmount: 10_000, revenue: 9_000 })
    })

    it('matches by SPU and by category when the SKU differs', async () => {
      await send(T0, sku.skuId)
      const bySpu = await order(T0 + DAY, [{ skuId: sameSpuSku, amount: 5_000 }])
      const byCategory = await order(T0 + DAY, [{ skuId: sameCategorySku, amount: 5_000 }])
      const unrelated = await order(T0 + DAY, [{ skuId: unrelatedSku, amount: 5_000 }])
      await run()
      expect((await credit(bySpu))?.matchLevel).toBe('spu')
      expect((await credit(byCategory))?.matchLevel).toBe('category')
      expect(await credit(unrelated)).toBeUndefined()
    })

    it('respects the window: inclusive at 7 days, nothing after it and nothing before the send', async () => {
      await send(T0, sku.skuId)
      const atEdge = await order(T0 + 7 * DAY, [{ skuId: sku.skuId, amount: 100 }])
      const tooLate = await order(T0 + 7 * DAY + 1, [{ skuId: sku.skuId, amount: 100 }])
      const before = await order(T0 - 1, [{ skuId: sku.skuId, amount: 100 }])
      await run()
      expect(await credit(atEdge)).toBeDefined()
      expect(await credit(tooLate)).toBeUndefined()
      expect(await credit(before)).toBeUndefined()
    })

    it('gives the credit to the last matching send (last touch)', async () => {
      await send(T0, sku.skuId)
      const later = await send(T0 + DAY, sameCategorySku)
      await send(T0 + 2 * DAY, unrelatedSku)
      const o = await order(T0 + 3 * DAY, [{ skuId: sku.skuId, amount: 100 }])
      await run()
      expect(await credit(o)).toMatchObject({ sendId: later, matchLevel: 'category' })
    })

    it('ignores sends that were not delivered, text-only sends and other members\' sends', async () => {
      await send(T0, sku.skuId, { status: 'cancelled' })
      await send(T0, sku.skuId, { status: 'failed' })
      await send(T0, sku.skuId, { status: 'pending' })
      await send(T0, null)
      await send(T0, sku.skuId, { member: otherMemberId })
      const o = await order(T0 + DAY, [{ skuId: sku.skuId, amount: 100 }])
      expect((await run()).attributed).toBe(0)
      expect(await credit(o)).toBeUndefined()
    })

    it('does not credit cancelled orders, revokes credit on full refund and nets partial refunds', async () => {
      await send(T0, sku.skuId)
      const cancelled = await order(T0 + DAY, [{ skuId: sku.skuId, amount: 100 }], { status: 'cancelled' })
      const refundedLater = await order(T0 + DAY, [{ skuId: sku.skuId, amount: 8_000 }])
      const partlyRefunded = await order(T0 + DAY, [{ skuId: sku.skuId, amount: 8_000 }, { skuId: unrelatedSku, amount: 2_000 }])
      await run()
      expect(await credit(cancelled)).toBeUndefined()
      expect((await credit(refundedLater))?.revenue).toBe(8_000)
      expect((await credit(partlyRefunded))?.revenue).toBe(8_000)

      await db.update(orders).set({ status: 'refunded', refundedAmount: 8_000 }).where(eq(orders.id, refundedLater))
      await db.update(orders).set({ refundedAmount: 5_000 }).where(eq(orders.id, partlyRefunded))
      const again = await run()
      expect(again.revoked).toBe(1)
      expect(await credit(refundedLater)).toBeUndefined()
      expect((await credit(partlyRefunded))?.revenue).toBe(4_000)
    })

    it('is idempotent', async () => {
      await send(T0, sku.skuId)
      await order(T0 + DAY, [{ skuId: sku.skuId, amount: 100 }])
      expect((await run()).attributed).toBe(1)
      expect(await run()).toEqual({ attributed: 0, revoked: 0, revalued: 0 })
    })
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
