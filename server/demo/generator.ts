// Deterministic demo world: stores, staff, a ~300-SPU apparel-and-beauty catalog, members with
// WeCom follow relations and tags, two years of orders on six platforms, scripted replies.
//
// Purchases come from hidden per-member personas (consumable replenishment cycles, seasonal apparel,
// one-off, lapsed, new, regular) and hidden preferences (categories, price band, colours, style,
// size) plus complement pairs, so a recommender / propensity model has real signal to learn. That
// truth is returned in `hidden` for closed-loop benchmarks and is never written to the database.
//
// Every member is generated from its own PRNG stream (seed, member id), so the in-memory form and the
// streaming form (any chunk size) produce identical rows.
import type { follows, followTags, memberIdentities, members, orderLines, orders, products, recommendations, replies, replyGroups, sends, staff, stores, tagGroups, tags } from '../src/db/schema.ts'
import type { LeafCategory, Level, Season } from './catalog.ts'
import { createHash } from 'node:crypto'
import { platforms } from '../src/db/schema.ts'
import { SHANGHAI_OFFSET_MS, shanghaiDay, shanghaiDayStart } from '../src/lib/china-time.ts'
import { Rng } from '../src/lib/random.ts'
import {
  ADMIN_NAME,
  APPAREL_COLORS,
  APPAREL_SIZES,
  CATEGORIES,
  CITIES_BY_STORE,
  COMPLEMENTS,
  FEMALE_GIVEN,
  GUIDE_NAMES,
  LEAVES,
  LEVEL_THRESHOLDS,
  MALE_GIVEN,
  REPLY_GROUPS,
  SKIN_EFFECTS,
  STORES,
  STYLES,
  SUPERVISOR_NAMES,
  SURNAMES,
  TAG_GROUPS,
} from './catalog.ts'
import { createSendHistory } from './send-history.ts'

export type Platform = typeof platforms[number]
export type StoreRow = typeof stores.$inferSelect
export type StaffRow = typeof staff.$inferSelect
export type MemberRow = typeof members.$inferSelect
export type MemberIdentityRow = typeof memberIdentities.$inferSelect
export type FollowRow = typeof follows.$inferSelect
export type ProductRow = typeof products.$inferSelect
export type OrderRow = typeof orders.$inferSelect
export type OrderLineRow = typeof orderLines.$inferSelect
export type TagGroupRow = typeof tagGroups.$inferSelect
export type TagRow = typeof tags.$inferSelect
export type FollowTagRow = typeof followTags.$inferSelect
export type ReplyGroupRow = typeof replyGroups.$inferSelect
export type ReplyRow = typeof replies.$inferSelect
export type SendRow = typeof sends.$inferSelect
export type RecommendationRow = typeof recommendations.$inferSelect

export type PersonaKind = 'cycle' | 'seasonal' | 'regular' | 'oneoff' | 'lapsed' | 'new'

/** A consumable the member replenishes on a rhythm. */
export interface CycleRoutine {
  leaf: string
  category: string
  /** The SPU they are loyal to (occasionally they try another one of the same leaf). */
  spuId: string
  /** Mean days between purchases (sd ≈ 12 % of it). */
  cycleDays: number
}

export interface MemberPersona {
  kind: PersonaKind
  joinedAt: number
  /** Start of buying within the generated window. */
  activeFrom: number
  /** Last possible purchase time (lapsed members stop 6+ months before `now`); null = still active. */
  activeUntil: number | null
  cycles: CycleRoutine[]
  /** Buys 外套/针织 in Oct–Dec and 连衣裙/衬衫/裤装 in Apr–Jun. */
  seasonal: boolean
  /** Rate of free (non-cycle, non-seasonal) shopping trips per year. */
  tripsPerYear: number
  platformWeights: Record<Platform, number>
  /** Platforms whose buyer id was never linked to the member: those orders sit unmatched. */
  unlinkedPlatforms: Platform[]
}

export interface MemberPreference {
  /** Weights over the `category` column values (second path level), summing to 1. */
  categoryWeights: Record<string, number>
  priceBand: 'value' | 'mid' | 'premium'
  /** Preferred position in a leaf's price range, 0 (cheapest) … 1 (dearest). */
  pricePosition: number
  /** Weights over colours (favourites ≈ 1, others small). */
  colorWeights: Record<string, number>
  styleWeights: Record<string, number>
  size: string
}

export interface DemoHidden {
  personaByMember: Map<number, MemberPersona>
  preferenceByMember: Map<number, MemberPreference>
  /** Leaf → leaves bought with it or soon after. */
  complements: Readonly<Record<string, readonly string[]>>
}

export interface DemoStaticData {
  stores: StoreRow[]
  staff: StaffRow[]
  products: ProductRow[]
  tagGroups: TagGroupRow[]
  tags: TagRow[]
  replyGroups: ReplyGroupRow[]
  replies: ReplyRow[]
}

export interface DemoMemberData {
  members: MemberRow[]
  memberIdentities: MemberIdentityRow[]
  follows: FollowRow[]
  /** WeCom corp tags per follow relation (the primary guide tagged them). */
  followTags: FollowTagRow[]
  orders: OrderRow[]
  orderLines: OrderLineRow[]
  /** Guides' sends of the last ~60 days (empty unless `sendHistory: true`); see send-history.ts. */
  recommendations: RecommendationRow[]
  sends: SendRow[]
}

export interface DemoOptions {
  seed?: number
  members?: number
  /** End of the generated history (UTC ms). */
  now?: number
  years?: number
  /** Members per streamed chunk. */
  chunkSize?: number
  /**
   * Generate the last 60 days of guides' sends (and the recommendations they came from) with
   * outcomes consistent with the orders (see send-history.ts). Off by default so test fixtures and
   * bench databases start with no sends; the demo turns it on. Drawn from separate PRNG streams, so
   * every other row is the same either way.
   */
  sendHistory?: boolean
}

export interface DemoMeta { seed: number, members: number, now: number, years: number, windowStart: number }

export type DemoChunk
  = | { kind: 'static', meta: DemoMeta, data: DemoStaticData }
    | { kind: 'members', firstMemberId: number, lastMemberId: number, data: DemoMemberData, hidden: DemoHidden }

export interface DemoDataset extends DemoStaticData, DemoMemberData {
  meta: DemoMeta
  /** Generator truth for benchmarks; never seeded into the database. */
  hidden: DemoHidden
}

const DAY = 86_400_000
const HOUR = 3_600_000
const ONLINE: readonly Platform[] = ['taobao', 'jd', 'douyin', 'youzan', 'miniprogram']

// ---------------------------------------------------------------------------------------------
// Static part: stores, staff, catalog, tags, replies
// ---------------------------------------------------------------------------------------------

interface SpuInfo {
  spuId: string
  leafIndex: number
  launchedAt: number
  pricePos: number
  style: string
  colors: string[]
  popularity: number
  skus: ProductRow[]
}

interface World {
  meta: DemoMeta
  data: DemoStaticData
  spusByLeaf: SpuInfo[][]
  spuById: Map<string, SpuInfo>
  guidesByStore: Map<string, { userids: string[], weights: number[] }>
  tagIdByName: Map<string, string>
}

function roundPrice(yuan: number, leaf: LeafCategory): number {
  // Apparel prices end in 9 (899, 1299); beauty in 0 or 8.
  const r = leaf.top === '服装' ? Math.round((yuan + 1) / 10) * 10 - 1 : Math.round(yuan / 10) * 10 - (Math.round(yuan) % 3 === 0 ? 2 : 0)
  return Math.max(leaf.priceMin, Math.min(leaf.priceMax, r)) * 100
}

/** Material + noun without saying the shared part twice: 山羊绒 + 羊绒衫 → 山羊绒衫, 水洗牛仔 + 牛仔裤 → 水洗牛仔裤. */
export function joinOverlap(material: string, noun: string): string {
  for (let k = Math.min(material.length, noun.length); k > 0; k--) {
    if (material.endsWith(noun.slice(0, k)))
      return material + noun.slice(k)
  }
  return material + noun
}

function buildCatalog(rng: Rng, meta: DemoMeta): { products: ProductRow[], spusByLeaf: SpuInfo[][] } {
  const products: ProductRow[] = []
  const spusByLeaf: SpuInfo[][] = []
  let spuNo = 10000
  LEAVES.forEach((leaf, leafIndex) => {
    const list: SpuInfo[] = []
    const usedNames = new Set<string>()
    for (let k = 0; k < leaf.spus; k++) {
      spuNo++
      const spuId = `SPU${spuNo}`
      let name = ''
      for (let tries = 0; tries < 20; tries++) {
        name = `${rng.pick(leaf.prefixes)}${joinOverlap(leaf.kind === 'skincare' || leaf.kind === 'makeup' ? '' : rng.pick(leaf.materials), leaf.noun)}`
        if (!usedNames.has(name))
          break
      }
      if (usedNames.has(name))
        name = `${name} ${String.fromCharCode(65 + k)}款`
      usedNames.add(name)
      const basePrice = roundPrice(rng.float(leaf.priceMin, leaf.priceMax), leaf)
      const pricePos = leaf.priceMax === leaf.priceMin ? 0.5 : (basePrice / 100 - leaf.priceMin) / (leaf.priceMax - leaf.priceMin)
      const r = rng.next()
      // Half the catalog predates the window, most of the rest spreads over it, ~8 % are new arrivals.
      const launchedAt = r < 0.5
        ? meta.windowStart - rng.int(1, 365) * DAY
        : r < 0.92
          ? rng.int(meta.windowStart, meta.now - 31 * DAY)
          : meta.now - rng.int(1, 30) * DAY
      const style = rng.pick(STYLES)
      const material = rng.pick(leaf.materials)
      const popularity = 0.2 + rng.gamma(1.5, 1)
      const offSale = launchedAt < meta.windowStart - 200 * DAY && rng.chance(0.3)
      const attributes: Record<string, string> = leaf.kind === 'skincare'
        ? { material, effect: rng.pick(SKIN_EFFECTS), skinType: rng.pick(['所有肤质', '干性', '油性', '混合', '敏感']) }
        : leaf.kind === 'makeup' || leaf.kind === 'fragrance'
          ? { material, style }
          : { material, style, fit: rng.pick(['修身', '宽松', '常规']) }
      const variants: { color: string | null, size: string | null, price: number }[] = []
      let colors: string[] = []
      if (leaf.variants) {
        const isShade = leaf.kind === 'makeup'
        const picked = isShade ? rng.shuffle([...leaf.variants]).slice(0, rng.int(1, Math.min(6, leaf.variants.length))) : [...leaf.variants]
        picked.forEach((v, i) => variants.push({
          color: isShade ? v : null,
          size: isShade ? null : v,
          price: isShade ? basePrice : Math.round(basePrice * (1 + 0.6 * i) / 1000) * 1000,
        }))
        colors = isShade ? picked : []
      }
      else {
        colors = rng.shuffle([...APPAREL_COLORS]).slice(0, leaf.kind === 'accessory' ? rng.int(1, 3) : rng.int(1, 2))
        const sizes = leaf.kind === 'accessory'
          ? ['均码']
          : APPAREL_SIZES.slice(rng.int(0, 1)).slice(0, rng.int(2, 3))
        for (const c of colors) {
          for (const s of sizes) variants.push({ color: c, size: s, price: basePrice })
        }
      }
      const info: SpuInfo = { spuId, leafIndex, launchedAt, pricePos, style, colors, popularity, skus: [] }
      variants.slice(0, 6).forEach((v, i) => {
        const skuId = `${spuId}-${String(i + 1).padStart(2, '0')}`
        const row: ProductRow = {
          skuId,
          spuId,
          name,
          categoryPath: `${leaf.top}/${leaf.category}/${leaf.leaf}`,
          category: leaf.category,
          price: v.price,
          season: leaf.season,
          color: v.color,
          size: v.size,
          attributes,
          stock: rng.chance(0.08) ? 0 : rng.int(3, 300),
          imageUrl: `https://demo.scrm.example/img/${spuId}.jpg`,
          linkUrl: `https://demo.scrm.example/item/${skuId}`,
          miniprogramPage: `pages/item/index?sku=${skuId}`,
          consumable: leaf.consumable,
          launchedAt,
          status: offSale ? 'off_sale' : 'on_sale',
        }
        products.push(row)
        info.skus.push(row)
      })
      list.push(info)
    }
    spusByLeaf.push(list)
  })
  return { products, spusByLeaf }
}

function buildWorld(opts: Required<Omit<DemoOptions, 'chunkSize' | 'sendHistory'>>): World {
  const { seed, now, years } = opts
  const windowStart = now - Math.round(years * 365) * DAY
  const meta: DemoMeta = { seed, members: opts.members, now, years, windowStart }
  const rng = new Rng(seed, 0xCA7A106)
  const setupAt = windowStart - 420 * DAY

  const storeRows: StoreRow[] = STORES.map(s => ({ id: s.id, name: s.name, city: s.city, wecomDepartmentId: s.wecomDepartmentId }))
  const staffRows: StaffRow[] = []
  const guidesByStore = new Map<string, { userids: string[], weights: number[] }>()
  let g = 0
  for (const s of STORES) {
    const userids: string[] = []
    const weights: number[] = []
    for (let k = 0; k < 10; k++) {
      const userid = `guide${String(g + 1).padStart(2, '0')}`
      staffRows.push({ userid, name: GUIDE_NAMES[g]!, role: 'guide', storeId: s.id, avatar: `https://demo.scrm.example/avatar/staff/${userid}.png`, status: 1, createdAt: setupAt + rng.int(0, 600) * DAY })
      userids.push(userid)
      // guide01 is the star guide of the flagship (> 500 customers at the default 3000 members).
      weights.push(g === 0 ? 9 : 0.6 + rng.next())
      g++
    }
    guidesByStore.set(s.id, { userids, weights })
    const sup = `sup_${s.code}`
    staffRows.push({ userid: sup, name: SUPERVISOR_NAMES[s.id]!, role: 'supervisor', storeId: s.id, avatar: `https://demo.scrm.example/avatar/staff/${sup}.png`, status: 1, createdAt: setupAt })
  }
  staffRows.push({ userid: 'admin', name: ADMIN_NAME, role: 'admin', storeId: null, avatar: 'https://demo.scrm.example/avatar/staff/admin.png', status: 1, createdAt: setupAt })

  const { products, spusByLeaf } = buildCatalog(rng, meta)
  const spuById = new Map<string, SpuInfo>()
  for (const list of spusByLeaf) {
    for (const s of list) spuById.set(s.spuId, s)
  }

  const tagGroupRows: TagGroupRow[] = []
  const tagRows: TagRow[] = []
  const tagIdByName = new Map<string, string>()
  const usedIds = new Set<string>()
  const wecomId = (prefix: string): string => {
    let id: string
    do id = `${prefix}${rng.chars(8)}`
    while (usedIds.has(id))
    usedIds.add(id)
    return id
  }
  TAG_GROUPS.forEach((spec, gi) => {
    const groupId = wecomId('et')
    const createdAt = setupAt + gi * DAY
    // The brand's library was made in the WeCom admin console: read-only for this app.
    tagGroupRows.push({ id: groupId, name: spec.name, sortOrder: TAG_GROUPS.length - gi, source: 'wecom', deleted: false, createdByApp: false, createdAt })
    spec.tags.forEach((name, ti) => {
      const id = wecomId('et')
      tagRows.push({ id, groupId, name, sortOrder: spec.tags.length - ti, deleted: false, createdByApp: false, createdAt })
      tagIdByName.set(`${spec.name}/${name}`, id)
    })
  })

  const replyGroupRows: ReplyGroupRow[] = []
  const replyRows: ReplyRow[] = []
  let replyId = 0
  REPLY_GROUPS.forEach((group, gi) => {
    replyGroupRows.push({ id: gi + 1, name: group.name, sortOrder: gi })
    for (const r of group.replies) {
      replyId++
      replyRows.push({ id: replyId, groupId: gi + 1, title: r.title, content: r.content, useCount: Math.floor(rng.gamma(1.2, 40)), createdAt: setupAt + rng.int(0, 700) * DAY })
    }
  })

  return {
    meta,
    data: { stores: storeRows, staff: staffRows, products, tagGroups: tagGroupRows, tags: tagRows, replyGroups: replyGroupRows, replies: replyRows },
    spusByLeaf,
    spuById,
    guidesByStore,
    tagIdByName,
  }
}

// ---------------------------------------------------------------------------------------------
// Preferences and affinity
// ---------------------------------------------------------------------------------------------

/** Population-level appeal of each category (before personal taste). */
const CATEGORY_BASE: Record<string, number> = { 外套: 1.2, 针织: 1, 衬衫: 1, 连衣裙: 1, 裤装: 0.9, 配饰: 0.7, 护肤: 1.6, 彩妆: 0.6, 香氛: 0.4 }
const PRICE_POSITION = { value: 0.15, mid: 0.5, premium: 0.85 } as const
const LEAF_INDEX = new Map(LEAVES.map((l, i) => [l.leaf, i]))
const LEAVES_PER_CATEGORY = new Map(CATEGORIES.map(c => [c, LEAVES.filter(l => l.category === c).length]))

function seasonFactor(season: Season | string | null, month: number): number {
  if (season === '秋冬')
    return month >= 8 || month <= 1 ? 1.8 : month === 2 || month === 7 ? 0.7 : 0.25
  if (season === '春夏')
    return month >= 3 && month <= 7 ? 1.8 : month === 2 || month === 8 ? 0.7 : 0.25
  return 1
}

function priceFit(pref: MemberPreference, pricePos: number): number {
  const d = pricePos - pref.pricePosition
  return Math.exp(-(d * d) / (2 * 0.18 * 0.18)) + 0.05
}

function colorFit(pref: MemberPreference, colors: readonly string[]): number {
  let best = 0
  for (const c of colors) best = Math.max(best, pref.colorWeights[c] ?? 0.1)
  return colors.length === 0 ? 1 : best
}

/**
 * How much a member with these preferences likes a product (unnormalised, ≥ 0): category weight ×
 * price fit × colour fit × style fit, optionally × the season fit of the month. The generator picks
 * items with this score; a closed-loop simulation can use it as the member's response model.
 */
export function preferenceAffinity(pref: MemberPreference, product: Pick<ProductRow, 'category' | 'price' | 'color' | 'season' | 'attributes' | 'categoryPath'>, at?: number): number {
  const leaf = LEAVES[LEAF_INDEX.get(product.categoryPath.split('/')[2] ?? '') ?? -1]
  const pricePos = leaf ? Math.min(1, Math.max(0, (product.price / 100 - leaf.priceMin) / Math.max(1, leaf.priceMax - leaf.priceMin))) : 0.5
  const style = product.attributes.style
  const styleFit = style ? (pref.styleWeights[style] ?? 0.2) + 0.2 : 1
  const colorWeight = product.color && leaf?.kind !== 'makeup' ? (pref.colorWeights[product.color] ?? 0.1) : 1
  const season = at === undefined ? 1 : seasonFactor(product.season, new Date(at + SHANGHAI_OFFSET_MS).getUTCMonth())
  return (pref.categoryWeights[product.category] ?? 0) * priceFit(pref, pricePos) * colorWeight * styleFit * season
}

function makePreference(rng: Rng, gender: number, kind: PersonaKind): MemberPreference {
  const raw: Record<string, number> = {}
  let total = 0
  for (const c of CATEGORIES) {
    let w = (CATEGORY_BASE[c] ?? 1) * rng.gamma(0.6, 1)
    if (gender === 1 && (c === '连衣裙' || c === '彩妆'))
      w *= 0.02
    if (kind === 'cycle' && c === '护肤')
      w += 1.5
    raw[c] = w
    total += w
  }
  const categoryWeights: Record<string, number> = {}
  for (const c of CATEGORIES) categoryWeights[c] = Math.round((raw[c]! / total) * 10_000) / 10_000
  const priceBand = rng.weighted(['value', 'mid', 'premium'] as const, [0.35, 0.45, 0.2])
  const pricePosition = Math.min(1, Math.max(0, Math.round((PRICE_POSITION[priceBand] + rng.normal(0, 0.08)) * 100) / 100))
  const colorWeights: Record<string, number> = {}
  const favourites = rng.shuffle([...APPAREL_COLORS]).slice(0, rng.int(2, 3))
  for (const c of APPAREL_COLORS) colorWeights[c] = 0.08
  favourites.forEach((c, i) => {
    colorWeights[c] = i === 0 ? 1 : Math.round(rng.float(0.4, 0.9) * 100) / 100
  })
  const styleWeights: Record<string, number> = {}
  const favStyle = rng.pick(STYLES)
  for (const s of STYLES) styleWeights[s] = s === favStyle ? 1 : Math.round(rng.float(0.05, 0.5) * 100) / 100
  const size = gender === 1 ? rng.weighted(['L', 'XL'], [0.6, 0.4]) : rng.weighted(APPAREL_SIZES, [0.3, 0.45, 0.2, 0.05])
  return { categoryWeights, priceBand, pricePosition, colorWeights, styleWeights, size }
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

const PERSONA_WEIGHTS: Record<PersonaKind, number> = { cycle: 0.25, seasonal: 0.2, regular: 0.2, oneoff: 0.15, lapsed: 0.12, new: 0.08 }
const PRIMARY_PLATFORM: Record<Platform, number> = { pos: 0.3, taobao: 0.25, miniprogram: 0.15, douyin: 0.12, jd: 0.1, youzan: 0.08 }
const ADD_WAYS = [1, 2, 3, 4, 5, 6, 16, 0, 8] as const
const ADD_WAY_WEIGHTS = [0.55, 0.05, 0.08, 0.05, 0.03, 0.08, 0.1, 0.03, 0.03]
const REMARK_PHRASE: Record<string, string> = { 外套: '爱买外套', 针织: '偏爱羊绒', 衬衫: '通勤衬衫', 连衣裙: '爱穿裙装', 裤装: '裤装控', 配饰: '爱配饰', 护肤: '护肤达人', 彩妆: '彩妆爱好', 香氛: '爱香氛' }
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'

interface PlannedItem { skuId: string, qty: number }
interface PlannedEvent { t: number, items: PlannedItem[] }

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/**
 * Bijective affine scramble of an order id into [0, mod) (the multiplier is coprime to 10), so order
 * numbers are unique per platform without looking sequential. Exact for ids below ~1.1e9.
 */
function scramble(id: number, mod: number): number {
  return (id * 7_654_321 + 385_921_776_513) % mod
}

function cstParts(t: number): { yyyy: string, mm: string, dd: string, hh: string, mi: string, ss: string } {
  const d = new Date(t + SHANGHAI_OFFSET_MS)
  return {
    yyyy: String(d.getUTCFullYear()),
    mm: pad(d.getUTCMonth() + 1, 2),
    dd: pad(d.getUTCDate(), 2),
    hh: pad(d.getUTCHours(), 2),
    mi: pad(d.getUTCMinutes(), 2),
    ss: pad(d.getUTCSeconds(), 2),
  }
}

function orderNumber(platform: Platform, orderId: number, t: number, storeId: string | null, rng: Rng): string {
  const p = cstParts(t)
  switch (platform) {
    case 'taobao': return `${p.yyyy.slice(2)}${pad(scramble(orderId, 1e12), 12)}${rng.digits(5)}`
    case 'jd': return `3${pad(scramble(orderId, 1e11), 11)}`
    case 'douyin': return `69${pad(scramble(orderId, 1e12), 12)}${rng.digits(5)}`
    case 'youzan': return `E${p.yyyy}${p.mm}${p.dd}${p.hh}${p.mi}${p.ss}${pad(scramble(orderId, 1e8), 8)}`
    case 'miniprogram': return `MP${p.yyyy}${p.mm}${p.dd}${pad(scramble(orderId, 1e10), 10)}`
    case 'pos': return `${storeId ?? 'S00'}${p.yyyy.slice(2)}${p.mm}${p.dd}${pad(scramble(orderId, 1e8), 8)}`
  }
}

function buyerIdFor(platform: Platform, memberId: number, rng: Rng): string {
  switch (platform) {
    case 'taobao': return `tb_${rng.chars(12, LOWER_ALNUM)}`
    case 'jd': return `jd_${rng.chars(12, LOWER_ALNUM)}`
    case 'douyin': return `dy${rng.digits(16)}`
    case 'youzan': return `yz${rng.digits(14)}`
    case 'miniprogram': return `o${rng.chars(27, ID_CHARS)}`
    case 'pos': return `VIP${pad(memberId, 10)}`
  }
}

interface MemberContext {
  rng: Rng
  pref: MemberPreference
  persona: MemberPersona
  excludedLeaves: Set<number>
  spuWeights: Map<number, Float64Array>
}

function spuBaseWeights(world: World, ctx: MemberContext, leafIndex: number): Float64Array {
  let w = ctx.spuWeights.get(leafIndex)
  if (!w) {
    const list = world.spusByLeaf[leafIndex]!
    const leaf = LEAVES[leafIndex]!
    w = new Float64Array(list.length)
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!
      const styleFit = leaf.kind === 'skincare' ? 1 : (ctx.pref.styleWeights[s.style] ?? 0.2) + 0.2
      const cFit = leaf.kind === 'makeup' ? 1 : colorFit(ctx.pref, s.colors)
      w[i] = s.popularity * priceFit(ctx.pref, s.pricePos) * cFit * styleFit
    }
    ctx.spuWeights.set(leafIndex, w)
  }
  return w
}

/** The SPU of a leaf a member would pick at time t (only launched ones; new arrivals get a boost). */
function pickSpu(world: World, ctx: MemberContext, leafIndex: number, t: number): SpuInfo {
  const list = world.spusByLeaf[leafIndex]!
  const base = spuBaseWeights(world, ctx, leafIndex)
  const w = new Float64Array(list.length)
  let any = false
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!
    if (s.launchedAt > t)
      continue
    w[i] = base[i]! * (t - s.launchedAt < 45 * DAY ? 2.5 : 1)
    any = true
  }
  if (!any) {
    // Nothing launched yet: the oldest SPU of the leaf stands in.
    let oldest = list[0]!
    for (const s of list) {
      if (s.launchedAt < oldest.launchedAt)
        oldest = s
    }
    return oldest
  }
  return list[ctx.rng.weightedIndex(w)]!
}

function pickSku(ctx: MemberContext, spu: SpuInfo): ProductRow {
  const skus = spu.skus
  if (skus.length === 1)
    return skus[0]!
  const w = skus.map((s) => {
    const colorW = s.color && LEAVES[spu.leafIndex]!.kind !== 'makeup' ? (ctx.pref.colorWeights[s.color] ?? 0.1) : 1
    const sizeW = s.size === null || s.size === '均码' || !APPAREL_SIZES.includes(s.size as typeof APPAREL_SIZES[number])
      ? 1
      : s.size === ctx.pref.size ? 1 : 0.03
    return colorW * sizeW
  })
  return skus[ctx.rng.weightedIndex(w)]!
}

function pickLeafByPreference(ctx: MemberContext, month: number, restrictTo?: Record<string, number>): number {
  const w = new Float64Array(LEAVES.length)
  for (let i = 0; i < LEAVES.length; i++) {
    if (ctx.excludedLeaves.has(i))
      continue
    const leaf = LEAVES[i]!
    const restrict = restrictTo ? (restrictTo[leaf.category] ?? 0) : 1
    if (restrict === 0)
      continue
    w[i] = restrict * ((ctx.pref.categoryWeights[leaf.category] ?? 0) + 0.01) / LEAVES_PER_CATEGORY.get(leaf.category)! * seasonFactor(leaf.season, month)
  }
  return ctx.rng.weightedIndex(w)
}

function item(world: World, ctx: MemberContext, leafIndex: number, t: number): PlannedItem {
  const sku = pickSku(ctx, pickSpu(world, ctx, leafIndex, t))
  const leaf = LEAVES[leafIndex]!
  const qty = leaf.consumable && ctx.rng.chance(0.12) ? 2 : 1
  return { skuId: sku.skuId, qty }
}

/** A shopping trip: the main item, maybe a complement and maybe one more liked item. */
function trip(world: World, ctx: MemberContext, t: number, restrictTo?: Record<string, number>): PlannedEvent {
  const month = new Date(t + SHANGHAI_OFFSET_MS).getUTCMonth()
  const leafIndex = pickLeafByPreference(ctx, month, restrictTo)
  const items = [item(world, ctx, leafIndex, t)]
  const comps = COMPLEMENTS[LEAVES[leafIndex]!.leaf]
  if (comps && ctx.rng.chance(0.4)) {
    const c = LEAF_INDEX.get(ctx.rng.pick(comps))!
    if (!ctx.excludedLeaves.has(c))
      items.push(item(world, ctx, c, t))
  }
  if (ctx.rng.chance(0.15))
    items.push(item(world, ctx, pickLeafByPreference(ctx, month), t))
  return { t, items }
}

/** Poisson process of free shopping trips over [from, to). */
function freeTrips(world: World, ctx: MemberContext, from: number, to: number, perYear: number, out: PlannedEvent[]): void {
  if (perYear <= 0)
    return
  const meanGap = (365 / perYear) * DAY
  let t = from + ctx.rng.exponential(meanGap)
  while (t < to) {
    out.push(trip(world, ctx, t))
    t += ctx.rng.exponential(meanGap)
  }
}

function routineEvents(world: World, ctx: MemberContext, r: CycleRoutine, from: number, to: number, out: PlannedEvent[]): void {
  const leafIndex = LEAF_INDEX.get(r.leaf)!
  let spu = world.spuById.get(r.spuId)!
  let sku = pickSku(ctx, spu)
  let t = from + ctx.rng.float(0, r.cycleDays) * DAY
  while (t < to) {
    let chosen = sku
    if (ctx.rng.chance(0.1)) {
      // Tries another product of the same kind this time; sometimes sticks with it.
      const other = pickSpu(world, ctx, leafIndex, t)
      chosen = pickSku(ctx, other)
      if (ctx.rng.chance(0.3)) {
        spu = other
        sku = chosen
      }
    }
    const qty = ctx.rng.chance(0.08) ? 2 : 1
    const items: PlannedItem[] = [{ skuId: chosen.skuId, qty }]
    const comps = COMPLEMENTS[r.leaf]
    if (comps && ctx.rng.chance(0.2)) {
      const c = LEAF_INDEX.get(ctx.rng.pick(comps))!
      if (!ctx.excludedLeaves.has(c))
        items.push(item(world, ctx, c, t))
    }
    out.push({ t, items })
    const skip = ctx.rng.chance(0.05) ? 2 : 1
    t += Math.max(5, ctx.rng.normal(r.cycleDays, r.cycleDays * 0.12)) * qty * skip * DAY
  }
}

function seasonalEvents(world: World, ctx: MemberContext, from: number, to: number, out: PlannedEvent[]): void {
  const firstYear = new Date(from).getUTCFullYear()
  const lastYear = new Date(to).getUTCFullYear()
  for (let y = firstYear; y <= lastYear; y++) {
    const windows: [number, number, Record<string, number>][] = [
      [Date.UTC(y, 9, 1), Date.UTC(y, 11, 31), { 外套: 0.55, 针织: 0.45 }],
      [Date.UTC(y, 3, 1), Date.UTC(y, 5, 30), { 连衣裙: 0.6, 衬衫: 0.25, 裤装: 0.15 }],
    ]
    for (const [ws, we, restrict] of windows) {
      const s = Math.max(ws, from)
      const e = Math.min(we, to)
      if (e <= s)
        continue
      const n = ctx.rng.chance(0.9) ? Math.max(1, ctx.rng.poisson(1.6)) : 0
      const share = (e - s) / (we - ws)
      for (let k = 0; k < n; k++) {
        if (share < 1 && !ctx.rng.chance(share))
          continue
        out.push(trip(world, ctx, ctx.rng.float(s, e), restrict))
      }
    }
  }
}

/** A time on Asia/Shanghai day number `day` when a store (`pos`) or online shopper buys. */
function timeOfDay(rng: Rng, day: number, pos: boolean): number {
  // Stores open 10:00–22:00; online peaks in the evening (Asia/Shanghai).
  const hour = pos ? rng.weighted([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], [2, 4, 5, 5, 6, 7, 7, 6, 7, 8, 8, 4]) : rng.weighted([0, 8, 10, 12, 13, 15, 18, 20, 21, 22, 23], [2, 1, 3, 4, 3, 3, 4, 7, 9, 10, 6])
  return shanghaiDayStart(day) + hour * HOUR + rng.int(0, 3599) * 1000
}

interface MemberOutput {
  data: DemoMemberData
  persona: MemberPersona
  pref: MemberPreference
  nextOrderId: number
  nextLineId: number
}

function generateMember(world: World, id: number, orderIdStart: number, lineIdStart: number): MemberOutput {
  const { meta } = world
  const rng = Rng.derive(meta.seed, 1, id)
  const gender = rng.weighted([2, 1, 0], [0.85, 0.12, 0.03])
  const surname = rng.chance(0.97) ? rng.pick(SURNAMES.slice(0, 92)) : rng.pick(SURNAMES)
  const name = surname + (gender === 1 ? rng.pick(MALE_GIVEN) : rng.pick(FEMALE_GIVEN))
  const homeStoreId = rng.weighted(['S01', 'S02', 'S03'], [0.45, 0.28, 0.27])
  const kind = rng.weightedKey(PERSONA_WEIGHTS)
  const pref = makePreference(rng, gender, kind)

  // Joining and activity span.
  let joinedAt: number
  let activeUntil: number | null = null
  if (kind === 'new') {
    joinedAt = meta.now - rng.float(1, 60) * DAY
  }
  else if (kind === 'lapsed') {
    joinedAt = rng.float(meta.windowStart - 365 * DAY, meta.windowStart + 120 * DAY)
    activeUntil = meta.now - rng.float(183, 400) * DAY
  }
  else {
    joinedAt = rng.float(meta.windowStart - 365 * DAY, meta.now - 60 * DAY)
  }
  const activeFrom = Math.max(joinedAt, meta.windowStart)
  const activeEnd = Math.min(activeUntil ?? meta.now, meta.now - HOUR)

  const platformWeights = {} as Record<Platform, number>
  const primary = rng.weightedKey(PRIMARY_PLATFORM)
  for (const p of platforms) platformWeights[p] = p === primary ? 0.75 : rng.chance(0.3) ? rng.float(0.03, 0.15) : 0
  if (primary !== 'pos' && rng.chance(0.4))
    platformWeights.pos = 0.12
  const unlinkedPlatforms = platforms.filter(p => p !== 'pos' && platformWeights[p] > 0 && rng.chance(0.03))

  const persona: MemberPersona = {
    kind,
    joinedAt: Math.round(joinedAt),
    activeFrom: Math.round(activeFrom),
    activeUntil: activeUntil === null ? null : Math.round(activeUntil),
    cycles: [],
    seasonal: kind === 'seasonal',
    tripsPerYear: 0,
    platformWeights,
    unlinkedPlatforms,
  }
  const ctx: MemberContext = { rng, pref, persona, excludedLeaves: new Set(), spuWeights: new Map() }

  const events: PlannedEvent[] = []
  if (kind === 'cycle' || (kind === 'lapsed' && rng.chance(0.5))) {
    const candidates = LEAVES.map((l, i) => ({ l, i })).filter(x => x.l.cycleDays !== undefined)
    const n = rng.weighted([1, 2, 3], [0.45, 0.4, 0.15])
    for (let k = 0; k < n; k++) {
      const w = candidates.map(x => ctx.excludedLeaves.has(x.i) ? 0 : ((pref.categoryWeights[x.l.category] ?? 0) + 0.02) / LEAVES_PER_CATEGORY.get(x.l.category)! * (x.l.category === '护肤' ? 3 : 1))
      const c = candidates[rng.weightedIndex(w)]!
      if (ctx.excludedLeaves.has(c.i))
        continue
      ctx.excludedLeaves.add(c.i)
      const spu = pickSpu(world, ctx, c.i, activeFrom)
      persona.cycles.push({ leaf: c.l.leaf, category: c.l.category, spuId: spu.spuId, cycleDays: Math.round(c.l.cycleDays! * rng.float(0.85, 1.2)) })
    }
    for (const r of persona.cycles) routineEvents(world, ctx, r, activeFrom, activeEnd, events)
  }
  switch (kind) {
    case 'cycle':
      persona.tripsPerYear = Math.round(rng.float(0.5, 2) * 10) / 10
      break
    case 'seasonal':
      persona.tripsPerYear = Math.round(rng.float(0.3, 1.5) * 10) / 10
      seasonalEvents(world, ctx, activeFrom, activeEnd, events)
      break
    case 'regular':
    case 'lapsed':
      persona.tripsPerYear = Math.round(Math.min(14, Math.max(1.5, rng.gamma(2, 2))) * 10) / 10
      break
    case 'oneoff': {
      const t = rng.float(activeFrom, activeEnd)
      events.push(trip(world, ctx, t))
      if (rng.chance(0.12))
        events.push(trip(world, ctx, Math.min(activeEnd, t + rng.float(2, 30) * DAY)))
      break
    }
    case 'new':
      if (rng.chance(0.7)) {
        const t = rng.float(activeFrom, activeEnd)
        events.push(trip(world, ctx, t))
        if (rng.chance(0.25) && t + 3 * DAY < activeEnd)
          events.push(trip(world, ctx, rng.float(t + 3 * DAY, activeEnd)))
      }
      break
  }
  freeTrips(world, ctx, activeFrom, activeEnd, persona.tripsPerYear, events)

  // Events on the same or next day become one basket.
  events.sort((a, b) => a.t - b.t)
  const baskets: PlannedEvent[] = []
  for (const e of events) {
    const last = baskets[baskets.length - 1]
    if (last && e.t - last.t < 1.5 * DAY)
      last.items.push(...e.items)
    else
      baskets.push({ t: e.t, items: [...e.items] })
  }

  // Identities.
  const buyerIds = new Map<Platform, string>()
  const out = emptyMemberData()
  const platformKeys = platforms.filter(p => platformWeights[p] > 0)
  const platformW = platformKeys.map(p => platformWeights[p])
  let orderId = orderIdStart
  let lineId = lineIdStart
  let lifetimePaid = 0
  const skuById = productIndex(world)
  for (const b of baskets) {
    const platform = rng.weighted(platformKeys, platformW)
    let buyerId = buyerIds.get(platform)
    if (!buyerId) {
      buyerId = buyerIdFor(platform, id, rng)
      buyerIds.set(platform, buyerId)
    }
    const isPos = platform === 'pos'
    const storeId = isPos ? (rng.chance(0.92) ? homeStoreId : rng.pick(['S01', 'S02', 'S03'])) : null
    const paidAt = Math.min(meta.now - 60_000, timeOfDay(rng, shanghaiDay(b.t), isPos))
    const d = new Date(paidAt + SHANGHAI_OFFSET_MS)
    const promo = !isPos && ((d.getUTCMonth() === 10 && d.getUTCDate() <= 11) || (d.getUTCMonth() === 5 && d.getUTCDate() <= 18))
    const qtyBySku = new Map<string, number>()
    for (const it of b.items) qtyBySku.set(it.skuId, (qtyBySku.get(it.skuId) ?? 0) + it.qty)
    orderId++
    let total = 0
    const lines: OrderLineRow[] = []
    for (const [skuId, quantity] of qtyBySku) {
      const p = skuById.get(skuId)!
      const unitPrice = promo ? Math.round(p.price * 0.85 / 100) * 100 : p.price
      const amount = unitPrice * quantity
      total += amount
      lineId++
      lines.push({ id: lineId, orderId, skuId, spuId: p.spuId, quantity, unitPrice, amount })
    }
    let discount = 0
    if (total >= 30_000 && rng.chance(0.35))
      discount = Math.min(3, Math.floor(total / 30_000)) * 3000
    else if (rng.chance(0.1))
      discount = Math.round(total * 0.05)
    const paidAmount = total - discount
    let status: OrderRow['status'] = 'completed'
    let refundedAmount = 0
    if (paidAt > meta.now - 3 * DAY && !isPos) {
      status = rng.chance(0.5) ? 'paid' : 'shipped'
    }
    else {
      const r = rng.next()
      if (r < 0.035) {
        status = 'refunded'
        refundedAmount = paidAmount
      }
      else if (r < 0.055) {
        status = 'cancelled'
        refundedAmount = paidAmount
      }
      else if (r < 0.075 && lines.length > 1) {
        refundedAmount = Math.min(paidAmount, lines[lines.length - 1]!.amount)
      }
    }
    const linked = !unlinkedPlatforms.includes(platform)
    if (linked)
      lifetimePaid += paidAmount - refundedAmount
    out.orders.push({
      id: orderId,
      platform,
      orderNo: orderNumber(platform, orderId, paidAt, storeId, rng),
      memberId: linked ? id : null,
      buyerId,
      storeId,
      status,
      totalAmount: total,
      paidAmount,
      refundedAmount,
      paidAt,
      createdAt: paidAt,
    })
    out.orderLines.push(...lines)
  }
  for (const [platform, buyerId] of buyerIds) {
    if (!unlinkedPlatforms.includes(platform))
      out.memberIdentities.push({ memberId: id, platform, buyerId })
  }

  // An occasional order by a buyer who is not a member at all (unmatched queue).
  if (rng.chance(0.02)) {
    const platform = rng.pick(ONLINE)
    const t = rng.float(meta.windowStart, meta.now - DAY)
    const leafIndex = rng.int(0, LEAVES.length - 1)
    const spu = rng.pick(world.spusByLeaf[leafIndex]!)
    const sku = rng.pick(spu.skus)
    orderId++
    lineId++
    const paidAt = Math.round(t)
    out.orders.push({ id: orderId, platform, orderNo: orderNumber(platform, orderId, paidAt, null, rng), memberId: null, buyerId: `${buyerIdFor(platform, 0, rng)}`, storeId: null, status: 'completed', totalAmount: sku.price, paidAmount: sku.price, refundedAmount: 0, paidAt, createdAt: paidAt })
    out.orderLines.push({ id: lineId, orderId, skuId: sku.skuId, spuId: sku.spuId, quantity: 1, unitPrice: sku.price, amount: sku.price })
  }

  // The member row.
  const level: Level = LEVEL_THRESHOLDS.find(([, min]) => lifetimePaid >= min)![0]
  const phone = `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(9)}`
  const externalKind = kind === 'new' && rng.chance(0.1) ? 'none' : rng.weighted(['wm', 'wo', 'none'] as const, [0.83, 0.02, 0.15])
  const hasUnionid = externalKind === 'wm' ? rng.chance(0.95) : externalKind === 'none' ? rng.chance(0.5) : false
  const birthYear = rng.int(1965, 2004)
  const member: MemberRow = {
    id,
    externalUserid: externalKind === 'none' ? null : `${externalKind}${rng.chars(26, ID_CHARS)}`,
    unionid: hasUnionid ? `o${rng.chars(27, ID_CHARS)}` : null,
    phoneHash: createHash('sha256').update(phone).digest('hex'),
    phoneMasked: `${phone.slice(0, 3)}****${phone.slice(7)}`,
    name,
    avatar: `https://demo.scrm.example/avatar/m/${id}.png`,
    gender,
    city: rng.pick(CITIES_BY_STORE[homeStoreId]!),
    birthday: rng.chance(0.9) ? `${birthYear}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}` : null,
    level,
    homeStoreId,
    createdAt: persona.joinedAt,
  }
  out.members.push(member)

  // Follows and WeCom tags.
  if (member.externalUserid) {
    const guides = world.guidesByStore.get(homeStoreId)!
    const primaryGuide = rng.weighted(guides.userids, guides.weights)
    const topCategory = Object.entries(pref.categoryWeights).sort((a, b) => b[1] - a[1])[0]![0]
    const channel = primary === 'douyin' ? 'live' : primary === 'miniprogram' || primary === 'youzan' ? 'mp' : 'store'
    const addWay = rng.weighted(ADD_WAYS, ADD_WAY_WEIGHTS)
    const state = addWay === 1 || addWay === 16 ? `${channel}_${homeStoreId}` : null
    const firstAdded = Math.round(Math.min(meta.now - HOUR, persona.joinedAt + rng.float(0, 30) * DAY))
    const salutation = `${surname}${gender === 1 ? '先生' : '女士'}`
    const remark = `${salutation} ${level === '普通' ? '' : `${level} `}${REMARK_PHRASE[topCategory] ?? ''}`.trim()
    const favColor = Object.entries(pref.colorWeights).sort((a, b) => b[1] - a[1])[0]![0]
    const description = topCategory === '护肤' || topCategory === '彩妆' || topCategory === '香氛'
      ? (rng.chance(0.5) ? `${rng.pick(['干皮', '油皮', '混合皮', '敏感肌'])}，关注${rng.pick(SKIN_EFFECTS)}` : '')
      : (rng.chance(0.6) ? `尺码${pref.size}，喜欢${favColor}` : '')
    out.follows.push({ guideUserid: primaryGuide, memberId: id, remark, description, addedAt: firstAdded, addWay, state, status: 'active' })
    if (rng.chance(0.1)) {
      const others = guides.userids.filter(u => u !== primaryGuide)
      const second = rng.pick(others)
      const addedAt = Math.round(Math.min(meta.now - HOUR, firstAdded + rng.float(20, 400) * DAY))
      out.follows.push({ guideUserid: second, memberId: id, remark: salutation, description: '', addedAt, addWay: rng.pick([201, 202] as const), state: null, status: 'active' })
    }
    const tagNames: string[] = [`客户等级/${level}`]
    const interest = (cat: string): string => cat === '护肤' || cat === '彩妆' ? cat : Object.entries(pref.styleWeights).sort((a, b) => b[1] - a[1])[0]![0]
    tagNames.push(`兴趣偏好/${interest(topCategory)}`)
    if (rng.chance(0.4)) {
      const second = Object.entries(pref.categoryWeights).sort((a, b) => b[1] - a[1])[1]![0]
      const tag = `兴趣偏好/${interest(second)}`
      if (!tagNames.includes(tag))
        tagNames.push(tag)
    }
    if (state)
      tagNames.push(`来源渠道/${channel === 'store' ? '门店' : channel === 'live' ? '直播' : '小程序'}`)
    if (level === '黑金')
      tagNames.push('规则组·高价值/高价值客户')
    for (const tn of tagNames)
      out.followTags.push({ guideUserid: primaryGuide, memberId: id, tagId: world.tagIdByName.get(tn)!, createdAt: Math.min(meta.now - HOUR, firstAdded + rng.int(0, 14) * DAY) })
  }

  return { data: out, persona, pref, nextOrderId: orderId, nextLineId: lineId }
}

const productIndexCache = new WeakMap<World, Map<string, ProductRow>>()
function productIndex(world: World): Map<string, ProductRow> {
  let m = productIndexCache.get(world)
  if (!m) {
    m = new Map(world.data.products.map(p => [p.skuId, p]))
    productIndexCache.set(world, m)
  }
  return m
}

function resolveOptions(opts: DemoOptions): Required<DemoOptions> {
  return {
    seed: opts.seed ?? 42,
    members: opts.members ?? 3000,
    now: opts.now ?? Date.UTC(2026, 10, 23),
    years: opts.years ?? 2,
    chunkSize: opts.chunkSize ?? 2000,
    sendHistory: opts.sendHistory ?? false,
  }
}

function emptyMemberData(): DemoMemberData {
  return { members: [], memberIdentities: [], follows: [], followTags: [], orders: [], orderLines: [], recommendations: [], sends: [] }
}

/**
 * Streams the dataset: one `static` chunk (stores, staff, catalog, tags, replies), then chunks of
 * `chunkSize` members with their identities, follows, tags, orders and lines (plus their hidden
 * truth). Memory stays bounded by one chunk, so a million members are fine.
 */
export function* generateDemoDataStream(options: DemoOptions = {}): Generator<DemoChunk> {
  const opts = resolveOptions(options)
  const world = buildWorld(opts)
  yield { kind: 'static', meta: world.meta, data: world.data }
  let orderId = 0
  let lineId = 0
  let nextSendId = 1
  let nextRecommendationId = 1
  const history = opts.sendHistory ? createSendHistory({ meta: world.meta, ...world.data }) : null
  for (let first = 1; first <= opts.members; first += opts.chunkSize) {
    const last = Math.min(opts.members, first + opts.chunkSize - 1)
    const data = emptyMemberData()
    const hidden: DemoHidden = { personaByMember: new Map(), preferenceByMember: new Map(), complements: COMPLEMENTS }
    for (let id = first; id <= last; id++) {
      const m = generateMember(world, id, orderId, lineId)
      orderId = m.nextOrderId
      lineId = m.nextLineId
      if (history) {
        const h = history.forMember({ member: m.data.members[0]!, follows: m.data.follows, orders: m.data.orders, orderLines: m.data.orderLines, pref: m.pref }, nextSendId, nextRecommendationId)
        m.data.recommendations = h.recommendations
        m.data.sends = h.sends
        nextSendId = h.nextSendId
        nextRecommendationId = h.nextRecommendationId
      }
      for (const key of Object.keys(data) as (keyof DemoMemberData)[]) {
        const target = data[key] as unknown[]
        for (const row of m.data[key]) target.push(row)
      }
      hidden.personaByMember.set(id, m.persona)
      hidden.preferenceByMember.set(id, m.pref)
    }
    yield { kind: 'members', firstMemberId: first, lastMemberId: last, data, hidden }
  }
}

/** The whole dataset in memory (fine up to ~100k members; use the stream beyond). */
export function generateDemoData(options: DemoOptions = {}): DemoDataset {
  let meta: DemoMeta | undefined
  let statics: DemoStaticData | undefined
  const data = emptyMemberData()
  const hidden: DemoHidden = { personaByMember: new Map(), preferenceByMember: new Map(), complements: COMPLEMENTS }
  for (const chunk of generateDemoDataStream(options)) {
    if (chunk.kind === 'static') {
      meta = chunk.meta
      statics = chunk.data
      continue
    }
    for (const key of Object.keys(data) as (keyof DemoMemberData)[]) {
      const target = data[key] as unknown[]
      for (const row of chunk.data[key]) target.push(row)
    }
    for (const [k, v] of chunk.hidden.personaByMember) hidden.personaByMember.set(k, v)
    for (const [k, v] of chunk.hidden.preferenceByMember) hidden.preferenceByMember.set(k, v)
  }
  if (!meta || !statics)
    throw new Error('generator produced no static chunk')
  return { meta, ...statics, ...data, hidden }
}
