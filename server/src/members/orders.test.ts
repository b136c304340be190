// A member's order pages (one prepared statement joining orders and their lines) on both dialects.
import type { Database } from '../db/port.ts'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { members, orderLines, orders, products, stores } from '../db/schema.ts'
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
