// The today list's win-back section: members the caller serves whose computed lifecycle is sleeping or
// lost, biggest lifetime spenders first, leaving out anyone sent something within the cooldown. The stage
// and its reason are recomputed from her orders at read time (the tag job runs daily; a purchase since
// then takes her off the list), and her last purchase is read from the orders as they are now.
import type { Platform, WinBackItem } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm'
import { memberListScope } from '../auth/access.ts'
import { computedMemberTags, follows, members, orderLines, orders, products, sends } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { shanghaiDay } from '../lib/china-time.ts'
import { lifecycleOf, purchaseDays } from './computed-tags.ts'
import { spent } from './service.ts'

const LAPSED = ['c:lifecycle:sleeping', 'c:lifecycle:lost']

interface Purchase { id: number, paidAt: number, platform: Platform, net: number }

export async function winBackList(db: AsyncDbOrTx, session: Session, options: { now: number, limit: number, cooldownFrom: number }): Promise<WinBackItem[]> {
  const remark = session.role === 'guide'
    ? sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.guideUserid)} = ${session.userid})`
    : sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.status)} = 'active' order by ${qualified(follows.addedAt)} limit 1)`
  // Twice the limit: a few may have bought since the tags were computed.
  const candidates = await db.select({ memberId: members.id, externalUserid: sql<string>`${members.externalUserid}`, name: members.name, avatar: members.avatar, remark, spent })
    .from(members)
    .where(and(
      sql`${members.externalUserid} is not null`,
      memberListScope(session, members.id),
      sql`exists (select 1 from ${computedMemberTags} where ${qualified(computedMemberTags.memberId)} = ${qualified(members.id)} and ${inArray(computedMemberTags.tagId, LAPSED)})`,
      sql`not exists (select 1 from ${sends} where ${qualified(sends.memberId)} = ${qualified(members.id)} and ${qualified(sends.status)} = 'sent' and ${qualified(sends.createdAt)} >= ${options.cooldownFrom})`,
    ))
    .orderBy(desc(spent), asc(members.id))
    .limit(options.limit * 2)
    .all()
  if (candidates.length === 0)
    return []

  // Her purchases (net > 0) in one query for all candidates, oldest first: the lifecycle and the last order.
  const bought = new Map<number, Purchase[]>()
  for (const o of await db.select({ id: orders.id, memberId: sql<number>`${orders.memberId}`, paidAt: orders.paidAt, platform: orders.platform, net: sql<number>`${orders.paidAmount} - ${orders.refundedAmount}` })
    .from(orders)
    .where(and(inArray(orders.memberId, candidates.map(c => c.memberId)), ne(orders.status, 'cancelled'), sql`${orders.paidAmount} - ${orders.refundedAmount} > 0`))
    .orderBy(asc(orders.paidAt), asc(orders.id))
    .all()) {
    const list = bought.get(Number(o.memberId)) ?? []
    list.push({ id: o.id, paidAt: Number(o.paidAt), platform: o.platform, net: Number(o.net) })
    bought.set(Number(o.memberId), list)
  }
  const today = shanghaiDay(options.now)
  const chosen: (Omit<WinBackItem, 'lastOrder'> & { last: Purchase })[] = []
  for (const c of candidates) {
    const mine = bought.get(c.memberId) ?? []
    const life = lifecycleOf(purchaseDays(mine.map(o => o.paidAt)), today)
    const last = mine.at(-1)
    if (!last || (life.stage !== 'sleeping' && life.stage !== 'lost'))
      continue
    chosen.push({ memberId: c.memberId, externalUserid: c.externalUserid, name: c.name, avatar: c.avatar, remark: c.remark, stage: life.stage, reason: life.explanation, spentFen: Number(c.spent), last })
    if (chosen.length >= options.limit)
      break
  }
  if (chosen.length === 0)
    return []
  const itemsOf = new Map<number, WinBackItem['lastOrder']['items']>()
  for (const { orderId, ...item } of await db.select({ orderId: orderLines.orderId, name: products.name, quantity: orderLines.quantity })
    .from(orderLines)
    .innerJoin(products, eq(products.skuId, orderLines.skuId))
    .where(inArray(orderLines.orderId, chosen.map(c => c.last.id)))
    .orderBy(desc(orderLines.amount), asc(orderLines.id))
    .all()) {
    const list = itemsOf.get(orderId) ?? []
    list.push(item)
    itemsOf.set(orderId, list)
  }
  return chosen.map(({ last, ...item }) => ({ ...item, lastOrder: { paidAt: last.paidAt, platform: last.platform, netFen: last.net, items: itemsOf.get(last.id) ?? [] } }))
}
