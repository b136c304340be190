import type { Database } from '../db/port.ts'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { and, eq, isNull, sql } from 'drizzle-orm'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { jobs, memberIdentities, members, orderLines, orders, orderSources, orderUnmappedItems, products, stores } from '../db/schema.ts'
import { listMemberOrders } from '../members/orders.ts'
import { REFRESH_JOB } from '../recommend/precomputed.ts'
import { assignUnmatched, listUnmatched, mergeMembers, undoResolution } from './identity.ts'
import { previewMerge, searchMembers } from './member-lookup.ts'
import { ImportRefused } from './read.ts'
import { writeImportSamples } from './samples.ts'
import { runImport } from './service.ts'
import { hashPhone } from './values.ts'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const SKUS = ['FX-SWEATER-01', 'FX-SERUM-01', 'FX-CREAM-01', 'FX-TEE-01', 'FX-SOCKS-01', 'FX-SCARF-01', 'FX-GLOVE-01']

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scrm-imports-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A catalog with the fixtures' SKUs, a store, and two members the fixtures' buyers are. */
async function seed(database: Database) {
  const { db } = database
  await db.insert(stores).values({ id: 'S01', name: '杭州湖滨店', city: '杭州', wecomDepartmentId: 11 })
  await db.insert(products).values(SKUS.map(skuId => ({
    skuId,
    spuId: skuId.replace(/-\d+$/, ''),
    name: skuId,
    categoryPath: '服装/上衣',
    category: '上衣',
    price: 10000,
    imageUrl: 'https://img.example/x.png',
    linkUrl: 'https://shop.example/x',
    launchedAt: 0,
  })))
  const [alice] = await db.insert(members).values({ name: '张三', unionid: 'u_union_alice', phoneHash: hashPhone('13800001234'), phoneMasked: '138****1234' }).returning({ id: members.id })
  const [lisi] = await db.insert(members).values({ name: '李四', phoneMasked: '139****5678' }).returning({ id: members.id })
  // A second 李四 with another number: a masked phone + name still tells them apart.
  await db.insert(members).values({ name: '李四', phoneMasked: '139****0000' })
  await db.insert(memberIdentities).values({ memberId: alice!.id, platform: 'taobao', buyerId: 'tb_alice' })
  return { alice: alice!.id, lisi: lisi!.id }
}

async function orderCount(database: Database) {
  const [row] = await database.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(orders)
  return row!.n
}

async function orderOf(database: Database, platform: 'taobao' | 'jd' | 'douyin' | 'youzan' | 'miniprogram' | 'pos', orderNo: string) {
  const [row] = await database.db.select().from(orders).where(and(eq(orders.platform, platform), eq(orders.orderNo, orderNo)))
  return row!
}

describeEachDialect('order imports', ({ fresh }) => {
  let database: Database
  let people: { alice: number, lisi: number }
  beforeEach(async () => {
    database = (await fresh()).database
    people = await seed(database)
  })

  it('imports a Taobao GBK order report with its item file: amounts once per order, statuses, rejects with lines, members', async () => {
    const report = await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    expect(report).toMatchObject({ platform: 'taobao', encoding: 'gbk', orders: 5, itemLines: 6, paidFen: 29900 + 45800 + 19900 + 12000, closedOrders: 2, imported: 5, updated: 0, unchanged: 0 })
    expect(report.rejected).toEqual([
      { line: 5, reason: '订单 3301000000000000004：订单未付款（等待买家付款），不导入' },
      { line: 7, reason: '与第 2 行完全相同的重复行，未重复计入' },
      { line: 8, reason: '「总金额」是公式（=SUM(D2:D3)），请导出数值' },
      { line: 8, reason: '宝贝报表：订单编号 3309999999999999999 不在订单报表中' },
    ])
    expect(report.unmappedItems).toEqual([{ outerId: 'OLD-HAT-9', title: '旧款帽子', lines: 1 }])
    expect(report.unmappedLines).toBe(1)
    const refunded = await orderOf(database, 'taobao', '3301000000000000003')
    expect(refunded).toMatchObject({ status: 'refunded', paidAmount: 19900, refundedAmount: 19900, memberId: null })
    expect(await orderOf(database, 'taobao', '3301000000000000005')).toMatchObject({ status: 'cancelled', paidAmount: 0 })
    // 2026/10/2 9:06 China time.
    expect((await orderOf(database, 'taobao', '3301000000000000002')).paidAt).toBe(Date.UTC(2026, 9, 2, 1, 6))
    // tb_alice is a linked account; 李四 + 139****5678 is one member even though another 李四 exists.
    expect((await orderOf(database, 'taobao', '3301000000000000001')).memberId).toBe(people.alice)
    const bob = await orderOf(database, 'taobao', '3301000000000000002')
    expect(bob.memberId).toBe(people.lisi)
    const [source] = await database.db.select().from(orderSources).where(eq(orderSources.orderId, bob.id))
    expect(source).toMatchObject({ matchedBy: 'masked_phone_name', phoneMasked: '139****5678', phoneHash: null, line: 3 })
    // The account that matched by phone + name is now linked for later imports.
    const [linked] = await database.db.select().from(memberIdentities).where(eq(memberIdentities.buyerId, 'tb_bob'))
    expect(linked?.memberId).toBe(people.lisi)
    const lines = await database.db.select().from(orderLines).where(eq(orderLines.orderId, bob.id))
    expect(lines.map(l => [l.skuId, l.amount]).sort()).toEqual([['FX-CREAM-01', 20000], ['FX-SERUM-01', 25800]])
    const unmapped = await database.db.select().from(orderUnmappedItems)
    expect(unmapped).toMatchObject([{ outerId: 'OLD-HAT-9', title: '旧款帽子', quantity: 1, amount: 12000 }])
    expect(report).toMatchObject({ matchedOrders: 2, unmatchedOrders: 3 })
  })

  it('is safe to run twice, and a later export with a refund updates the order instead of adding one', async () => {
    await runImport(database, { ordersPath: fixture('jd-orders.csv') })
    const before = await orderCount(database)
    const again = await runImport(database, { ordersPath: fixture('jd-orders.csv') })
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 3 })
    expect(await orderCount(database)).toBe(before)
    expect(await database.db.select().from(orderLines)).toHaveLength(4)

    // As if an admin had matched the order that will change: the update must keep that.
    await database.db.update(orderSources).set({ matchedBy: 'manual' }).where(eq(orderSources.orderId, (await orderOf(database, 'jd', '280000000002')).id))
    const sourcesBefore = (await database.db.select({ orderId: orderSources.orderId, matchedBy: orderSources.matchedBy }).from(orderSources)).sort((a, b) => a.orderId - b.orderId)
    expect(sourcesBefore).toHaveLength(before)
    const later = join(dir, `jd-later-${Math.random()}.csv`)
    writeFileSync(later, readFileSync(fixture('jd-orders.csv'), 'utf8').replace(/,等待出库,/, ',(删除)已取消,'))
    const third = await runImport(database, { ordersPath: later })
    expect(third).toMatchObject({ imported: 0, updated: 1, unchanged: 2, closedOrders: 2 })
    expect(await orderOf(database, 'jd', '280000000002')).toMatchObject({ status: 'cancelled' })
    expect(await orderCount(database)).toBe(before)
    // The updated order's lines were replaced, not added again; each order keeps one source row, matched as before.
    expect(await database.db.select().from(orderLines)).toHaveLength(4)
    const sources = await database.db.select({ orderId: orderSources.orderId, matchedBy: orderSources.matchedBy }).from(orderSources)
    expect(sources.sort((a, b) => a.orderId - b.orderId)).toEqual(sourcesBefore)
  })

  it('reads JD (UTF-8 BOM), Douyin (UTF-8), Youzan (XLSX with a formula), the WeChat shop (GB18030) and the till template', async () => {
    const jd = await runImport(database, { ordersPath: fixture('jd-orders.csv') })
    expect(jd).toMatchObject({ platform: 'jd', encoding: 'utf-8-bom', orders: 3, itemLines: 4, paidFen: 55800 + 40000 + 8800, closedOrders: 1 })
    expect(jd.rejected.map(r => r.line)).toEqual([6, 7])
    expect(jd.rejected[1]!.reason).toBe('同一订单各行的「应付金额」不一致（与第 6 行不同）')

    const douyin = await runImport(database, { ordersPath: fixture('douyin-orders.csv') })
    expect(douyin).toMatchObject({ platform: 'douyin', encoding: 'utf-8', orders: 3, itemLines: 4, paidFen: 23800 + 8000 + 19900 + 12000, closedOrders: 1, rejected: [] })
    expect(await orderOf(database, 'douyin', '6900000000000002')).toMatchObject({ status: 'refunded', refundedAmount: 19900 })
    expect((await orderOf(database, 'douyin', '6900000000000001')).memberId).toBe(people.lisi)

    const youzan = await runImport(database, { ordersPath: fixture('youzan-orders.xlsx') })
    expect(youzan).toMatchObject({ platform: 'youzan', encoding: 'xlsx', orders: 2, itemLines: 3, paidFen: 26900 + 8000 + 20000, closedOrders: 1, rejected: [] })
    const yz = await orderOf(database, 'youzan', 'E20261008000000000001')
    expect(yz).toMatchObject({ memberId: people.alice, status: 'completed', paidAt: Date.UTC(2026, 9, 8, 2) })

    const mini = await runImport(database, { ordersPath: fixture('miniprogram-orders.csv') })
    expect(mini).toMatchObject({ platform: 'miniprogram', encoding: 'gb18030', orders: 3, paidFen: 29900 + 19000, closedOrders: 1 })
    expect((await orderOf(database, 'miniprogram', '3700000000000000001')).memberId).toBe(people.alice)
    const [openid] = await database.db.select().from(memberIdentities).where(eq(memberIdentities.buyerId, 'o_buyer_1'))
    expect(openid?.memberId).toBe(people.alice)

    const pos = await runImport(database, { ordersPath: fixture('pos-orders.csv') })
    expect(pos).toMatchObject({ platform: 'pos', orders: 2, itemLines: 3, paidFen: 37900 + 19900, closedOrders: 1 })
    expect(await orderOf(database, 'pos', 'POS-20261007-0001')).toMatchObject({ memberId: people.alice, storeId: 'S01' })
  })

  it('refuses whole files it cannot import, naming line and reason, and writes nothing', async () => {
    const refusal = async (path: string, platform?: 'taobao') => runImport(database, { ordersPath: path, platform }).then(() => null, (error: unknown) => error)

    const other = await refusal(fixture('jd-orders.csv'), 'taobao')
    expect(other).toBeInstanceOf(ImportRefused)
    expect((other as Error).message).toMatch(/^这不是淘宝\/天猫（千牛订单报表）的导出文件：缺少列 订单编号、买家会员名.*表头看起来是京东/)

    const truncated = join(dir, `truncated-${Math.random()}.csv`)
    const text = readFileSync(fixture('douyin-orders.csv'), 'utf8')
    writeFileSync(truncated, text.slice(0, text.length - 60))
    const cut = await refusal(truncated)
    expect(cut).toBeInstanceOf(ImportRefused)
    expect((cut as ImportRefused).line).toBe(5)
    expect((cut as Error).message).toContain('被截断')

    const utf16 = join(dir, `utf16-${Math.random()}.csv`)
    writeFileSync(utf16, iconv.encode('订单号,商品ID\n1,2\n', 'utf-16le', { addBOM: true }))
    expect(((await refusal(utf16)) as Error).message).toContain('UTF-16')

    const big5 = join(dir, `big5-${Math.random()}.csv`)
    writeFileSync(big5, Buffer.from([0xB0, 0xFF, 0xFF, 0x80, 0x2C, 0x41, 0x0A]))
    expect(((await refusal(big5)) as Error).message).toContain('编码无法识别')

    // The last order names a store that does not exist: the orders before it were valid, yet none is kept.
    const badStore = join(dir, `pos-${Math.random()}.csv`)
    writeFileSync(badStore, readFileSync(fixture('pos-orders.csv'), 'utf8').replace('POS-20261007-0002,S01', 'POS-20261007-0002,S99'))
    const store = await refusal(badStore)
    expect((store as Error).message).toBe('第 4 行：门店编码「S99」不存在，请先在系统中建好门店')
    expect(await orderCount(database)).toBe(0)
  })

  it('an admin assigns an unmatched account to a member and can undo it; a merge moves orders and undoes too', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    const queue = await listUnmatched(database)
    expect(queue.totalOrders).toBe(3)
    const carol = queue.buyers.find(b => b.buyerId === 'tb_carol')!
    expect(carol).toMatchObject({ platform: 'taobao', orders: 1, paidFen: 19900, phoneMasked: '137****0000' })

    const assigned = await assignUnmatched(database, { orderId: carol.orderId, memberId: people.lisi, by: 'admin1', now: 1 })
    expect(assigned).toMatchObject({ action: 'assign', orders: 1, buyerId: 'tb_carol' })
    // Her recommendations were scored without the order: a refresh is queued.
    const refresh = await database.db.select({ payload: jobs.payload }).from(jobs).where(and(eq(jobs.name, REFRESH_JOB), eq(jobs.singletonKey, `member:${people.lisi}`)))
    expect(refresh).toEqual([{ payload: { memberId: people.lisi } }])
    expect((await orderOf(database, 'taobao', '3301000000000000003')).memberId).toBe(people.lisi)
    expect((await listUnmatched(database)).totalOrders).toBe(2)
    // The next import of that account matches by the linked buyer id.
    await database.db.update(orders).set({ memberId: null }).where(eq(orders.orderNo, '3301000000000000003'))
    const rerun = await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    expect(rerun.imported).toBe(0)
    expect((await orderOf(database, 'taobao', '3301000000000000003')).memberId).toBe(people.lisi)

    await undoResolution(database, { id: assigned.id, now: 2 })
    expect((await orderOf(database, 'taobao', '3301000000000000003')).memberId).toBeNull()
    expect(await database.db.select().from(memberIdentities).where(eq(memberIdentities.buyerId, 'tb_carol'))).toEqual([])
    await expect(undoResolution(database, { id: assigned.id, now: 3 })).rejects.toThrow(/already undone/)

    // Merge 李四 into 张三: every order and account moves, none is lost; undo puts them back.
    const before = await orderCount(database)
    const lisiOrders = (await database.db.select({ id: orders.id }).from(orders).where(eq(orders.memberId, people.lisi))).length
    const merge = await mergeMembers(database, { intoMemberId: people.alice, fromMemberId: people.lisi, by: 'admin1', now: 4 })
    expect(merge.orders).toBe(lisiOrders)
    expect(await database.db.select().from(orders).where(eq(orders.memberId, people.lisi))).toEqual([])
    expect(await orderCount(database)).toBe(before)
    await undoResolution(database, { id: merge.id, now: 5 })
    expect((await database.db.select({ id: orders.id }).from(orders).where(eq(orders.memberId, people.lisi))).length).toBe(lisiOrders)
    const [tbBob] = await database.db.select().from(memberIdentities).where(eq(memberIdentities.buyerId, 'tb_bob'))
    expect(tbBob?.memberId).toBe(people.lisi)
    expect((await database.db.select().from(orders).where(isNull(orders.memberId))).length).toBe(3)
  })

  it('undoing an assignment leaves an order a later decision moved: its member and how it was matched stay', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    const carol = (await listUnmatched(database)).buyers.find(b => b.buyerId === 'tb_carol')!
    const assigned = await assignUnmatched(database, { orderId: carol.orderId, memberId: people.lisi, by: 'admin1', now: 1 })
    await mergeMembers(database, { intoMemberId: people.alice, fromMemberId: people.lisi, by: 'admin1', now: 2 })
    await undoResolution(database, { id: assigned.id, now: 3 })
    expect((await orderOf(database, 'taobao', '3301000000000000003')).memberId).toBe(people.alice)
    const [source] = await database.db.select({ matchedBy: orderSources.matchedBy }).from(orderSources).where(eq(orderSources.orderId, carol.orderId))
    expect(source?.matchedBy).toBe('manual')
  })

  /** The Taobao report with one more paid order of `buyerId` (no item file), as a later export would carry. */
  function laterTaobaoReport(buyerId: string, orderNo: string) {
    const text = iconv.decode(readFileSync(fixture('taobao-orders.csv')), 'gbk')
    const [header, first] = text.split('\n')
    const extra = first!.replace('="3301000000000000001",tb_alice', `="${orderNo}",${buyerId}`).replace('138****1234', '130****9999')
    const path = join(dir, `later-${orderNo}.csv`)
    writeFileSync(path, iconv.encode(`${header}\n${extra}\n`, 'gbk'))
    return path
  }

  async function snapshot() {
    const { db } = database
    return {
      orders: await db.select({ id: orders.id, memberId: orders.memberId }).from(orders).orderBy(orders.id),
      identities: await db.select().from(memberIdentities).orderBy(memberIdentities.platform, memberIdentities.buyerId),
      matchedBy: await db.select({ orderId: orderSources.orderId, matchedBy: orderSources.matchedBy }).from(orderSources).orderBy(orderSources.orderId),
    }
  }

  it('merge then undo restores every order, account and match exactly; an order matched later through a moved account follows it back', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    const carol = (await listUnmatched(database)).buyers.find(b => b.buyerId === 'tb_carol')!
    await assignUnmatched(database, { orderId: carol.orderId, memberId: people.lisi, by: 'admin1', now: 1 })
    const before = await snapshot()
    const lisiOrders = before.orders.filter(o => o.memberId === people.lisi).map(o => o.id)
    expect(lisiOrders).toHaveLength(2)

    const merge = await mergeMembers(database, { intoMemberId: people.alice, fromMemberId: people.lisi, by: 'admin1', now: 2 })
    expect(merge).toMatchObject({ action: 'merge', orders: 2, memberName: '张三', fromMemberName: '李四', createdBy: 'admin1', undoneAt: null })
    const merged = await snapshot()
    expect(merged.orders.filter(o => lisiOrders.includes(o.id)).map(o => o.memberId)).toEqual([people.alice, people.alice])
    expect(merged.identities.filter(i => i.memberId === people.lisi)).toEqual([])
    expect(merged.orders).toHaveLength(before.orders.length)

    // A later export: tb_bob (now 张三's account) buys again and is matched by that account.
    await runImport(database, { ordersPath: laterTaobaoReport('tb_bob', '3301000000000000088') })
    const later = await orderOf(database, 'taobao', '3301000000000000088')
    expect(later.memberId).toBe(people.alice)

    const undone = await undoResolution(database, { id: merge.id, now: 3 })
    expect(undone).toMatchObject({ id: merge.id, undoneAt: 3, fromMemberName: '李四' })
    const after = await snapshot()
    expect(after.orders.filter(o => o.id !== later.id)).toEqual(before.orders)
    expect(after.identities).toEqual(before.identities)
    expect(after.matchedBy.filter(m => m.orderId !== later.id)).toEqual(before.matchedBy)
    expect((await orderOf(database, 'taobao', '3301000000000000088')).memberId).toBe(people.lisi)
  })

  it('undoing an assignment sends back to the queue the orders a later import matched through the account it linked', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    const carol = (await listUnmatched(database)).buyers.find(b => b.buyerId === 'tb_carol')!
    const assigned = await assignUnmatched(database, { orderId: carol.orderId, memberId: people.lisi, by: 'admin1', now: 1 })
    expect(assigned).toMatchObject({ memberName: '李四', fromMemberName: null })
    await runImport(database, { ordersPath: laterTaobaoReport('tb_carol', '3301000000000000099') })
    const later = await orderOf(database, 'taobao', '3301000000000000099')
    expect(later.memberId).toBe(people.lisi)
    await undoResolution(database, { id: assigned.id, now: 2 })
    for (const id of [carol.orderId, later.id]) {
      const [row] = await database.db.select({ memberId: orders.memberId, matchedBy: orderSources.matchedBy }).from(orders).innerJoin(orderSources, eq(orderSources.orderId, orders.id)).where(eq(orders.id, id))
      expect(row).toEqual({ memberId: null, matchedBy: null })
    }
    const queue = await listUnmatched(database)
    expect(queue.buyers.find(b => b.buyerId === 'tb_carol')).toMatchObject({ orders: 2 })
  })

  it('pages the unmatched queue by cursor: every entry once, none skipped when one is resolved between pages', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    await runImport(database, { ordersPath: fixture('jd-orders.csv') })
    const all = await listUnmatched(database, { limit: 100 })
    expect(all.nextCursor).toBeNull()
    expect(all.totalBuyers).toBe(all.buyers.length)
    expect(all.buyers.length).toBeGreaterThanOrEqual(4)
    expect(all.totalOrders).toBe(all.buyers.reduce((n, b) => n + b.orders, 0))

    const first = await listUnmatched(database, { limit: 2 })
    expect(first.buyers).toEqual(all.buyers.slice(0, 2))
    expect(first).toMatchObject({ totalOrders: all.totalOrders, totalBuyers: all.totalBuyers })
    // Resolving an entry already shown does not shift the next page.
    await assignUnmatched(database, { orderId: first.buyers[0]!.orderId, memberId: people.lisi, by: 'admin1', now: 1 })
    const seen = [...first.buyers]
    for (let cursor = first.nextCursor; cursor;) {
      const page = await listUnmatched(database, { limit: 2, cursor })
      seen.push(...page.buyers)
      cursor = page.nextCursor
    }
    expect(seen).toEqual(all.buyers)
    await expect(listUnmatched(database, { cursor: 'bm90IGEgY3Vyc29y' })).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('cursor') })
  })

  it('an item the catalog lacks reaches the member\'s orders as an unmapped line with the platform\'s title and code', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    const gus = (await listUnmatched(database)).buyers.find(b => b.buyerId === 'tb_gus')!
    await assignUnmatched(database, { orderId: gus.orderId, memberId: people.alice, by: 'admin1', now: 1 })
    const page = await listMemberOrders(database.db, people.alice, { limit: 10 })
    expect(page.orders.find(o => o.orderNo === '3301000000000000007')).toMatchObject({
      lines: [],
      unmappedLines: [{ outerId: 'OLD-HAT-9', title: '旧款帽子', quantity: 1, unitPrice: 12000, amount: 12000 }],
    })
    // An order of catalog products only has none.
    expect(page.orders.find(o => o.orderNo === '3301000000000000001')).toMatchObject({ unmappedLines: [] })
    // Paged one order at a time, each order still carries its own unmapped lines.
    const one = await listMemberOrders(database.db, people.alice, { limit: 1 })
    const next = await listMemberOrders(database.db, people.alice, { limit: 1, cursor: one.nextCursor! })
    expect([...one.orders, ...next.orders].map(o => o.unmappedLines.length)).toEqual(page.orders.map(o => o.unmappedLines.length))
  })

  it('finds merge candidates by name, full or masked phone, last four digits, buyer account and id, and previews what a merge moves', async () => {
    await runImport(database, { ordersPath: fixture('taobao-orders.csv'), itemsPath: fixture('taobao-items.csv') })
    const ids = async (q: string) => (await searchMembers(database, q)).map(m => m.id)
    expect((await searchMembers(database, '李四')).map(m => m.name)).toEqual(['李四', '李四'])
    for (const q of ['13800001234', '138****1234', '1******1234', '1234', 'tb_alice', 'u_union_alice', String(people.alice), '张'])
      expect(await ids(q), q).toEqual([people.alice])
    expect(await ids('无此人')).toEqual([])
    const [alice] = await searchMembers(database, 'tb_alice')
    expect(alice).toEqual({ id: people.alice, name: '张三', phoneMasked: '138****1234', externalUserid: null, orders: 1, identities: 1 })

    const preview = await previewMerge(database, { intoMemberId: people.alice, fromMemberId: people.lisi })
    expect(preview).toMatchObject({ into: { id: people.alice }, from: { id: people.lisi, orders: 1 }, ordersByPlatform: [{ platform: 'taobao', orders: 1, paidFen: 45800 }], identities: [{ platform: 'taobao', buyerId: 'tb_bob' }] })
    await expect(previewMerge(database, { intoMemberId: people.alice, fromMemberId: people.alice })).rejects.toMatchObject({ statusCode: 409 })
    await expect(previewMerge(database, { intoMemberId: 99_999, fromMemberId: people.alice })).rejects.toMatchObject({ statusCode: 404, message: expect.stringContaining('intoMemberId') })
  })

  it('reads the same rows from an XLSX copy and a CSV: the format is in the header, not the file type', async () => {
    const copy = join(dir, `copy-${Math.random()}.xlsx`)
    copyFileSync(fixture('youzan-orders.xlsx'), copy)
    const report = await runImport(database, { ordersPath: copy, platform: undefined })
    expect(report.platform).toBe('youzan')
  })
})

describeEachDialect('demo sample files', ({ fresh }) => {
  it('import onto the members the database knows, by each platform\'s own key', async () => {
    const { database } = await fresh()
    await seed(database)
    const { alice } = { alice: (await database.db.select({ id: members.id }).from(members).where(eq(members.name, '张三')))[0]!.id }
    await database.db.insert(memberIdentities).values({ memberId: alice, platform: 'jd', buyerId: 'jd_alice' })
    await database.db.update(members).set({ externalUserid: 'wm_alice' }).where(eq(members.id, alice))
    const samples = await writeImportSamples(database, join(dir, `samples-${Math.random()}`), Date.UTC(2026, 10, 1))
    for (const [platform, names] of Object.entries(samples.files)) {
      const report = await runImport(database, { ordersPath: join(samples.dir, names[0]!), itemsPath: names[1] ? join(samples.dir, names[1]) : undefined })
      const expected = samples.orders.filter(o => o.platform === platform)
      expect(report).toMatchObject({ platform, orders: expected.length, rejected: [], unmatchedOrders: 0, paidFen: expected.reduce((s, o) => s + o.paidFen, 0) })
      for (const order of expected)
        expect((await orderOf(database, order.platform, order.orderNo)).memberId).toBe(order.memberId)
    }
    expect(samples.orders.length).toBeGreaterThanOrEqual(6)
  })
})

// Linux shows a process's open files under /proc/self/fd; elsewhere there is nothing to look at.
describe.skipIf(!existsSync('/proc/self/fd'))('a refused file', () => {
  it('is released: a refusal midway through a large file leaves no descriptor open on it', async () => {
    const [header, ...rows] = readFileSync(fixture('douyin-orders.csv'), 'utf8').split('\n').filter(Boolean)
    const path = join(dir, 'large-douyin.csv')
    writeFileSync(path, `${[header, ...Array.from({ length: 5_000 }, () => rows).flat()].join('\n')}\n`)
    await expect(runImport(null as never, { platform: 'jd', ordersPath: path })).rejects.toThrow(ImportRefused)
    const onFile = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path
      }
      catch {
        return false // closed while listed
      }
    })
    expect(onFile).toEqual([])
  })
})
