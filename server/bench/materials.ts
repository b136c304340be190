// The material and reply libraries at a large brand's size: search latency over 10,000 materials (2-, 3- and
// 4-character Chinese queries, as a guide whose store limits what she sees), the sidebar's reply library (a store's view,
// templates, loaded once per session) over 2,000 replies, and a 2,000-row XLSX import and export. A fresh SQLite database (or PostgreSQL with
// `databaseUrl`) in a temp dir; the data is generated here.
import type { Database } from '../src/db/port.ts'
import type { Session } from '../src/plugins/session.ts'
import type { LatencySummary } from './stats.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDatabase } from '../src/db/client.ts'
import { follows, materials, materialStores, members, orderLines, orders, products, replies, replyGroups, staff, stores } from '../src/db/schema.ts'
import { listMaterials } from '../src/materials/service.ts'
import { listReplyGroups } from '../src/replies/service.ts'
import { exportReplies, importReplies, readReplySheet } from '../src/replies/sheet.ts'
import { summarise } from './stats.ts'

export interface MaterialsBenchResult {
  materials: number
  replies: number
  search: Record<string, LatencySummary>
  replyLibrary: LatencySummary
  importRows: number
  importSeconds: number
  exportSeconds: number
}

const PRODUCTS = ['羊绒开衫', '双面羊绒大衣', '真丝衬衫', '羊毛围巾', '修身西裤', '针织连衣裙', '保湿面霜', '精华液', '防晒乳', '运动短袜']
const OCCASIONS = ['秋冬上新', '会员日', '双十二活动', '门店周年庆', '新品试穿', '生日礼遇', '换季护理', '搭配推荐']
const KINDS = ['image', 'link', 'miniprogram', 'file', 'video'] as const

async function timed(runs: number, work: () => Promise<unknown>): Promise<LatencySummary> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await work()
    samples.push(performance.now() - started)
  }
  return summarise(samples)
}

async function seed(database: Database, materialCount: number, replyCount: number, now: number): Promise<void> {
  const db = database.db
  await db.insert(stores).values([{ id: 'S01', name: '上海南京西路店', city: '上海', wecomDepartmentId: 11 }, { id: 'S02', name: '杭州湖滨店', city: '杭州', wecomDepartmentId: 12 }]).run()
  await db.insert(staff).values([{ userid: 'admin', name: '管理员', role: 'admin' }, { userid: 'g1', name: '林晓雯', role: 'guide', storeId: 'S01' }]).run()
  await db.insert(members).values({ id: 1, externalUserid: 'wm-bench-1', name: '龚璐', level: '金卡' }).run()
  await db.insert(follows).values({ guideUserid: 'g1', memberId: 1, remark: '龚女士', addedAt: now }).run()
  await db.insert(products).values({ skuId: 'SKU1', spuId: 'SPU1', name: '双面羊绒大衣', categoryPath: '服装/外套/大衣', category: '外套', price: 299900, imageUrl: 'https://x.example.com/1.jpg', linkUrl: 'https://x.example.com/1', launchedAt: now }).run()
  const order = (await db.insert(orders).values({ platform: 'pos', orderNo: 'B1', memberId: 1, status: 'completed', totalAmount: 299900, paidAmount: 299900, paidAt: now - 86_400_000 }).returning({ id: orders.id }).get())!
  await db.insert(orderLines).values({ orderId: order.id, skuId: 'SKU1', spuId: 'SPU1', quantity: 1, unitPrice: 299900, amount: 299900 }).run()

  const batch = 500
  for (let start = 0; start < materialCount; start += batch) {
    const rows = Array.from({ length: Math.min(batch, materialCount - start) }, (_, j) => {
      const i = start + j
      const product = PRODUCTS[i % PRODUCTS.length]!
      const occasion = OCCASIONS[Math.floor(i / PRODUCTS.length) % OCCASIONS.length]!
      return { kind: KINDS[i % KINDS.length]!, title: `${occasion}·${product} ${i}`, description: `${product}${occasion}素材，第 ${i} 号`, coverUrl: 'https://x.example.com/c.jpg', createdBy: 'admin', createdAt: now - i, updatedAt: now - i }
    })
    const ids = await db.insert(materials).values(rows).returning({ id: materials.id }).all()
    // One in five is limited to the other store: the guide's search must leave them out.
    const limited = ids.filter((_, j) => (start + j) % 5 === 0).map(r => ({ materialId: r.id, storeId: 'S02' }))
    if (limited.length)
      await db.insert(materialStores).values(limited).run()
  }
  const groups = await db.insert(replyGroups).values(Array.from({ length: 20 }, (_, g) => ({ name: `分组${g}`, sortOrder: g }))).returning({ id: replyGroups.id }).all()
  for (let start = 0; start < replyCount; start += batch) {
    await db.insert(replies).values(Array.from({ length: Math.min(batch, replyCount - start) }, (_, j) => ({
      groupId: groups[(start + j) % groups.length]!.id,
      title: `话术 ${start + j}`,
      content: `{{称呼}}您好，${OCCASIONS[(start + j) % OCCASIONS.length]}开始啦，您上次买的{{最近购买}}有同系列新品，我是{{门店}}的{{导购}}`,
      createdAt: now,
    }))).run()
  }
}

export async function benchMaterials(options: { databaseUrl?: string, materials?: number, replies?: number, runs?: number, log: (line: string) => void }): Promise<MaterialsBenchResult> {
  const materialCount = options.materials ?? 10_000
  const replyCount = options.replies ?? 2_000
  const runs = options.runs ?? 200
  const dir = mkdtempSync(join(tmpdir(), 'scrm-bench-materials-'))
  const { port: database } = await connectDatabase({ databaseUrl: options.databaseUrl ?? '', databasePath: join(dir, 'bench.db') })
  try {
    const now = Date.UTC(2026, 10, 1)
    options.log(`materials: seeding ${materialCount.toLocaleString()} materials and ${replyCount.toLocaleString()} replies …`)
    await seed(database, materialCount, replyCount, now)
    const guide: Session = { userid: 'g1', role: 'guide', storeId: 'S01', exp: 0 }
    const admin: Session = { userid: 'admin', role: 'admin', storeId: null, exp: 0 }
    const search: Record<string, LatencySummary> = {}
    for (const q of ['羊绒', '羊绒开', '双十二活', '不存在的词'])
      search[q] = await timed(runs, () => listMaterials(database.db, guide, { q, limit: 50 }))
    search['(no query)'] = await timed(runs, () => listMaterials(database.db, guide, { limit: 50 }))
    const replyLibrary = await timed(runs, () => listReplyGroups(database.db, guide, { withReplies: true }))

    const exported = await exportReplies(database, admin, 'xlsx', 'utf-8')
    let started = performance.now()
    const { rows } = await readReplySheet(exported.bytes, 'bench.xlsx')
    await importReplies(database, admin, rows, now)
    const importSeconds = (performance.now() - started) / 1000
    started = performance.now()
    await exportReplies(database, admin, 'csv', 'gbk')
    const exportSeconds = (performance.now() - started) / 1000
    return { materials: materialCount, replies: replyCount, search, replyLibrary, importRows: rows.length, importSeconds: Math.round(importSeconds * 100) / 100, exportSeconds: Math.round(exportSeconds * 100) / 100 }
  }
  finally {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
