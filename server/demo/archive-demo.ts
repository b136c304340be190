// The demo's conversation archive: the emulator holds two weeks of chats between the demo's guides and
// their customers (plus a few lines that rules catch), the app pulls them before listening, and a
// handful of rules exist so the alert queue has work. Demo wiring only.
import type { RunningEmulator } from '../emulator/index.ts'
import type { ArchiveConfig } from '../src/config.ts'
import type { Database } from '../src/db/port.ts'
import type { DemoDataset } from './generator.ts'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { generateChat, text } from '../emulator/archive-chat.ts'
import { generateArchiveKeyPair } from '../emulator/archive.ts'
import { archiveRules } from '../src/db/schema.ts'
import { renderPng } from '../src/lib/png.ts'

const ARCHIVE_SECRET = 'demo-archive-secret-0001'
const DAY_MS = 86_400_000
const MINUTE_MS = 60_000

/**
 * A real PNG larger than one 512 KB media chunk (stored without compression), so the demo's image is
 * fetched in several chunks and still shows in the browser.
 */
function receiptPng(width = 480, height = 400): Buffer {
  return renderPng(width, height, (x, y) => [200 + (x % 56), 180 + (y % 76), 150 + ((x + y) % 106)], { stored: true })
}

/** Fills the emulator's archive and returns the app's archive configuration. */
export function seedDemoArchiveSource(emulator: RunningEmulator, dataset: DemoDataset, options: { now: number, databasePath: string }): ArchiveConfig {
  emulator.state.fixtures.archiveSecret = ARCHIVE_SECRET
  const pair = generateArchiveKeyPair(1)
  emulator.archive.rotateKey(pair)
  const externalOf = new Map(dataset.members.filter(m => m.externalUserid).map(m => [m.id, m.externalUserid!]))
  const customers = new Map<string, string[]>()
  for (const follow of dataset.follows) {
    const external = externalOf.get(follow.memberId)
    if (follow.status === 'active' && external)
      customers.set(follow.guideUserid, [...(customers.get(follow.guideUserid) ?? []), external].slice(0, 40))
  }
  const guides = [...customers.keys()].sort()
  emulator.archive.append(generateChat({ guides, customersOf: guide => customers.get(guide) ?? [] }, { count: 3000, startMs: options.now - 14 * DAY_MS, gapMs: 6 * MINUTE_MS, seed: 42, idPrefix: 'demo' }))
  // A conversation the store manager will find: a complaint, a guide sharing a WeChat id, an image, an in-chat
  // red packet and a link off the catalog.
  const guide = guides[0]!
  const customer = customers.get(guide)![0]!
  const at = options.now - 3 * 3_600_000
  const image = receiptPng()
  emulator.archive.putMedia('demo_receipt', image)
  emulator.archive.append([
    text('demo_scene_1', customer, guide, at, '上周买的羊绒衫起球了，退款申请三天了还没处理'),
    text('demo_scene_2', guide, customer, at + 4 * MINUTE_MS, '非常抱歉，我马上帮您催一下'),
    { msgid: 'demo_scene_3', action: 'send', from: customer, tolist: [guide], roomid: '', msgtime: at + 6 * MINUTE_MS, msgtype: 'image', image: { md5sum: '', filesize: image.length, sdkfileid: 'demo_receipt' } },
    text('demo_scene_4', guide, customer, at + 8 * MINUTE_MS, '加我微信号 shop_amy88 私聊，我直接转给您'),
    text('demo_scene_5', customer, guide, at + 9 * MINUTE_MS, '再不处理我就去投诉了'),
    // The guide then pays with WeCom's own red-packet button (nothing logged it) and sends a link off the catalog.
    { msgid: 'demo_scene_6', action: 'send', from: guide, tolist: [customer], roomid: '', msgtime: at + 10 * MINUTE_MS, msgtype: 'redpacket', redpacket: { type: 1, wish: '给您补偿，别生气', totalcnt: 1, totalamount: 6666 } },
    { msgid: 'demo_scene_7', action: 'send', from: guide, tolist: [customer], roomid: '', msgtime: at + 11 * MINUTE_MS, msgtype: 'link', link: { title: '同款羊绒衫', description: '这家店更便宜', link_url: 'https://item.taobao.com/item.htm?id=6688', image_url: 'https://img.example/6688.jpg' } },
  ])
  return {
    source: 'emulator',
    secret: ARCHIVE_SECRET,
    privateKeys: new Map([[pair.version, pair.privateKeyPem]]),
    mediaDir: join(dirname(options.databasePath), 'archive-media'),
    pullLimit: 1000,
    pullIntervalSeconds: 60,
    rsaThreads: availableParallelism(),
  }
}

/** The demo's rules, once (a database kept from an earlier run has them already). */
export async function seedDemoArchiveRules(database: Database, now: number): Promise<void> {
  if (await database.db.select({ id: archiveRules.id }).from(archiveRules).limit(1).get())
    return
  const rule = { scope: 'brand' as const, createdBy: 'admin', createdAt: now, updatedAt: now }
  await database.db.insert(archiveRules).values([
    { ...rule, name: '客户投诉', kind: 'behaviour', behaviour: 'complaint' },
    { ...rule, name: '导购留私人联系方式', kind: 'behaviour', behaviour: 'share_contact' },
    { ...rule, name: '私下收款', kind: 'behaviour', behaviour: 'offplatform_payment' },
    { ...rule, name: '30分钟未回复', kind: 'reply_timeout', timeoutMinutes: 30, notify: false },
    { ...rule, name: '红包未登记或超限', kind: 'behaviour', behaviour: 'redpacket_outside_policy' },
    { ...rule, name: '商品库外链接/下架商品', kind: 'behaviour', behaviour: 'product_card_outside_policy' },
    { ...rule, name: '导购删除客户', kind: 'behaviour', behaviour: 'delete_member' },
  ])
}
