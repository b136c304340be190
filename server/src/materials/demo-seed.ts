// A few materials for the demo (one of each kind the demo can show honestly): a poster image drawn here, a link,
// a mini-program card and a file. Seeded once, when the library is empty.
import type { Database } from '../db/port.ts'
import { sql } from 'drizzle-orm'
import { materialGroups, materials } from '../db/schema.ts'
import { renderPng } from '../lib/png.ts'
import { createMaterialStorage } from './storage.ts'

/** A warm poster: a camel gradient with an oat band, like the autumn cashmere window. */
function poster(): Buffer {
  return renderPng(320, 320, (x, y) => {
    if (y > 210 && y < 250)
      return [236, 226, 208]
    const t = (x + y) / 640
    return [Math.round(193 - 60 * t), Math.round(154 - 50 * t), Math.round(107 - 40 * t)]
  })
}

export async function seedDemoMaterials(database: Database, dir: string, now: number): Promise<number> {
  const db = database.db
  if (Number((await db.select({ n: sql<number>`count(*)` }).from(materials).get())?.n ?? 0) > 0)
    return 0
  const storage = createMaterialStorage(dir)
  const image = poster()
  const imageHash = await storage.put(image)
  const leaflet = Buffer.from('会员权益说明\n\n银卡：生日礼券 50 元\n金卡：生日礼券 100 元，免费改衣\n黑金：专属顾问，新品优先试穿\n', 'utf8')
  const leafletHash = await storage.put(leaflet)
  return db.transaction(async (tx) => {
    const [campaign, service] = await tx.insert(materialGroups).values([{ name: '上新活动', sortOrder: 0, createdAt: now }, { name: '门店服务', sortOrder: 1, createdAt: now }]).returning({ id: materialGroups.id }).all()
    const rows: (typeof materials.$inferInsert)[] = [
      { kind: 'image', groupId: campaign!.id, title: '秋冬羊绒上新海报', description: '双面羊绒大衣与开衫系列', contentHash: imageHash, fileName: '秋冬羊绒上新.png', mimeType: 'image/png', sizeBytes: image.length, createdBy: 'admin', createdAt: now, updatedAt: now },
      { kind: 'miniprogram', groupId: campaign!.id, title: '品牌商城·秋冬新品', description: '小程序商城新品页', pagePath: 'pages/collection/index.html?season=aw', coverUrl: 'https://demo.scrm.example/img/collection-aw.jpg', createdBy: 'admin', createdAt: now, updatedAt: now },
      { kind: 'link', groupId: service!.id, title: '会员日活动报名', description: '每月 18 日会员日，到店领取礼品', linkUrl: 'https://demo.scrm.example/vip-day', coverUrl: 'https://demo.scrm.example/img/vip-day.jpg', createdBy: 'admin', createdAt: now, updatedAt: now },
      { kind: 'file', groupId: service!.id, title: '会员权益说明', description: '各等级会员权益', contentHash: leafletHash, fileName: '会员权益说明.txt', mimeType: 'text/plain', sizeBytes: leaflet.length, createdBy: 'admin', createdAt: now, updatedAt: now },
    ]
    return (await tx.insert(materials).values(rows).returning({ id: materials.id }).all()).length
  })
}

/** The demo brand's mini-program appid (linked to the emulated corp). */
export const DEMO_MINIPROGRAM_APPID = 'wx5f2c0d7e9a1b3c46'
