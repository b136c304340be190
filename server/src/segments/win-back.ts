// The today list's win-back section: members the caller serves whose computed lifecycle is sleeping or
// lost, biggest lifetime spenders first, leaving out anyone sent something within the cooldown. The stage
// and its reason are recomputed from her orders at read time (the tag job runs daily; a purchase since
// then takes her off the list), and her last purchase is read from the orders as they are now.
import type { WinBackItem } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm'
import { memberScope } from '../auth/access.ts'
import { computedMemberTags, follows, members, orderLines, orders, products, sends } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { loadMemberFacts } from './compute-job.ts'
import { lifecycleOf, shanghaiDay } from './computed-tags.ts'

const LAPSED = ['c:lifecycle:sleeping', 'c:lifecycle:lost']

export async function winBackList(db: AsyncDbOrTx, session: Session, options: { now: number, limit: number, cooldownFrom: number }): Promise<WinBackItem[]> {
  const spent = sql<number>`(select coalesce(sum(${qualified(orders.paidAmount)} - ${qualified(orders.refundedAmount)}), 0) from ${orders} where ${qualified(orders.memberId)} = ${qualified(members.id)} and ${qualified(orders.status)} != 'cancelled')`
  const remark = session.role === 'guide'
    ? sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.guideUserid)} = ${session.userid})`
    : sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.status)} = 'active' order by ${qualified(follows.addedAt)} limit 1)`
  // Twice the limit: a few may have bought since the tags were computed.
  const candidates = await db.select({ memberId: members.id, externalUserid: sql<string>`${members.externalUserid}`, name: members.name, avatar: members.avatar, remark, spent })
    .from(members)
    .where(and(
      sql`${members.externalUserid} is not null`,
      memberScope(session, members.id),
      sql`exists (select 1 from ${computedMemberTags} where ${qualified(computedMemberTags.memberId)} = ${qualified(members.id)} and ${inArray(computedMemberTags.tagId, LAPSED)})`,
      sql`not exists (select 1 from ${sends} where ${qualified(sends.memberId)} = ${qualified(members.id)} and ${qualified(sends.status)} = 'sent' and ${qualified(sends.createdAt)} >= ${options.cooldownFrom})`,
    ))
    .orderBy(desc(spent), asc(members.id))
    .limit(options.limit * 2)
    .all()
  if (candidates.length === 0)
    return []

  const facts = new Map((await loadMemberFacts(db, candidates.map(c => c.memberId))).map(f => [f.memberId, f]))
  const today = shanghaiDay(options.now)
  const out: WinBackItem[] = []
  for (const c of candidates) {
    const bought = (facts.get(c.memberId)?.orders ?? []).filter(o => o.net > 0)
    const days = [...new Set(bought.map(o => shanghaiDay(o.paidAt)))].sort((a, b) => a - b)
    const life = lifecycleOf(days, today)
    if (life.stage !== 'sleeping' && life.stage !== 'lost')
      continue
    const last = await db.select({ id: orders.id, paidAt: orders.paidAt, platform: orders.platform, net: sql<number>`${orders.paidAmount} - ${orders.refundedAmount}` })
      .from(orders)
      .where(and(eq(orders.memberId, c.memberId), ne(orders.status, 'cancelled'), sql`${orders.paidAmount} - ${orders.refundedAmount} > 0`))
      .orderBy(desc(orders.paidAt), desc(orders.id))
      .limit(1)
      .get()
    if (!last)
      continue
    const items = await db.select({ name: products.name, quantity: orderLines.quantity }).from(orderLines).innerJoin(products, eq(products.skuId, orderLines.skuId)).where(eq(orderLines.orderId, last.id)).orderBy(desc(orderLines.amount), asc(orderLines.id)).all()
    out.push({
      memberId: c.memberId,
      externalUserid: c.externalUserid,
      name: c.name,
      avatar: c.avatar,
      remark: c.remark,
      stage: life.stage,
      reason: life.explanation,
      spentFen: Number(c.spent),
      lastOrder: { paidAt: Number(last.paidAt), platform: last.platform, netFen: Number(last.net), items },
    })
    if (out.length >= options.limit)
      break
  }
  return out
}
