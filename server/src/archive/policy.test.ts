// The behaviours judged against our records (policy.ts) and a guide deleting a customer (alerts.ts), on both
// dialects: archived messages in WeCom's shapes (reference §4.6) ingested by the real pull code, contact events
// applied as the contacts.events job applies them, alerts read back.
import type { ArchiveMessageJson } from '../../emulator/archive.ts'
import type { ContactSyncClient } from '../contacts/sync.ts'
import type { Database } from '../db/port.ts'
import type { LinkLookup } from './policy.ts'
import { and, eq, inArray } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { text } from '../../emulator/archive-chat.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { plainArchiveSource } from '../../testing/plain-archive-source.ts'
import { applyWecomEvent } from '../contacts/events.ts'
import { archiveAlerts, archiveConversations, archiveMessages, archiveRules, follows, jobs, materials, members, products, redPackets, redPacketSettings, sends, staff, stores } from '../db/schema.ts'
import { DEFAULT_RED_PACKET_SETTINGS } from '../redpackets/service.ts'
import { matchedText } from './findings.ts'
import { NOTIFY_JOB, pullUntilCaughtUp } from './ingest.ts'
import { inChatRedPacket, linkFinding, matchRedPackets, sharedCard } from './policy.ts'

const HOUR = 3_600_000
// 08:00 China time: every message below falls on the same China-time day.
const T0 = Date.UTC(2026, 2, 2)
const NOW = T0 + 12 * HOUR
const PUBLIC_URL = 'https://scrm.brand.example'

function redpacket(msgid: string, from: string, to: string, msgtime: number, totalamount: number, msgtype = 'redpacket', totalcnt = 1): ArchiveMessageJson {
  return { msgid, action: 'send', from, tolist: [to], roomid: '', msgtime, msgtype, redpacket: { type: totalcnt > 1 ? 2 : 1, wish: '恭喜发财，感谢支持', totalcnt, totalamount } }
}
function link(msgid: string, from: string, to: string, msgtime: number, url: string, title = '冬季新品'): ArchiveMessageJson {
  return { msgid, action: 'send', from, tolist: [to], roomid: '', msgtime, msgtype: 'link', link: { title, description: '会员专享价', link_url: url, image_url: 'https://shop.brand.example/a.jpg' } }
}
function weapp(msgid: string, from: string, to: string, msgtime: number, title: string): ArchiveMessageJson {
  return { msgid, action: 'send', from, tolist: [to], roomid: '', msgtime, msgtype: 'weapp', weapp: { title, description: '点击查看', username: 'gh_0123456789ab@app', displayname: '品牌商城' } }
}

describe('policy checks on one message', () => {
  it('reads in-chat red packets and cards as WeCom sends them', () => {
    expect(inChatRedPacket('redpacket', redpacket('r', 'g1', 'wmA', 0, 888))).toEqual({ amountFen: 888, count: 1 })
    // 互通红包: its body is under `redpacket` too.
    expect(inChatRedPacket('external_redpacket', redpacket('r', 'g1', 'wmA', 0, 666, 'external_redpacket'))).toEqual({ amountFen: 666, count: 1 })
    expect(inChatRedPacket('redpacket', { redpacket: { type: 1, wish: 'x' } })).toEqual({ amountFen: null, count: 1 })
    expect(inChatRedPacket('text', { text: { content: '红包' } })).toBeNull()
    expect(sharedCard('link', link('l', 'g1', 'wmA', 0, 'https://a.example/x'))).toEqual({ kind: 'link', urls: ['https://a.example/x'] })
    expect(sharedCard('news', { info: { item: [{ title: '穿搭', description: '', url: 'https://b.example/g', picurl: '' }] } })).toEqual({ kind: 'link', urls: ['https://b.example/g'] })
    expect(sharedCard('weapp', weapp('w', 'g1', 'wmA', 0, '羊绒衫'))).toEqual({ kind: 'weapp', title: '羊绒衫', appName: '品牌商城' })
    // A `card` is a contact card (名片), not a product.
    expect(sharedCard('card', { card: { corpname: '示例品牌', userid: 'g1' } })).toBeNull()
  })

  it('judges a link by the catalog, our own origin and the hosts products and materials use', () => {
    const lookup: LinkLookup = {
      ownOrigin: PUBLIC_URL,
      productsByUrl: new Map([['https://shop.brand.example/p/1', { skuId: 'sku1', name: '羊绒衫', onSale: true }], ['https://shop.brand.example/p/2', { skuId: 'sku2', name: '旧款风衣', onSale: false }]]),
      knownHosts: new Set(['shop.brand.example']),
    }
    expect(linkFinding('https://shop.brand.example/p/1', lookup)).toBeNull()
    expect(linkFinding('https://shop.brand.example/p/2', lookup)).toEqual({ kind: 'product_off_sale', card: 'link', skuId: 'sku2', productName: '旧款风衣' })
    expect(linkFinding('https://SHOP.brand.example/campaign', lookup)).toBeNull()
    expect(linkFinding(`${PUBLIC_URL}/api/materials/open/abc`, lookup)).toBeNull()
    expect(linkFinding('http://scrm.brand.example/api/materials/open/abc', lookup)).toEqual({ kind: 'link_outside_library', host: 'scrm.brand.example' })
    expect(linkFinding('https://item.taobao.com/item.htm?id=1', lookup)).toEqual({ kind: 'link_outside_library', host: 'item.taobao.com' })
    expect(linkFinding('not a url', lookup)).toEqual({ kind: 'link_unreadable', url: 'not a url' })
    expect(matchedText(linkFinding('not a url', lookup)!)).toBe('链接无法识别：not a url')
    expect(matchedText({ kind: 'link_unreadable', url: '' })).toBe('链接无法识别：（空）')
  })

  it('matches each logged red packet to one archived packet at most, the closest in time', () => {
    const archived = [
      { msgid: 'a', memberId: 1, amountFen: 500, count: 1, at: 1000 },
      { msgid: 'b', memberId: 1, amountFen: 500, count: 1, at: 2000 },
      { msgid: 'c', memberId: null, amountFen: 500, count: 1, at: 2000 },
    ]
    const logged = [{ id: 7, memberId: 1, amountFen: 500, status: 'sent', at: 1900 }]
    expect(matchRedPackets(archived, logged)).toEqual(new Map([['a', 7], ['b', null], ['c', null]]))
    expect(matchRedPackets(archived.slice(0, 1), [{ ...logged[0]!, status: 'failed' }])).toEqual(new Map([['a', null]]))
    expect(matchRedPackets(archived.slice(0, 1), [{ ...logged[0]!, at: 1000 + 10 * 60_000 + 1 }])).toEqual(new Map([['a', null]]))
  })
})

const noWecom: ContactSyncClient = {
  getExternalContact: () => { throw new Error('a deletion calls no WeCom API') },
  getCorpTagList: () => { throw new Error('a deletion calls no WeCom API') },
  iterateBatchGetByUser: () => { throw new Error('a deletion calls no WeCom API') },
  getFollowUserList: () => { throw new Error('a deletion calls no WeCom API') },
}

describeEachDialect('archive policy behaviours', ({ fresh }) => {
  let database: Database
  const ids: Record<string, number> = {}
  const alertsOf = async (ruleId: number) => (await database.db.select({ msgid: archiveMessages.msgid, matched: archiveAlerts.matched, finding: archiveAlerts.finding, storeId: archiveAlerts.storeId, excerpt: archiveAlerts.excerpt })
    .from(archiveAlerts)
    .leftJoin(archiveMessages, eq(archiveMessages.id, archiveAlerts.messageId))
    .where(eq(archiveAlerts.ruleId, ruleId))
    .orderBy(archiveAlerts.id))

  beforeAll(async () => {
    database = (await fresh()).database
    const { db } = database
    await db.insert(stores).values([{ id: 's1', name: '一店', city: '上海', wecomDepartmentId: 1 }, { id: 's2', name: '二店', city: '上海', wecomDepartmentId: 2 }])
    await db.insert(staff).values([
      { userid: 'g1', name: '导购一', role: 'guide', storeId: 's1' },
      { userid: 'g2', name: '导购二', role: 'guide', storeId: 's2' },
    ])
    const memberRows = await db.insert(members).values([
      { name: '王女士', externalUserid: 'wmA' },
      { name: '李先生', externalUserid: 'wmB' },
      { name: '陈女士', externalUserid: 'wmC' },
      { name: '赵女士', externalUserid: 'wmD' },
    ]).returning({ id: members.id, externalUserid: members.externalUserid })
    for (const row of memberRows)
      ids[row.externalUserid!] = row.id
    await db.insert(follows).values([{ guideUserid: 'g1', memberId: ids.wmB!, addedAt: T0 - 100 * HOUR }, { guideUserid: 'g1', memberId: ids.wmD!, addedAt: T0 - 100 * HOUR }])
    await db.insert(redPacketSettings).values({ id: 'brand', settings: { ...DEFAULT_RED_PACKET_SETTINGS, minFen: 100, maxFen: 20_000, guideDayCount: 3, guideDayFen: 30_000 }, updatedAt: T0 })
    const packet = (n: number, memberId: number, amount: number, status: 'sent' | 'received' | 'failed', createdAt: number) =>
      ({ idempotencyKey: `k${n}`, mchBillno: `b${n}`, guideUserid: 'g1', storeId: 's1', memberId, openid: 'o', amount, reasonCode: 'thanks', wishing: '谢谢', actName: '感谢', remark: '感谢', status, reservedKeys: [], createdAt })
    await db.insert(redPackets).values([
      packet(1, ids.wmA!, 888, 'sent', T0 + HOUR),
      packet(2, ids.wmA!, 500, 'failed', T0 + 2 * HOUR),
      packet(3, ids.wmB!, 1000, 'received', T0 + 3 * HOUR),
    ])
    const product = (sku: string, name: string, status: 'on_sale' | 'off_sale') =>
      ({ skuId: sku, spuId: sku, name, categoryPath: '服装/上衣/羊绒衫', category: '上衣', price: 99_900, imageUrl: `https://shop.brand.example/${sku}.jpg`, linkUrl: `https://shop.brand.example/p/${sku}`, miniprogramPage: `pages/item/index.html?sku=${sku}`, launchedAt: T0 - 100 * HOUR, status })
    await db.insert(products).values([product('sku1', '羊绒衫', 'on_sale'), product('sku2', '旧款风衣', 'off_sale'), product('sku3', '真丝围巾', 'on_sale')])
    await db.insert(materials).values({ kind: 'link', title: '冬季活动', linkUrl: 'https://campaign.brand.example/winter', coverUrl: 'https://campaign.brand.example/c.jpg', createdBy: 'g1', createdAt: T0, updatedAt: T0 })
    const miniSend = (n: number, skuId: string, title: string, status: 'sent' | 'cancelled', createdAt: number) =>
      ({ idempotencyKey: `send${n}`, guideUserid: 'g1', memberId: ids.wmA!, kind: 'miniprogram' as const, payload: { msgtype: 'miniprogram', miniprogram: { appid: 'wx0123456789abcdef', title, imgUrl: `https://shop.brand.example/${skuId}.jpg`, page: `pages/item/index.html?sku=${skuId}` } }, skuId, status, createdAt })
    await db.insert(sends).values([
      miniSend(1, 'sku3', '真丝围巾', 'sent', T0 + 6 * HOUR - 5000),
      miniSend(2, 'sku2', '旧款风衣', 'sent', T0 + 6 * HOUR + 55_000),
      miniSend(3, 'sku1', '羊绒衫', 'cancelled', T0 + 6 * HOUR + 115_000),
    ])
    const rule = async (name: string, behaviour: 'redpacket_outside_policy' | 'product_card_outside_policy' | 'delete_member', scope: 'brand' | 'store' | 'guide', scopeId: string | null) =>
      (await db.insert(archiveRules).values({ name, kind: 'behaviour', behaviour, scope, scopeId, createdBy: 'admin', createdAt: T0, updatedAt: T0 }).returning({ id: archiveRules.id }))[0]!.id
    ids.redpacketRule = await rule('红包', 'redpacket_outside_policy', 'store', 's1')
    ids.cardRule = await rule('卡片', 'product_card_outside_policy', 'brand', null)
    ids.deleteRuleS1 = await rule('删客户（一店）', 'delete_member', 'store', 's1')
    ids.deleteRuleG2 = await rule('删客户（导购二）', 'delete_member', 'guide', 'g2')
    // Rules judged on a message's text alone (detect.ts), brand-wide.
    const textRule = async (name: string, over: Pick<typeof archiveRules.$inferInsert, 'kind' | 'words' | 'pattern' | 'behaviour'>) =>
      (await db.insert(archiveRules).values({ name, scope: 'brand', createdBy: 'admin', createdAt: T0, updatedAt: T0, ...over }).returning({ id: archiveRules.id }))[0]!.id
    ids.keywordRule = await textRule('敏感词', { kind: 'keyword', words: ['最低价'] })
    ids.patternRule = await textRule('订单号', { kind: 'pattern', pattern: 'DD\\d{6}' })
    ids.contactRule = await textRule('留联系方式', { kind: 'behaviour', behaviour: 'share_contact' })
    ids.paymentRule = await textRule('私下收款', { kind: 'behaviour', behaviour: 'offplatform_payment' })
    ids.complaintRule = await textRule('投诉', { kind: 'behaviour', behaviour: 'complaint' })

    const { source, keyring, append } = plainArchiveSource([
      // Red packets by g1 (store s1) on one day: 08:00 + hours.
      redpacket('rp_logged', 'g1', 'wmA', T0 + HOUR + 30_000, 888),
      redpacket('rp_failed', 'g1', 'wmA', T0 + 2 * HOUR + 10_000, 500),
      redpacket('rp_customer', 'wmA', 'g1', T0 + 2 * HOUR + 20_000, 100_000),
      redpacket('rp_big', 'g1', 'wmA', T0 + 4 * HOUR, 30_000, 'external_redpacket'),
      redpacket('rp_g2', 'g2', 'wmC', T0 + 4 * HOUR, 200),
      // Cards.
      link('card_catalog', 'g1', 'wmA', T0 + 5 * HOUR, 'https://shop.brand.example/p/sku1', '羊绒衫'),
      link('card_off_sale', 'g1', 'wmA', T0 + 5 * HOUR + 1000, 'https://shop.brand.example/p/sku2', '旧款风衣'),
      link('card_shop_page', 'g1', 'wmA', T0 + 5 * HOUR + 2000, 'https://shop.brand.example/campaign/38'),
      link('card_material_host', 'g1', 'wmA', T0 + 5 * HOUR + 3000, 'https://campaign.brand.example/spring'),
      link('card_own', 'g1', 'wmA', T0 + 5 * HOUR + 4000, `${PUBLIC_URL}/api/materials/open/token123`),
      link('card_foreign', 'g1', 'wmA', T0 + 5 * HOUR + 5000, 'https://item.taobao.com/item.htm?id=42'),
      { msgid: 'news_foreign', action: 'send', from: 'g2', tolist: ['wmC'], roomid: '', msgtime: T0 + 5 * HOUR + 6000, msgtype: 'news', info: { item: [{ title: '穿搭指南', description: '冬季叠穿', url: 'https://mp.weixin.qq.com/s/abc', picurl: '' }] } },
      link('card_from_customer', 'wmA', 'g1', T0 + 5 * HOUR + 7000, 'https://item.taobao.com/item.htm?id=43'),
      { msgid: 'contact_card', action: 'send', from: 'g1', tolist: ['wmA'], roomid: '', msgtime: T0 + 5 * HOUR + 8000, msgtype: 'card', card: { corpname: '示例品牌', userid: 'g2' } },
      weapp('weapp_logged', 'g1', 'wmA', T0 + 6 * HOUR, '真丝围巾'),
      weapp('weapp_off_sale', 'g1', 'wmA', T0 + 6 * HOUR + 60_000, '旧款风衣'),
      weapp('weapp_cancelled_send', 'g1', 'wmA', T0 + 6 * HOUR + 120_000, '羊绒衫'),
      weapp('weapp_unlogged', 'g1', 'wmA', T0 + 6 * HOUR + 180_000, '会员商城'),
      // wmB's chat with g1, before g1 deletes wmB.
      text('b_1', 'wmB', 'g1', T0 + 7 * HOUR, '衣服起球了'),
      { msgid: 'b_2', action: 'send', from: 'g1', tolist: ['wmB'], roomid: '', msgtime: T0 + 7 * HOUR + 1000, msgtype: 'image', image: { md5sum: '', filesize: 0, sdkfileid: 'img_b2' } },
      text('b_3', 'g1', 'wmB', T0 + 7 * HOUR + 2000, '抱歉，我帮您换一件'),
      // Text the word rules find, in g1's chat with wmA.
      text('w_wechat', 'g1', 'wmA', T0 + 9 * HOUR, '全网最低价，加我 VX: Amy_2024 详聊'),
      text('w_phone', 'g1', 'wmA', T0 + 9 * HOUR + 1000, '我电话 139-0000-1234'),
      text('w_pay', 'g1', 'wmA', T0 + 9 * HOUR + 2000, '私下转账给我更便宜'),
      text('w_complaint', 'wmA', 'g1', T0 + 9 * HOUR + 3000, '再不发货我就投诉'),
      text('w_order', 'wmA', 'g1', T0 + 9 * HOUR + 4000, '订单 dd123456 还没到'),
    ])
    // Small batches: a day's red packets arrive over several pulls and are judged the same.
    await pullUntilCaughtUp({ database, source, keyring, sourceName: 'test', now: () => NOW, limit: 3, publicUrl: PUBLIC_URL })
    // A later pull: the guide's fifth packet of the day.
    append([redpacket('rp_later', 'g1', 'wmA', T0 + 8 * HOUR, 300)])
    await pullUntilCaughtUp({ database, source, keyring, sourceName: 'test', now: () => NOW, limit: 3, publicUrl: PUBLIC_URL })
  })

  it('flags a guide\'s in-chat red packets that no logged packet matches, naming the limits they break', async () => {
    expect(await alertsOf(ids.redpacketRule!)).toEqual([
      // The logged packet for ¥5.00 failed: the in-chat one is not it. The guide's 2nd packet of the day, ¥13.88 in all.
      {
        msgid: 'rp_failed',
        matched: '未经系统登记的红包 ¥5.00',
        finding: { kind: 'redpacket_unlogged', amountFen: 500, count: 1, breaches: [] },
        storeId: 's1',
        excerpt: '恭喜发财，感谢支持',
      },
      // Logged packets held that day (¥8.88, ¥10.00) plus the unlogged ones so far (¥5.00, ¥300.00).
      {
        msgid: 'rp_big',
        matched: '未经系统登记的红包 ¥300.00；单个金额超过上限 ¥200.00；今日第 4 个，每日上限 3 个；今日累计 ¥323.88，每日上限 ¥300.00',
        finding: { kind: 'redpacket_unlogged', amountFen: 30_000, count: 1, breaches: [
          { limit: 'packet_max', eachFen: 30_000, limitFen: 20_000 },
          { limit: 'guide_day_count', dayCount: 4, limitCount: 3 },
          { limit: 'guide_day_amount', dayFen: 32_388, limitFen: 30_000 },
        ] },
        storeId: 's1',
        excerpt: '恭喜发财，感谢支持',
      },
      {
        msgid: 'rp_later',
        matched: '未经系统登记的红包 ¥3.00；今日第 5 个，每日上限 3 个；今日累计 ¥326.88，每日上限 ¥300.00',
        finding: { kind: 'redpacket_unlogged', amountFen: 300, count: 1, breaches: [{ limit: 'guide_day_count', dayCount: 5, limitCount: 3 }, { limit: 'guide_day_amount', dayFen: 32_688, limitFen: 30_000 }] },
        storeId: 's1',
        excerpt: '恭喜发财，感谢支持',
      },
    ])
    // rp_logged matched the logged ¥8.88 packet; the customer's packet is not the guide's; g2's store has no rule.
  })

  it('flags links and mini-program cards not from the catalog or materials, and products off sale', async () => {
    expect((await alertsOf(ids.cardRule!)).map(a => [a.msgid, a.matched, a.finding, a.storeId])).toEqual([
      ['card_off_sale', '商品已下架：旧款风衣', { kind: 'product_off_sale', card: 'link', skuId: 'sku2', productName: '旧款风衣' }, 's1'],
      ['card_foreign', '链接不属于商品库或素材库：item.taobao.com', { kind: 'link_outside_library', host: 'item.taobao.com' }, 's1'],
      ['news_foreign', '链接不属于商品库或素材库：mp.weixin.qq.com', { kind: 'link_outside_library', host: 'mp.weixin.qq.com' }, 's2'],
      ['weapp_off_sale', '商品已下架：旧款风衣', { kind: 'product_off_sale', card: 'weapp', skuId: 'sku2', productName: '旧款风衣' }, 's1'],
      // Its only send was cancelled in the chat: nothing logged sent it.
      ['weapp_cancelled_send', '小程序卡片不是从商品库或素材库发出的：品牌商城「羊绒衫」', { kind: 'weapp_unlogged', appName: '品牌商城', title: '羊绒衫' }, 's1'],
      ['weapp_unlogged', '小程序卡片不是从商品库或素材库发出的：品牌商城「会员商城」', { kind: 'weapp_unlogged', appName: '品牌商城', title: '会员商城' }, 's1'],
    ])
  })

  it('states what the word rules found as facts, the words as written', async () => {
    const found = async (ruleId: number) => (await alertsOf(ruleId)).map(a => [a.msgid, a.matched, a.finding])
    expect(await found(ids.keywordRule!)).toEqual([['w_wechat', '最低价', { kind: 'keyword', word: '最低价' }]])
    // A pattern's match as the message has it (it is matched case-insensitively).
    expect(await found(ids.patternRule!)).toEqual([['w_order', 'dd123456', { kind: 'pattern', text: 'dd123456' }]])
    // Contact details as found in the folded text.
    expect(await found(ids.contactRule!)).toEqual([
      ['w_wechat', 'vx: amy_2024', { kind: 'contact_shared', contact: 'wechat_id', text: 'vx: amy_2024' }],
      ['w_phone', '139-0000-1234', { kind: 'contact_shared', contact: 'phone', text: '139-0000-1234' }],
    ])
    expect(await found(ids.paymentRule!)).toEqual([['w_pay', '转账给我', { kind: 'offplatform_payment', word: '转账给我' }]])
    expect(await found(ids.complaintRule!)).toEqual([['w_complaint', '投诉', { kind: 'complaint', word: '投诉' }]])
  })

  it('alerts when a guide deletes a customer, with the chat\'s last lines, in the guide\'s store only', async () => {
    const { db } = database
    // Ingest's notification job has run: a deletion must ask for another.
    await db.update(jobs).set({ status: 'succeeded' }).where(eq(jobs.name, NOTIFY_JOB))
    const deleted = (userid: string, externalUserid: string, createTime: string, extra: Record<string, string> = {}) =>
      applyWecomEvent(db, noWecom, { ToUserName: 'ww1', FromUserName: 'sys', CreateTime: createTime, MsgType: 'event', Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: userid, ExternalUserID: externalUserid, ...extra }, NOW)
    expect(await deleted('g1', 'wmB', '1772500000')).toBe('follow_updated')
    // A replayed event (WeCom retries) raises nothing new.
    expect(await deleted('g1', 'wmB', '1772500000')).toBe('follow_updated')
    // No archived chat with wmD: the alert says who, without a conversation.
    await deleted('g1', 'wmD', '1772500100')
    // A handover removed the relation: not the guide's doing.
    await deleted('g1', 'wmA', '1772500200', { Source: 'DELETE_BY_TRANSFER' })
    // The customer deleted the guide: their choice, no alert.
    await applyWecomEvent(db, noWecom, { Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: 'g1', ExternalUserID: 'wmA', CreateTime: '1772500300' }, NOW)
    // g2 (store s2) deletes wmC: the guide-scoped rule, not store s1's.
    await deleted('g2', 'wmC', '1772500400')

    const chatB = (await db.select({ id: archiveConversations.id }).from(archiveConversations).where(eq(archiveConversations.key, 'u:g1:wmB')).get())!
    const lastOfB = (await db.select({ id: archiveMessages.id }).from(archiveMessages).where(eq(archiveMessages.msgid, 'b_3')).get())!
    const chatC = (await db.select({ id: archiveConversations.id }).from(archiveConversations).where(eq(archiveConversations.key, 'u:g2:wmC')).get())!
    const lastOfC = (await db.select({ id: archiveMessages.id }).from(archiveMessages).where(eq(archiveMessages.msgid, 'news_foreign')).get())!
    const columns = { ruleId: archiveAlerts.ruleId, matched: archiveAlerts.matched, finding: archiveAlerts.finding, excerpt: archiveAlerts.excerpt, conversationId: archiveAlerts.conversationId, messageId: archiveAlerts.messageId, storeId: archiveAlerts.storeId, guideUserid: archiveAlerts.guideUserid, status: archiveAlerts.status }
    const deletions = await db.select(columns).from(archiveAlerts).where(inArray(archiveAlerts.ruleId, [ids.deleteRuleS1!, ids.deleteRuleG2!])).orderBy(archiveAlerts.id)
    expect(deletions).toEqual([
      // The image has no text: the quoted lines are the chat's last lines with text.
      { ruleId: ids.deleteRuleS1, matched: '删除客户：李先生', finding: { kind: 'customer_deleted', memberId: ids.wmB, memberName: '李先生', externalUserid: 'wmB' }, excerpt: '客户：衣服起球了\n导购：抱歉，我帮您换一件', conversationId: chatB.id, messageId: lastOfB.id, storeId: 's1', guideUserid: 'g1', status: 'open' },
      { ruleId: ids.deleteRuleS1, matched: '删除客户：赵女士', finding: { kind: 'customer_deleted', memberId: ids.wmD, memberName: '赵女士', externalUserid: 'wmD' }, excerpt: '', conversationId: null, messageId: null, storeId: 's1', guideUserid: 'g1', status: 'open' },
      { ruleId: ids.deleteRuleG2, matched: '删除客户：陈女士', finding: { kind: 'customer_deleted', memberId: ids.wmC, memberName: '陈女士', externalUserid: 'wmC' }, excerpt: '导购：恭喜发财，感谢支持\n导购：穿搭指南 冬季叠穿', conversationId: chatC.id, messageId: lastOfC.id, storeId: 's2', guideUserid: 'g2', status: 'open' },
    ])
    expect(await db.select({ status: follows.status }).from(follows).where(and(eq(follows.guideUserid, 'g1'), eq(follows.memberId, ids.wmB!))).get()).toEqual({ status: 'deleted_by_guide' })
    // The supervisors' WeCom message is on its way.
    expect(await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.name, NOTIFY_JOB)).orderBy(jobs.id).all()).toEqual([{ status: 'succeeded' }, { status: 'queued' }])
  })
})
