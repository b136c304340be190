// Behaviours judged against our own records, not the message alone; ingest runs them in the batch's transaction.
//
// redpacket_outside_policy — a guide's in-chat red packet (reference §4.6: msgtype `redpacket` or
// `external_redpacket`, body under `redpacket` with `totalamount` in 分 and `totalcnt`). The sidebar pays red
// packets through WeChat Pay, which delivers them outside the chat (§5.1, §5.3); a packet in the chat is WeCom's
// own 红包 button. It is within policy only when a packet this system logged matches it: same guide and customer,
// same amount, created within MATCH_WINDOW_MS, each logged packet matching one message. Otherwise it is named
// unlogged, and also checked against the guide's red-packet limits (redpackets settings): the amount of each
// packet (a group packet's total over its count), the guide's packets and amount that China-time day (logged
// packets the limits hold, as the red-packet counters count them, plus the unlogged in-chat ones up to it).
//
// product_card_outside_policy — a guide's `link` / `news` (H5 cards: what the sidebar's product and material link
// cards become) or `weapp` (mini-program card). A link is from the catalog when its URL is a product's link (then
// it must be on sale), from the material library when it goes through our own origin (material links go through
// our tracked redirect), and otherwise acceptable only on a host some product or live material links to. A
// mini-program card carries no page or appid in the archive (only title and the app's name), so it is from the
// catalog or materials only when a logged mini-program send matches it (same guide and customer, same title,
// within MATCH_WINDOW_MS); if that send was a product, the product must be on sale.
import type { AlertFinding, AlertFindingOf, ArchiveSender, RedPacketBreach, RedPacketSettings, RuleBehaviour } from '@scrm/shared'
import type { AsyncTx } from '../db/port.ts'
import { and, eq, gte, inArray, isNull, lt, lte, notInArray, or, sql } from 'drizzle-orm'
import { archiveMessages, materials, products, redPackets, sends } from '../db/schema.ts'
import { DAY_MS, shanghaiDay, shanghaiDayStart } from '../lib/china-time.ts'
import { loadSettings } from '../redpackets/service.ts'

export const POLICY_BEHAVIOURS = ['redpacket_outside_policy', 'product_card_outside_policy'] as const satisfies readonly RuleBehaviour[]
export type PolicyBehaviour = typeof POLICY_BEHAVIOURS[number]
export const isPolicyBehaviour = (behaviour: RuleBehaviour | null): behaviour is PolicyBehaviour => (POLICY_BEHAVIOURS as readonly string[]).includes(behaviour ?? '')

/** How far apart a logged send and the archived message it produced may be. */
export const MATCH_WINDOW_MS = 10 * 60_000
const RED_PACKET_TYPES = ['redpacket', 'external_redpacket']
const CARD_TYPES = ['link', 'news', 'weapp']
/** Red-packet statuses the limits hold (the counters release failed and refunded packets). */
const HELD_STATUSES = new Set(['sending', 'sent', 'received'])

type Json = Record<string, unknown>
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Json : {})
const str = (value: unknown): string => (typeof value === 'string' ? value : '')

// ── Red packets ──

/** The amount (分; null when the body has none) and number of packets of an in-chat red packet, or null for other types. */
export function inChatRedPacket(msgtype: string, body: Json): { amountFen: number | null, count: number } | null {
  if (!RED_PACKET_TYPES.includes(msgtype))
    return null
  const packet = obj(body.redpacket)
  const amount = Number(packet.totalamount)
  const count = Number(packet.totalcnt)
  return { amountFen: Number.isSafeInteger(amount) && amount >= 0 ? amount : null, count: Number.isSafeInteger(count) && count > 0 ? count : 1 }
}

export interface ArchivedPacket { msgid: string, memberId: number | null, amountFen: number | null, count: number, at: number }
export interface LoggedPacket { id: number, memberId: number, amountFen: number, status: string, at: number }

/** Each archived packet's logged packet (or null): same customer and amount within the window, the closest unclaimed one. */
export function matchRedPackets(archived: ArchivedPacket[], logged: LoggedPacket[], windowMs = MATCH_WINDOW_MS): Map<string, number | null> {
  const claimed = new Set<number>()
  const matches = new Map<string, number | null>()
  for (const packet of [...archived].sort((a, b) => a.at - b.at)) {
    let best: LoggedPacket | null = null
    for (const candidate of logged) {
      if (claimed.has(candidate.id) || candidate.status === 'failed' || packet.memberId === null || candidate.memberId !== packet.memberId || candidate.amountFen !== packet.amountFen || Math.abs(candidate.at - packet.at) > windowMs)
        continue
      if (!best || Math.abs(candidate.at - packet.at) < Math.abs(best.at - packet.at))
        best = candidate
    }
    if (best)
      claimed.add(best.id)
    matches.set(packet.msgid, best?.id ?? null)
  }
  return matches
}

/**
 * What is outside policy about each unlogged archived packet of one guide on one China-time day (`archived` in
 * time order, `logged` the guide's logged packets of that day): its amount and the limits it breaks.
 */
export function redPacketFindings(archived: ArchivedPacket[], logged: LoggedPacket[], matches: Map<string, number | null>, settings: RedPacketSettings): Map<string, AlertFindingOf<'redpacket_unlogged'>> {
  const findings = new Map<string, AlertFindingOf<'redpacket_unlogged'>>()
  const held = logged.filter(packet => HELD_STATUSES.has(packet.status))
  let unloggedCount = 0
  let unloggedFen = 0
  for (const packet of archived) {
    if (matches.get(packet.msgid) !== null)
      continue
    unloggedCount += packet.count
    unloggedFen += packet.amountFen ?? 0
    const breaches: RedPacketBreach[] = []
    if (packet.amountFen !== null) {
      const eachFen = Math.round(packet.amountFen / packet.count)
      if (eachFen > settings.maxFen)
        breaches.push({ limit: 'packet_max', eachFen, limitFen: settings.maxFen })
      else if (eachFen < settings.minFen)
        breaches.push({ limit: 'packet_min', eachFen, limitFen: settings.minFen })
    }
    const before = held.filter(p => p.at <= packet.at)
    const dayCount = before.length + unloggedCount
    const dayFen = before.reduce((sum, p) => sum + p.amountFen, 0) + unloggedFen
    if (dayCount > settings.guideDayCount)
      breaches.push({ limit: 'guide_day_count', dayCount, limitCount: settings.guideDayCount })
    if (dayFen > settings.guideDayFen)
      breaches.push({ limit: 'guide_day_amount', dayFen, limitFen: settings.guideDayFen })
    findings.set(packet.msgid, { kind: 'redpacket_unlogged', amountFen: packet.amountFen, count: packet.count, breaches })
  }
  return findings
}

async function redPacketPolicy(tx: AsyncTx, messages: PolicyMessage[], findings: PolicyFindings): Promise<void> {
  const days = new Map<string, { guide: string, start: number }>()
  for (const message of messages) {
    if (message.sender === 'staff' && message.guideUserid && inChatRedPacket(message.msgtype, message.body)) {
      const start = shanghaiDayStart(shanghaiDay(message.msgtime))
      days.set(`${message.guideUserid}\n${start}`, { guide: message.guideUserid, start })
    }
  }
  if (days.size === 0)
    return
  const settings = await loadSettings(tx)
  const wanted = new Set(messages.map(m => m.msgid))
  for (const { guide, start } of days.values()) {
    const end = start + DAY_MS
    // The whole day as stored (this batch's messages included), so earlier packets count and matches are stable.
    const archivedRows = await tx.select({ msgid: archiveMessages.msgid, msgtype: archiveMessages.msgtype, body: archiveMessages.body, memberId: archiveMessages.memberId, at: archiveMessages.msgtime })
      .from(archiveMessages)
      .where(and(eq(archiveMessages.guideUserid, guide), gte(archiveMessages.msgtime, start), lt(archiveMessages.msgtime, end), eq(archiveMessages.sender, 'staff'), eq(archiveMessages.action, 'send'), inArray(archiveMessages.msgtype, RED_PACKET_TYPES)))
      .orderBy(archiveMessages.msgtime, archiveMessages.id)
    const archived = archivedRows.map(row => ({ msgid: row.msgid, memberId: row.memberId, at: row.at, ...inChatRedPacket(row.msgtype, row.body)! }))
    const loggedRows = await tx.select({ id: redPackets.id, memberId: redPackets.memberId, amountFen: redPackets.amount, status: redPackets.status, at: redPackets.createdAt })
      .from(redPackets)
      .where(and(eq(redPackets.guideUserid, guide), gte(redPackets.createdAt, start - MATCH_WINDOW_MS), lt(redPackets.createdAt, end + MATCH_WINDOW_MS)))
      .orderBy(redPackets.createdAt, redPackets.id)
    const matches = matchRedPackets(archived, loggedRows)
    const inDay = loggedRows.filter(p => p.at >= start && p.at < end)
    for (const [msgid, finding] of redPacketFindings(archived, inDay, matches, settings)) {
      if (wanted.has(msgid))
        findingsOf(findings, msgid).redpacket_outside_policy = finding
    }
  }
}

// ── Links and mini-program cards ──

export type SharedCard = { kind: 'link', urls: string[] } | { kind: 'weapp', title: string, appName: string }

/** The link(s) or mini-program of a card message, or null for other types. */
export function sharedCard(msgtype: string, body: Json): SharedCard | null {
  switch (msgtype) {
    case 'link':
      return { kind: 'link', urls: [str(obj(body.link).link_url)] }
    case 'news': {
      const items = obj(body.info).item
      return { kind: 'link', urls: (Array.isArray(items) ? items : []).map(item => str(obj(item).url)) }
    }
    case 'weapp': {
      const weapp = obj(body.weapp)
      return { kind: 'weapp', title: str(weapp.title), appName: str(weapp.displayname) }
    }
    default:
      return null
  }
}

/** What the catalog and the material library say about a batch's links. */
export interface LinkLookup {
  /** Our own origin (the public URL): material links come through its tracked redirect. */
  ownOrigin: string | null
  /** Products by exact link URL (for a page several SKUs share, the first SKU). */
  productsByUrl: Map<string, { skuId: string, name: string, onSale: boolean }>
  /** Hosts (lower case) some product or live material links to. */
  knownHosts: Set<string>
}

/** Longest unreadable link, card title or app name a finding quotes. */
const QUOTED_URL_MAX = 200
const QUOTED_TEXT_MAX = 100

/** Why a link is outside policy, or null when it is from the catalog or the material library. */
export function linkFinding(raw: string, lookup: LinkLookup): AlertFinding | null {
  let url: URL
  try {
    url = new URL(raw)
  }
  catch {
    return { kind: 'link_unreadable', url: raw.slice(0, QUOTED_URL_MAX) }
  }
  const product = lookup.productsByUrl.get(raw)
  if (product)
    return product.onSale ? null : { kind: 'product_off_sale', card: 'link', skuId: product.skuId, productName: product.name }
  if (url.origin === lookup.ownOrigin || lookup.knownHosts.has(url.hostname.toLowerCase()))
    return null
  return { kind: 'link_outside_library', host: url.hostname }
}

function hostOf(raw: string): string | null {
  try {
    return new URL(raw).hostname.toLowerCase()
  }
  catch {
    return null
  }
}

async function linkLookup(tx: AsyncTx, urls: string[], publicUrl: string): Promise<LinkLookup> {
  const productRows = urls.length ? await tx.select({ skuId: products.skuId, linkUrl: products.linkUrl, name: products.name, status: products.status }).from(products).where(inArray(products.linkUrl, urls)).orderBy(products.skuId) : []
  const productsByUrl: LinkLookup['productsByUrl'] = new Map()
  for (const row of productRows) {
    // Several SKUs of one style may share a page: on sale while any of them is.
    const seen = productsByUrl.get(row.linkUrl)
    productsByUrl.set(row.linkUrl, { skuId: seen?.skuId ?? row.skuId, name: seen?.name ?? row.name, onSale: (seen?.onSale ?? false) || row.status === 'on_sale' })
  }
  const knownHosts = new Set<string>()
  for (const host of new Set(urls.map(hostOf).filter((h): h is string => h !== null))) {
    // `like` with the host's own `%` / `_` escaped; lower() because PostgreSQL's like is case-sensitive.
    const escaped = host.replace(/[\\%_]/g, c => `\\${c}`)
    const onHost = (column: typeof products.linkUrl | typeof materials.linkUrl) => or(...['http', 'https'].flatMap(scheme => [
      sql`lower(${column}) like ${`${scheme}://${escaped}/%`} escape '\\'`,
      sql`lower(${column}) = ${`${scheme}://${host}`}`,
    ]))
    const product = await tx.select({ sku: products.skuId }).from(products).where(onHost(products.linkUrl)).limit(1).get()
    const material = product ? undefined : await tx.select({ id: materials.id }).from(materials).where(and(eq(materials.kind, 'link'), isNull(materials.archivedAt), onHost(materials.linkUrl))).limit(1).get()
    if (product || material)
      knownHosts.add(host)
  }
  return { ownOrigin: hostOf(publicUrl) === null ? null : new URL(publicUrl).origin, productsByUrl, knownHosts }
}

export interface LoggedCardSend { id: number, guideUserid: string, memberId: number, title: string, skuId: string | null, status: string, at: number }

/** Each archived mini-program card's logged send (or null): same guide, customer and title within the window, closest unclaimed. */
export function matchCardSends(cards: { msgid: string, guideUserid: string, memberId: number | null, title: string, at: number }[], logged: LoggedCardSend[], windowMs = MATCH_WINDOW_MS): Map<string, LoggedCardSend | null> {
  const claimed = new Set<number>()
  const matches = new Map<string, LoggedCardSend | null>()
  for (const card of [...cards].sort((a, b) => a.at - b.at)) {
    let best: LoggedCardSend | null = null
    for (const send of logged) {
      if (claimed.has(send.id) || send.status === 'failed' || send.status === 'cancelled' || card.memberId === null || send.memberId !== card.memberId || send.guideUserid !== card.guideUserid || send.title !== card.title || Math.abs(send.at - card.at) > windowMs)
        continue
      if (!best || Math.abs(send.at - card.at) < Math.abs(best.at - card.at))
        best = send
    }
    if (best)
      claimed.add(best.id)
    matches.set(card.msgid, best)
  }
  return matches
}

async function productCardPolicy(tx: AsyncTx, messages: PolicyMessage[], publicUrl: string, findings: PolicyFindings): Promise<void> {
  const cards = messages.flatMap((message) => {
    const card = message.sender === 'staff' && message.guideUserid ? sharedCard(message.msgtype, message.body) : null
    return card ? [{ message, card, guideUserid: message.guideUserid! }] : []
  })
  if (cards.length === 0)
    return
  const urls = [...new Set(cards.flatMap(({ card }) => card.kind === 'link' ? card.urls : []))]
  const lookup = await linkLookup(tx, urls, publicUrl)
  for (const { message, card } of cards) {
    if (card.kind !== 'link')
      continue
    const finding: AlertFinding | null | undefined = card.urls.length === 0 ? { kind: 'link_unreadable', url: '' } : card.urls.map(url => linkFinding(url, lookup)).find(f => f !== null)
    if (finding)
      findingsOf(findings, message.msgid).product_card_outside_policy = finding
  }

  const guides = [...new Set(cards.filter(({ card }) => card.kind === 'weapp').map(c => c.guideUserid))]
  if (guides.length === 0)
    return
  const batchTimes = cards.filter(({ card }) => card.kind === 'weapp').map(c => c.message.msgtime)
  const from = Math.min(...batchTimes) - MATCH_WINDOW_MS
  const to = Math.max(...batchTimes) + MATCH_WINDOW_MS
  // The guides' mini-program cards around the batch as stored (this batch included), so a send claimed by an
  // earlier batch's card stays claimed.
  const archivedRows = await tx.select({ msgid: archiveMessages.msgid, guideUserid: archiveMessages.guideUserid, memberId: archiveMessages.memberId, body: archiveMessages.body, at: archiveMessages.msgtime })
    .from(archiveMessages)
    .where(and(inArray(archiveMessages.guideUserid, guides), gte(archiveMessages.msgtime, from), lte(archiveMessages.msgtime, to), eq(archiveMessages.sender, 'staff'), eq(archiveMessages.action, 'send'), eq(archiveMessages.msgtype, 'weapp')))
    .orderBy(archiveMessages.msgtime, archiveMessages.id)
  const weapps = archivedRows.map((row) => {
    const card = sharedCard('weapp', row.body) as Extract<SharedCard, { kind: 'weapp' }>
    return { msgid: row.msgid, guideUserid: row.guideUserid!, memberId: row.memberId, title: card.title, appName: card.appName, at: row.at }
  })
  const sendRows = await tx.select({ id: sends.id, guideUserid: sends.guideUserid, memberId: sends.memberId, payload: sends.payload, skuId: sends.skuId, status: sends.status, at: sends.createdAt })
    .from(sends)
    .where(and(inArray(sends.guideUserid, guides), eq(sends.kind, 'miniprogram'), gte(sends.createdAt, from - MATCH_WINDOW_MS), lte(sends.createdAt, to + MATCH_WINDOW_MS), notInArray(sends.status, ['failed', 'cancelled'])))
    .orderBy(sends.createdAt, sends.id)
  const logged = sendRows.map(row => ({ ...row, title: str(obj(row.payload.miniprogram).title) }))
  const matches = matchCardSends(weapps, logged)
  const skus = [...new Set([...matches.values()].map(send => send?.skuId).filter((sku): sku is string => Boolean(sku)))]
  const productOf = new Map((skus.length ? await tx.select({ skuId: products.skuId, name: products.name, status: products.status }).from(products).where(inArray(products.skuId, skus)) : []).map(p => [p.skuId, p]))
  const wanted = new Set(cards.map(c => c.message.msgid))
  for (const weapp of weapps.filter(w => wanted.has(w.msgid))) {
    const send = matches.get(weapp.msgid)
    const product = send?.skuId ? productOf.get(send.skuId) : undefined
    const finding: AlertFinding | null = !send
      ? { kind: 'weapp_unlogged', appName: weapp.appName.slice(0, QUOTED_TEXT_MAX), title: weapp.title.slice(0, QUOTED_TEXT_MAX) }
      : product && product.status !== 'on_sale' ? { kind: 'product_off_sale', card: 'weapp', skuId: product.skuId, productName: product.name } : null
    if (finding)
      findingsOf(findings, weapp.msgid).product_card_outside_policy = finding
  }
}

// ── Both ──

export interface PolicyMessage {
  msgid: string
  msgtype: string
  action: string
  sender: ArchiveSender
  guideUserid: string | null
  memberId: number | null
  msgtime: number
  body: Json
}

/** Per message id, what each policy behaviour found. */
export type PolicyFindings = Map<string, Partial<Record<PolicyBehaviour, AlertFinding>>>

function findingsOf(findings: PolicyFindings, msgid: string): Partial<Record<PolicyBehaviour, AlertFinding>> {
  let entry = findings.get(msgid)
  if (!entry) {
    entry = {}
    findings.set(msgid, entry)
  }
  return entry
}

/** Runs the policy behaviours that some enabled rule asks for over a batch's new messages (stored in `tx` already). */
export async function policyFindings(tx: AsyncTx, messages: PolicyMessage[], behaviours: ReadonlySet<PolicyBehaviour>, options: { publicUrl: string }): Promise<PolicyFindings> {
  const findings: PolicyFindings = new Map()
  const sent = messages.filter(m => m.action === 'send')
  if (behaviours.has('redpacket_outside_policy'))
    await redPacketPolicy(tx, sent, findings)
  if (behaviours.has('product_card_outside_policy') && sent.some(m => CARD_TYPES.includes(m.msgtype)))
    await productCardPolicy(tx, sent, options.publicUrl, findings)
  return findings
}
