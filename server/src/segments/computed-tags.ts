// Computed tags: what a member's own orders and profile say about her, each with the facts that make it
// true. Pure functions over one member's facts and the population's distributions (for RFM scores and the
// value tier); the job (compute-job.ts) loads the facts and stores the result. Every explanation's
// parameters are the numbers the rule used, so what the guide reads can be checked against the data.
import type { Platform, TagExplanation } from '@scrm/shared'
import { DAY_MS, shanghaiDay } from '../lib/china-time.ts'

/** The distinct local days of these purchases, ascending (two orders on the same local day are one purchase): what her lifecycle and rhythm count in. */
export const purchaseDays = (paidAts: readonly number[]) => [...new Set(paidAts.map(ms => shanghaiDay(ms)))].sort((a, b) => a - b)

export interface FactOrder {
  platform: Platform
  paidAt: number
  /** Paid minus refunded, 分. */
  net: number
  refunded: number
  lines: { category: string, size: string | null, color: string | null, unitPrice: number, quantity: number, amount: number }[]
}

export interface MemberFacts {
  memberId: number
  birthday: string | null
  /** Orders not cancelled, any order of time. */
  orders: FactOrder[]
}

/** Sorted ascending arrays of every buyer's value, to place one member among them. */
export interface Population {
  /** Days since last purchase, per buyer. */
  recencyDays: number[]
  /** Purchase count (orders with net > 0), per buyer. */
  frequency: number[]
  /** Lifetime net spend 分, per buyer. */
  monetary: number[]
  /** Net spend of the last 365 days 分, per buyer with any. */
  spend365: number[]
}

export interface ComputedTag {
  /** `c:<group>:<value>`. */
  id: string
  group: ComputedGroupId
  name: string
  explanation: TagExplanation
}

export const COMPUTED_GROUPS = {
  rfm_r: '最近购买 R',
  rfm_f: '购买频次 F',
  rfm_m: '消费金额 M',
  rfm_segment: 'RFM 分群',
  lifecycle: '生命周期',
  value: '价值分层',
  category: '偏好品类',
  price: '价格带',
  platform: '购买渠道',
  channel_mix: '渠道组合',
  size: '常购尺码',
  color: '偏好颜色',
  birthday: '生日月份',
  repeat: '复购',
  refund: '退款',
} as const
export type ComputedGroupId = keyof typeof COMPUTED_GROUPS

const PLATFORM_NAMES: Record<Platform, string> = { taobao: '淘宝/天猫', jd: '京东', douyin: '抖音', youzan: '有赞', miniprogram: '小程序', pos: '门店' }
const yuan = (fen: number) => Math.round(fen / 100)
const pct = (x: number) => Math.round(x * 100)

/** Share of `sorted` strictly below `value` (binary search). */
export function shareBelow(sorted: readonly number[], value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < value)
      lo = mid + 1
    else
      hi = mid
  }
  return sorted.length === 0 ? 0 : lo / sorted.length
}

/** Quintile score 1…5 from the share of buyers this member beats. */
export const quintile = (beats: number) => Math.min(5, 1 + Math.floor(beats * 5))

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2)
}

export type Lifecycle = 'prospect' | 'new' | 'active' | 'sleeping' | 'lost' | 'won_back'
export const LIFECYCLE_NAMES: Record<Lifecycle, string> = { prospect: '未购买', new: '新客', active: '活跃', sleeping: '沉睡', lost: '流失', won_back: '已召回' }

/** Rhythm from purchase days: the median gap between them (at least 30 days), 90 days with fewer than two. */
export function rhythmOf(days: readonly number[]): { rhythm: number, medianGap: number | null } {
  if (days.length < 2)
    return { rhythm: 90, medianGap: null }
  const gaps = days.slice(1).map((d, i) => d - days[i]!)
  const medianGap = median(gaps)
  return { rhythm: Math.max(30, medianGap), medianGap }
}

/**
 * Lifecycle from her own rhythm: sleeping after 2 rhythms without a purchase, lost after 4; won back when
 * the latest purchase ended a lapse of more than 4 rhythms (as they were before it) and she is not
 * sleeping again; new when her first purchase is within 90 days.
 */
export function lifecycleOf(days: readonly number[], today: number): { stage: Lifecycle, explanation: TagExplanation } {
  if (days.length === 0)
    return { stage: 'prospect', explanation: { key: 'lifecycle.prospect', params: {} } }
  const last = days.at(-1)!
  const gap = today - last
  const { rhythm, medianGap } = rhythmOf(days)
  const base = { gapDays: gap, rhythmDays: rhythm, purchaseDays: days.length, ...(medianGap === null ? {} : { medianGapDays: medianGap }) }
  if (gap > 4 * rhythm)
    return { stage: 'lost', explanation: { key: 'lifecycle.lost', params: base } }
  if (gap > 2 * rhythm)
    return { stage: 'sleeping', explanation: { key: 'lifecycle.sleeping', params: base } }
  if (today - days[0]! <= 90)
    return { stage: 'new', explanation: { key: 'lifecycle.new', params: { ...base, firstDaysAgo: today - days[0]! } } }
  if (days.length >= 2) {
    const before = days.slice(0, -1)
    const lapse = last - before.at(-1)!
    const earlier = rhythmOf(before).rhythm
    if (lapse > 4 * earlier)
      return { stage: 'won_back', explanation: { key: 'lifecycle.won_back', params: { ...base, lapseDays: lapse, earlierRhythmDays: earlier } } }
  }
  return { stage: 'active', explanation: { key: 'lifecycle.active', params: base } }
}

type Segment = 'champions' | 'loyal' | 'potential' | 'new_buyer' | 'attention' | 'at_risk' | 'hibernating'
const SEGMENT_NAMES: Record<Segment, string> = { champions: '重要价值', loyal: '忠诚客户', potential: '潜力客户', new_buyer: '新近首购', attention: '需要关注', at_risk: '流失风险', hibernating: '沉睡客户' }

/** The usual RFM segment rules, first match wins. */
export function segmentOf(r: number, f: number, m: number): Segment {
  if (r >= 4 && f >= 4 && m >= 4)
    return 'champions'
  if (r >= 3 && f >= 4)
    return 'loyal'
  if (r >= 4 && f >= 2)
    return 'potential'
  if (r >= 4)
    return 'new_buyer'
  if (r === 3)
    return 'attention'
  if (f >= 3)
    return 'at_risk'
  return 'hibernating'
}

const PRICE_BANDS = [
  { id: 'budget', name: '平价（<¥100）', below: 10_000 },
  { id: 'mid', name: '中端（¥100–299）', below: 30_000 },
  { id: 'upper', name: '中高端（¥300–799）', below: 80_000 },
  { id: 'premium', name: '高端（≥¥800）', below: Number.POSITIVE_INFINITY },
] as const

/** The most frequent value among `values` when it is at least 2 of them and at least 40 %. */
function favourite(values: string[]): { value: string, count: number, of: number } | null {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  const [value, count] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? ['', 0]
  return count >= 2 && count / values.length >= 0.4 ? { value, count, of: values.length } : null
}

/** Every computed tag of one member. */
export function computeMemberTags(facts: MemberFacts, population: Population, now: number): ComputedTag[] {
  const out: ComputedTag[] = []
  const add = (group: ComputedGroupId, value: string, name: string, key: string, params: TagExplanation['params']) =>
    out.push({ id: `c:${group}:${value}`, group, name, explanation: { key, params } })
  const today = shanghaiDay(now)

  const month = /^(?:\d{4}-)?(\d{2})-\d{2}$/.exec(facts.birthday ?? '')?.[1]
  if (month && Number(month) >= 1 && Number(month) <= 12)
    add('birthday', String(Number(month)), `${Number(month)}月生日`, 'birthday', { birthday: facts.birthday!, month: Number(month) })

  const bought = facts.orders.filter(o => o.net > 0)
  const days = purchaseDays(bought.map(o => o.paidAt))
  const life = lifecycleOf(days, today)
  add('lifecycle', life.stage, LIFECYCLE_NAMES[life.stage], life.explanation.key, life.explanation.params)
  if (bought.length === 0)
    return out

  // RFM against every buyer: the share she beats decides the quintile, and is what the explanation says.
  const recency = today - days.at(-1)!
  const monetary = bought.reduce((s, o) => s + o.net, 0)
  const rBeats = 1 - shareBelow(population.recencyDays, recency + 1) // buyers with a strictly longer gap
  const fBeats = shareBelow(population.frequency, bought.length)
  const mBeats = shareBelow(population.monetary, monetary)
  const r = quintile(rBeats)
  const f = quintile(fBeats)
  const m = quintile(mBeats)
  add('rfm_r', `R${r}`, `R${r}`, 'rfm.r', { score: r, days: recency, beatsPct: pct(rBeats) })
  add('rfm_f', `F${f}`, `F${f}`, 'rfm.f', { score: f, orders: bought.length, beatsPct: pct(fBeats) })
  add('rfm_m', `M${m}`, `M${m}`, 'rfm.m', { score: m, amountYuan: yuan(monetary), beatsPct: pct(mBeats) })
  const segment = segmentOf(r, f, m)
  add('rfm_segment', segment, SEGMENT_NAMES[segment], `rfm.segment.${segment}`, { r, f, m })

  const spend365 = bought.filter(o => o.paidAt > now - 365 * DAY_MS).reduce((s, o) => s + o.net, 0)
  if (spend365 > 0) {
    const beats = shareBelow(population.spend365, spend365)
    const tier = beats >= 0.9 ? 'high' : beats >= 0.6 ? 'mid' : 'base'
    add('value', tier, { high: '高价值', mid: '中价值', base: '普通价值' }[tier], `value.${tier}`, { amountYuan: yuan(spend365), beatsPct: pct(beats) })
  }

  if (days.length >= 2)
    add('repeat', 'yes', '复购客户', 'repeat', { purchaseDays: days.length, orders: bought.length })

  const lines = bought.flatMap(o => o.lines)
  const lineTotal = lines.reduce((s, l) => s + l.amount, 0)
  if (lineTotal > 0) {
    const byCategory = new Map<string, { amount: number, items: number }>()
    for (const l of lines) {
      const c = byCategory.get(l.category) ?? { amount: 0, items: 0 }
      c.amount += l.amount
      c.items += l.quantity
      byCategory.set(l.category, c)
    }
    const ranked = [...byCategory.entries()].sort((a, b) => b[1].amount - a[1].amount || a[0].localeCompare(b[0]))
    for (const [category, c] of ranked.slice(0, 3)) {
      if (c.amount / lineTotal >= 0.25)
        add('category', category, `偏好${category}`, 'category', { category, sharePct: pct(c.amount / lineTotal), items: c.items, amountYuan: yuan(c.amount) })
    }
    const unitPrices = lines.flatMap(l => Array.from({ length: l.quantity }, () => l.unitPrice))
    const mid = median(unitPrices)
    const band = PRICE_BANDS.find(b => mid < b.below)!
    add('price', band.id, band.name, 'price', { medianYuan: yuan(mid), items: unitPrices.length })
  }

  const byPlatform = new Map<Platform, { orders: number, last: number }>()
  for (const o of bought) {
    const p = byPlatform.get(o.platform) ?? { orders: 0, last: 0 }
    p.orders++
    p.last = Math.max(p.last, o.paidAt)
    byPlatform.set(o.platform, p)
  }
  for (const [platform, p] of [...byPlatform.entries()].sort((a, b) => b[1].orders - a[1].orders || a[0].localeCompare(b[0])))
    add('platform', platform, PLATFORM_NAMES[platform], 'platform', { platform: PLATFORM_NAMES[platform], orders: p.orders, lastDaysAgo: today - shanghaiDay(p.last) })
  const mix = byPlatform.size >= 3 ? 'omni' : byPlatform.size === 2 ? 'dual' : 'single'
  add('channel_mix', mix, { omni: '全渠道', dual: '双渠道', single: '单渠道' }[mix], `channel_mix.${mix}`, { channels: byPlatform.size, names: [...byPlatform.keys()].map(p => PLATFORM_NAMES[p]).join('、') })

  // Sizes of garments: variants with both a colour and a size (cosmetics vary by volume or shade, not by fit);
  // one-size (均码) says nothing about her size.
  const sized = lines.filter(l => l.color && l.size && l.size !== '均码').flatMap(l => Array.from({ length: l.quantity }, () => l.size!))
  const size = favourite(sized)
  if (size)
    add('size', size.value, `尺码 ${size.value}`, 'size', { size: size.value, count: size.count, of: size.of })
  const colored = lines.filter(l => l.color).flatMap(l => Array.from({ length: l.quantity }, () => l.color!))
  const color = favourite(colored)
  if (color)
    add('color', color.value, `偏好${color.value}`, 'color', { color: color.value, count: color.count, of: color.of })

  const refundedOrders = facts.orders.filter(o => o.refunded > 0).length
  if (facts.orders.length >= 2 && refundedOrders / facts.orders.length >= 0.3)
    add('refund', 'frequent', '退款较多', 'refund', { refunded: refundedOrders, orders: facts.orders.length })
  return out
}
