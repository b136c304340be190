// A member's order pages (one prepared statement joining orders and their lines) on both dialects.
import type { Order } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import { and, asc, desc, eq, sql } from 'drizzle-orm'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { members, orderLines, orders, orderUnmappedItems, products, stores } from '../db/schema.ts'
import { listMemberOrders, memberOrderTotals } from './orders.ts'

function product(skuId: string, name: string) {
  return {
    skuId,
    spuId: skuId.split('-')[0]!,
    name,
    categoryPath: '服装/外套/风衣',
    category: '外套',
    price: 10_000,
    imageUrl: `https://img.example/${skuId}.jpg`,
    linkUrl: `https://shop.example/${skuId}`,
    launchedAt: 0,
  }
}

describeEachDialect('member orders', ({ fresh }) => {
  let database: Database
  let memberId: number
  let otherId: number

  beforeAll(async () => {
    database = (await fresh()).database
    const { db } = database
    await db.insert(stores).values({ id: 'S1', name: '一店', city: '上海', wecomDepartmentId: 1 }).run()
    await db.insert(products).values([product('A-1', '风衣'), product('B-1', '衬衫'), product('C-1', '围巾')]).run()
    memberId = (await db.insert(members).values({ name: '甲' }).returning({ id: members.id }).get())!.id
    otherId = (await db.insert(members).values({ name: '乙' }).returning({ id: members.id }).get())!.id
    // Two orders share a paid_at (the id breaks the tie); one has no lines; the other member's order is
    // newer than all of hers and must never show up.
    const plan: { paidAt: number, skus: string[], member?: number }[] = [
      { paidAt: 1_000, skus: ['A-1'] },
      { paidAt: 2_000, skus: ['C-1', 'A-1', 'B-1'] },
      { paidAt: 2_000, skus: [] },
      { paidAt: 3_000, skus: ['B-1', 'B-1'] },
      { paidAt: 4_000, skus: ['A-1'] },
      { paidAt: 9_000, skus: ['C-1'], member: 0 },
    ]
    for (const [i, o] of plan.entries()) {
      const owner = o.member === 0 ? otherId : memberId
      const id = (await db.insert(orders).values({ platform: 'pos', orderNo: `N${i}`, memberId: owner, storeId: i % 2 ? 'S1' : null, buyerId: i === 4 ? 'tb_jia' : null, status: 'completed', totalAmount: 100, paidAmount: 100, paidAt: o.paidAt }).returning({ id: orders.id }).get())!.id
      for (const sku of o.skus)
        await db.insert(orderLines).values({ orderId: id, skuId: sku, spuId: sku.split('-')[0]!, quantity: 1, unitPrice: 100, amount: 100 }).run()
    }
  })

  it('pages newest first without gaps or repeats, each order with exactly its lines in line order', async () => {
    const all = await listMemberOrders(database.db, memberId, { limit: 100 })
    expect(all.nextCursor).toBeNull()
    expect(all.orders.map(o => o.paidAt)).toEqual([4_000, 3_000, 2_000, 2_000, 1_000])
    expect(all.orders.map(o => o.lines.map(l => l.skuId))).toEqual([['A-1'], ['B-1', 'B-1'], [], ['C-1', 'A-1', 'B-1'], ['A-1']])
    expect(all.orders[1]).toMatchObject({ storeName: '一店', lines: [{ name: '衬衫', imageUrl: 'https://img.example/B-1.jpg', linkUrl: 'https://shop.example/B-1', quantity: 1, amount: 100 }, { skuId: 'B-1' }] })
    expect(all.orders[0]!.storeName).toBeNull()
    // The platform account an order came from travels with it (shown where the store would be).
    expect(all.orders.map(o => o.buyerId)).toEqual(['tb_jia', null, null, null, null])

    for (const limit of [1, 2, 3]) {
      const seen: { id: number, skus: string[] }[] = []
      let cursor: string | undefined
      for (;;) {
        const page = await listMemberOrders(database.db, memberId, { limit, cursor })
        expect(page.orders.length).toBeLessThanOrEqual(limit)
        seen.push(...page.orders.map(o => ({ id: o.id, skus: o.lines.map(l => l.skuId) })))
        if (page.nextCursor === null)
          break
        cursor = page.nextCursor
      }
      expect(seen).toEqual(all.orders.map(o => ({ id: o.id, skus: o.lines.map(l => l.skuId) })))
    }
  })

  it('a page that ends exactly at her last order has no next cursor; a member without orders gets an empty page', async () => {
    expect((await listMemberOrders(database.db, memberId, { limit: 5 })).nextCursor).toBeNull()
    expect((await listMemberOrders(database.db, memberId, { limit: 4 })).nextCursor).not.toBeNull()
    const none = (await database.db.insert(members).values({ name: '丙' }).returning({ id: members.id }).get())!.id
    expect(await listMemberOrders(database.db, none, { limit: 10 })).toEqual({ orders: [], nextCursor: null })
    expect((await memberOrderTotals(database.db, memberId)).orderCount).toBe(5)
  })
})

/**
 * Her orders with their lines as the two reads before the fold answered them: the orders newest first
 * with their catalog lines in line order, and the unmapped items of those orders in id order.
 */
async function twoReads(db: AsyncDbOrTx, memberId: number): Promise<Order[]> {
  const rows = await db.select({ id: orders.id, paidAt: orders.paidAt, storeName: stores.name }).from(orders).leftJoin(stores, eq(stores.id, orders.storeId)).where(eq(orders.memberId, memberId)).orderBy(desc(orders.paidAt), desc(orders.id))
  const result: Order[] = []
  for (const { id } of rows) {
    const order = (await db.select().from(orders).where(eq(orders.id, id)).get())!
    const lines = await db.select({
      skuId: orderLines.skuId,
      spuId: orderLines.spuId,
      name: products.name,
      categoryPath: products.categoryPath,
      color: products.color,
      size: products.size,
      quantity: orderLines.quantity,
      unitPrice: orderLines.unitPrice,
      amount: orderLines.amount,
      imageUrl: products.imageUrl,
      linkUrl: products.linkUrl,
    }).from(orderLines).innerJoin(products, eq(products.skuId, orderLines.skuId)).where(eq(orderLines.orderId, id)).orderBy(asc(orderLines.id))
    result.push({
      id,
      platform: order.platform,
      orderNo: order.orderNo,
      status: order.status,
      totalAmount: order.totalAmount,
      paidAmount: order.paidAmount,
      refundedAmount: order.refundedAmount,
      paidAt: order.paidAt,
      storeName: rows.find(r => r.id === id)!.storeName,
      buyerId: order.buyerId,
      lines,
      unmappedLines: [],
    })
  }
  const first = result[0]
  const last = result.at(-1)
  if (first && last) {
    const unmapped = await db.select({ orderId: orderUnmappedItems.orderId, outerId: orderUnmappedItems.outerId, title: orderUnmappedItems.title, quantity: orderUnmappedItems.quantity, unitPrice: orderUnmappedItems.unitPrice, amount: orderUnmappedItems.amount })
      .from(orderUnmappedItems)
      .innerJoin(orders, eq(orders.id, orderUnmappedItems.orderId))
      .where(and(
        eq(orders.memberId, memberId),
        sql`(${orders.paidAt}, ${orders.id}) <= (${first.paidAt}, ${first.id})`,
        sql`(${orders.paidAt}, ${orders.id}) >= (${last.paidAt}, ${last.id})`,
      ))
      .orderBy(asc(orderUnmappedItems.id))
    for (const { orderId, ...line } of unmapped)
      result.find(o => o.id === orderId)!.unmappedLines.push(line)
  }
  return result
}

describeEachDialect('member orders with catalog and unmapped lines in one statement', ({ fresh }) => {
  let database: Database
  const memberIds: number[] = []

  beforeAll(async () => {
    database = (await fresh()).database
    const { db } = database
    await db.insert(stores).values({ id: 'S1', name: '一店', city: '上海', wecomDepartmentId: 1 }).run()
    const skus = ['A-1', 'B-1', 'C-1', 'D-1']
    await db.insert(products).values(skus.map(sku => product(sku, `商品${sku}`))).run()
    // Deterministic variety: orders with catalog lines only, unmapped lines only, both, or none; paid_at ties.
    let seed = 11
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }
    for (let m = 0; m < 25; m++) {
      const memberId = (await db.insert(members).values({ name: `会员${m}` }).returning({ id: members.id }).get())!.id
      memberIds.push(memberId)
      for (let o = next(9); o > 0; o--) {
        const orderId = (await db.insert(orders).values({ platform: 'pos', orderNo: `M${m}-${o}`, memberId, storeId: next(2) ? 'S1' : null, status: 'completed', totalAmount: 100, paidAmount: 100, paidAt: 1_000 * next(4) }).returning({ id: orders.id }).get())!.id
        for (let l = next(4); l > 0; l--) {
          const sku = skus[next(skus.length)]!
          await db.insert(orderLines).values({ orderId, skuId: sku, spuId: sku.split('-')[0]!, quantity: 1 + next(3), unitPrice: 100, amount: 100 * (1 + next(5)) }).run()
        }
        for (let u = next(3) === 0 ? 1 + next(3) : 0; u > 0; u--)
          await db.insert(orderUnmappedItems).values({ orderId, outerId: next(3) ? `OUT-${next(50)}` : '', title: `平台商品${next(50)}`, quantity: 1 + next(2), unitPrice: 50, amount: 50 * (1 + next(4)) }).run()
      }
    }
  })

  it('every page answers what the orders, their lines and their unmapped items read separately answer', async () => {
    let unmappedSeen = 0
    for (const memberId of memberIds) {
      const expected = await twoReads(database.db, memberId)
      for (const limit of [1, 3, 50]) {
        const seen: Order[] = []
        let cursor: string | undefined
        for (;;) {
          const page = await listMemberOrders(database.db, memberId, { limit, cursor })
          seen.push(...page.orders)
          if (page.nextCursor === null)
            break
          cursor = page.nextCursor
        }
        expect(seen, `member ${memberId}, pages of ${limit}`).toEqual(expected)
      }
      unmappedSeen += expected.reduce((n, o) => n + o.unmappedLines.length, 0)
    }
    // The fixture has orders with unmapped lines, with and without catalog lines beside them.
    expect(unmappedSeen).toBeGreaterThan(10)
  })
})
