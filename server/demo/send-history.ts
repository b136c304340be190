// The demo's history of guides' sends over the last ~60 days (product cards and text replies from
// the sidebar), with outcomes consistent with the generated orders:
//
// - "conversions": for a share of a follower's real orders, her guide sent one of the products
//   1–7 days before payment (the same SKU, another SKU of the SPU, or another SPU of the category),
//   so attribution finds them by its declared rule;
// - "ignored" sends: products chosen by the member's taste that she did NOT buy (nothing of that
//   category in the 7 days after), and some text replies from the seeded quick replies.
//
// ~60 % of product sends come from a logged recommendation (a `recommendations` row just before the
// send, 3–6 items incl. the sent one), the rest are hand-picked. Guides differ in how active they are
// and how well their sends convert. Every member draws from its own PRNG stream (seed, 0x5E4D5, id),
// separate from the member/order streams, so the rest of the dataset is unchanged by it.
import type { ReasonCode, ReasonFacts } from '@scrm/shared'
import type { RecommendedItemLog } from '../src/db/schema.ts'
import type { DemoMeta, FollowRow, MemberPreference, MemberRow, OrderLineRow, OrderRow, ProductRow, RecommendationRow, ReplyRow, SendRow, StaffRow, StoreRow } from './generator.ts'
import { fillReplyTemplate, formatFen } from '@scrm/shared'
import { shanghaiDay, shanghaiDayStart } from '../src/lib/china-time.ts'
import { groupBy } from '../src/lib/collections.ts'
import { Rng } from '../src/lib/random.ts'
import { COMPLEMENTS } from './catalog.ts'

const DAY = 86_400_000
const HOUR = 3_600_000
const HISTORY_STREAM = 0x5E4D5
const GUIDE_STREAM = 0x5E4D6
const HEX = '0123456789abcdef'

/** How far back the demo's sends go by default. */
export const SEND_HISTORY_DAYS = 60

export interface SendHistoryOptions {
  /** How far back sends go (default SEND_HISTORY_DAYS before `meta.now`). */
  days?: number
  /** Share of followers a guide writes to in that period (default 0.3, scaled by guide activity). */
  share?: number
  /** Chance that an order of a follower was preceded by a matching product send (default 0.12, scaled by guide skill). */
  conversionShare?: number
}

export interface SendHistoryStatic {
  meta: DemoMeta
  products: readonly ProductRow[]
  staff: readonly StaffRow[]
  stores: readonly StoreRow[]
  replies: readonly ReplyRow[]
}

export interface MemberSendInput {
  member: MemberRow
  follows: readonly FollowRow[]
  /** The member's generated orders (rows with another memberId are ignored) and their lines. */
  orders: readonly OrderRow[]
  orderLines: readonly OrderLineRow[]
  pref: MemberPreference
}

export interface MemberSendOutput {
  sends: SendRow[]
  recommendations: RecommendationRow[]
}

/** Per-guide traits: how many followers they write to and how well their product picks land. */
export interface GuideTraits {
  activity: number
  skill: number
}

interface Purchase { t: number, product: ProductRow }

interface PlannedSend {
  t: number
  guide: string
  product: ProductRow | null
  reply: ReplyRow | null
  /** The send preceded a matching order (chosen to convert). */
  converting: boolean
}

function leafOf(p: ProductRow): string {
  return p.categoryPath.split('/')[2] ?? p.category
}

function uuid(rng: Rng): string {
  const h = rng.chars(32, HEX)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${HEX[8 + rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** A time during shop hours on Asia/Shanghai day number `day`. */
function shopTime(rng: Rng, day: number): number {
  return shanghaiDayStart(day) + Math.round(rng.float(10 * HOUR, 21.5 * HOUR))
}

/**
 * Builds the per-member send-history generator for one world. `forMember` is pure given the member's
 * rows and the running id counters, so chunked and in-memory generation agree.
 */
export function createSendHistory(world: SendHistoryStatic, options: SendHistoryOptions = {}) {
  const { meta } = world
  const days = options.days ?? SEND_HISTORY_DAYS
  const share = options.share ?? 0.3
  const conversionShare = options.conversionShare ?? 0.12
  const from = meta.now - days * DAY
  const bySku = new Map(world.products.map(p => [p.skuId, p]))
  const skusBySpu = groupBy(world.products, p => p.spuId)
  // One representative SKU per sendable SPU (on sale, in stock), grouped by category.
  const representatives = [...skusBySpu.values()].map(skus => skus.find(s => s.status === 'on_sale' && s.stock > 0)).filter(p => p !== undefined)
  const spusByCategory = groupBy(representatives, p => p.category)
  const categories = [...spusByCategory.keys()]
  const staffById = new Map(world.staff.map(s => [s.userid, s]))
  const storeName = new Map(world.stores.map(s => [s.id, s.name]))
  const traits = new Map<string, GuideTraits>()
  world.staff.filter(s => s.role === 'guide').forEach((s, i) => {
    const r = new Rng(meta.seed, GUIDE_STREAM, i)
    // Skill spreads from weak (0.25) to strong (1.6); activity around 1.
    traits.set(s.userid, { activity: 0.5 + r.next(), skill: 0.25 + 1.35 * r.next() ** 1.3 })
  })
  const sendableReplies = world.replies.filter(r => r.content.length > 0)

  const pickSku = (rng: Rng, rep: ProductRow, pref: MemberPreference): ProductRow => {
    const skus = (skusBySpu.get(rep.spuId) ?? [rep]).filter(s => s.status === 'on_sale' && s.stock > 0)
    const sized = skus.filter(s => s.size === pref.size)
    return sized.length ? rng.pick(sized) : skus.length ? rng.pick(skus) : rep
  }

  /** A product by the member's taste, outside `avoidCategories` and SPUs in `avoidSpus`. */
  const tastePick = (rng: Rng, pref: MemberPreference, avoidCategories: ReadonlySet<string>, avoidSpus: ReadonlySet<string>): ProductRow | null => {
    const cats = categories.filter(c => !avoidCategories.has(c))
    if (cats.length === 0)
      return null
    const category = rng.weighted(cats, cats.map(c => (pref.categoryWeights[c] ?? 0) + 0.03))
    const pool = (spusByCategory.get(category) ?? []).filter(p => !avoidSpus.has(p.spuId))
    if (pool.length === 0)
      return null
    // Affinity without the price band / colour details a guide would not know exactly: sharpened a bit.
    const weights = pool.map(p => 0.02 + Math.min(5, preferenceAffinityLite(pref, p)))
    return pickSku(rng, rng.weighted(pool, weights), pref)
  }

  const reasonFor = (rng: Rng, product: ProductRow, at: number, history: readonly Purchase[]): ReasonFacts => {
    const before = history.filter(h => h.t < at)
    const sameSpu = before.filter(h => h.product.spuId === product.spuId)
    const sameCategory = before.filter(h => h.product.category === product.category)
    const options: { facts: ReasonFacts, w: number }[] = []
    if (sameSpu.length >= 2) {
      const first = sameSpu[0]!.t
      const last = sameSpu[sameSpu.length - 1]!.t
      options.push({ facts: { code: 'restock', productName: product.name, daysSince: (at - last) / DAY, cycleDays: Math.max(1, (last - first) / (sameSpu.length - 1) / DAY) }, w: 4 })
    }
    const anchor = [...before].reverse().find(h => at - h.t < 60 * DAY && (COMPLEMENTS[leafOf(h.product)] ?? []).includes(leafOf(product)))
    if (anchor)
      options.push({ facts: { code: 'complement', anchorCategoryPath: anchor.product.categoryPath, anchorDaysAgo: (at - anchor.t) / DAY }, w: 3 })
    if (sameCategory.length >= 2)
      options.push({ facts: { code: 'favourite_category', categoryPath: product.categoryPath, purchaseCount: sameCategory.length, isNew: at - product.launchedAt < 30 * DAY }, w: 3 })
    if (at - product.launchedAt < 45 * DAY && at > product.launchedAt)
      options.push({ facts: { code: 'explore', categoryPath: product.categoryPath, launchedDaysAgo: (at - product.launchedAt) / DAY, likedCategory: sameCategory.length > 0 }, w: 1.5 })
    options.push({ facts: { code: 'similar_members' }, w: 1.5 }, { facts: { code: 'popular', units: 0, days: 30 }, w: 1 })
    return rng.weighted(options, options.map(o => o.w)).facts
  }

  function forMember(input: MemberSendInput, nextSendId: number, nextRecommendationId: number): MemberSendOutput & { nextSendId: number, nextRecommendationId: number } {
    const out: MemberSendOutput = { sends: [], recommendations: [] }
    const { member, pref } = input
    const follows = input.follows.filter(f => f.memberId === member.id && f.status === 'active' && staffById.get(f.guideUserid)?.role === 'guide')
    if (!member.externalUserid || follows.length === 0)
      return { ...out, nextSendId, nextRecommendationId }
    const rng = new Rng(meta.seed, HISTORY_STREAM, member.id)
    const guidesAt = (t: number): FollowRow[] => follows.filter(f => f.addedAt < t - HOUR)

    const own = input.orders.filter(o => o.memberId === member.id).sort((a, b) => a.paidAt - b.paidAt || a.id - b.id)
    const linesByOrder = groupBy(input.orderLines, l => l.orderId)
    const history: Purchase[] = []
    for (const o of own) {
      for (const l of linesByOrder.get(o.id) ?? []) {
        const p = bySku.get(l.skuId)
        if (p)
          history.push({ t: o.paidAt, product: p })
      }
    }

    const planned: PlannedSend[] = []
    // Conversions: orders in the window preceded by a matching product send 1–6 days before.
    for (const o of own) {
      if (o.paidAt < from + DAY || o.paidAt >= meta.now)
        continue
      const lines = (linesByOrder.get(o.id) ?? []).map(l => bySku.get(l.skuId)).filter((p): p is ProductRow => p !== undefined)
      if (lines.length === 0)
        continue
      const t = shopTime(rng, shanghaiDay(o.paidAt) - rng.int(1, 6))
      const candidates = guidesAt(t)
      const u = rng.next()
      if (t < from || candidates.length === 0)
        continue
      const follow = rng.pick(candidates)
      if (u >= conversionShare * (traits.get(follow.guideUserid)?.skill ?? 1))
        continue
      const line = rng.pick(lines)
      const r = rng.next()
      let product = line
      if (r >= 0.65) {
        const siblings = (skusBySpu.get(line.spuId) ?? []).filter(s => s.skuId !== line.skuId && s.status === 'on_sale')
        const sameCategory = (spusByCategory.get(line.category) ?? []).filter(s => s.spuId !== line.spuId)
        if (r < 0.85 && siblings.length)
          product = rng.pick(siblings)
        else if (r >= 0.85 && sameCategory.length)
          product = pickSku(rng, rng.pick(sameCategory), pref)
      }
      planned.push({ t, guide: follow.guideUserid, product, reply: null, converting: true })
    }

    // Everyday sends to a share of followers: taste picks she ignored, and quick replies.
    const primary = follows.reduce((a, b) => (a.addedAt <= b.addedAt ? a : b))
    const selected = rng.chance(Math.min(1, share * (traits.get(primary.guideUserid)?.activity ?? 1)))
    const count = selected ? rng.int(1, 4) : 0
    for (let k = planned.length; k < count; k++) {
      const t = shopTime(rng, shanghaiDay(from + rng.float(0, days) * DAY))
      const candidates = guidesAt(t)
      if (t < from || t >= meta.now - HOUR || candidates.length === 0)
        continue
      const follow = rng.pick(candidates)
      if (rng.chance(0.25) && sendableReplies.length) {
        planned.push({ t, guide: follow.guideUserid, product: null, reply: rng.pick(sendableReplies), converting: false })
        continue
      }
      // Nothing of the product's category bought in the 7 days after the send.
      const boughtSoon = new Set(history.filter(h => h.t > t && h.t <= t + 7 * DAY).map(h => h.product.category))
      const product = tastePick(rng, pref, boughtSoon, new Set())
      if (product)
        planned.push({ t, guide: follow.guideUserid, product, reply: null, converting: false })
    }

    planned.sort((a, b) => a.t - b.t)
    for (const p of planned) {
      const r = rng.next()
      const status: SendRow['status'] = r < 0.93 ? 'sent' : r < 0.98 ? 'cancelled' : 'failed'
      const errMsg = status === 'sent' ? 'sendChatMessage:ok' : status === 'cancelled' ? 'sendChatMessage:cancel' : 'sendChatMessage:fail no permission'
      const completedAt = p.t + rng.int(2_000, 25_000)
      const guide = staffById.get(p.guide)!
      if (p.reply) {
        const content = fillReplyTemplate(p.reply.content, { 称呼: member.name, 导购: guide.name, 门店: storeName.get(guide.storeId ?? '') ?? '', 最近购买: '', 最近购买日期: '', 会员等级: '' }).slice(0, 4000)
        out.sends.push({ id: nextSendId++, idempotencyKey: uuid(rng), guideUserid: p.guide, memberId: member.id, kind: 'text', payload: { msgtype: 'text', text: { content } }, replyId: p.reply.id, skuId: null, recommendationId: null, reasonCode: null, status, errMsg, createdAt: p.t, completedAt })
        continue
      }
      const product = p.product!
      // Recommended picks convert better than hand-picked ones: a larger share of the converting sends.
      const recommended = rng.chance(p.converting ? 0.72 : 0.57)
      let recommendationId: number | null = null
      let reasonCode: ReasonCode | null = null
      if (recommended) {
        const facts = reasonFor(rng, product, p.t, history)
        reasonCode = facts.code
        const n = rng.int(3, 6)
        const rank = rng.weighted([1, 2, 3], [0.6, 0.28, 0.12])
        const items: RecommendedItemLog[] = []
        const used = new Set([product.spuId])
        let score = Math.round(rng.float(0.55, 0.95) * 1000) / 1000
        for (let i = 1; i <= n; i++) {
          let item: ProductRow | null = product
          let code: ReasonCode = facts.code
          if (i !== rank) {
            item = tastePick(rng, pref, new Set(), used)
            if (!item)
              continue
            used.add(item.spuId)
            code = reasonFor(rng, item, p.t, history).code
          }
          items.push({ skuId: item.skuId, spuId: item.spuId, reasonCode: code, score, rank: items.length + 1 })
          score = Math.round(score * rng.float(0.75, 0.97) * 1000) / 1000
        }
        recommendationId = nextRecommendationId++
        out.recommendations.push({ id: recommendationId, memberId: member.id, guideUserid: p.guide, modelRunId: null, items, createdAt: p.t - rng.int(3_000, 90_000) })
      }
      const payload = { msgtype: 'news', news: { link: product.linkUrl ?? '', title: product.name.slice(0, 128), desc: formatFen(product.price), imgUrl: product.imageUrl ?? '' } }
      out.sends.push({ id: nextSendId++, idempotencyKey: uuid(rng), guideUserid: p.guide, memberId: member.id, kind: 'news', payload, replyId: null, skuId: product.skuId, recommendationId, reasonCode, status, errMsg, createdAt: p.t, completedAt })
    }
    return { ...out, nextSendId, nextRecommendationId }
  }

  return { forMember, traits }
}

/** Category weight × style fit: the part of a member's taste a guide learns from chatting. */
function preferenceAffinityLite(pref: MemberPreference, p: ProductRow): number {
  const style = p.attributes.style
  const styleFit = style ? (pref.styleWeights[style] ?? 0.2) + 0.2 : 1
  const colorFit = p.color ? (pref.colorWeights[p.color] ?? 0.1) + 0.1 : 1
  return (pref.categoryWeights[p.category] ?? 0) * 10 * styleFit * colorFit
}
