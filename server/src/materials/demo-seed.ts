// A few materials for the demo (one of each kind the demo can show honestly): a poster image drawn here, a link,
// a mini-program card and a file. Seeded once, when the library is empty.
import type { Database } from '../db/port.ts'
import { deflateSync } from 'node:zlib'
import { sql } from 'drizzle-orm'
import { materialGroups, materials } from '../db/schema.ts'
import { createMaterialStorage } from './storage.ts'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let c = 0xFFFFFFFF
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xFF]! ^ (c >>> 8)
  return (c ^ 0xFFFFFFFF) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** An RGB PNG of `width`×`height` whose pixels `color(x, y)` gives. */
export function renderPng(width: number, height: number, color: (x: number, y: number) => [number, number, number]): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const rows: Buffer[] = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) row.set(color(x, y), 1 + x * 3)
    rows.push(row)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
}

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
