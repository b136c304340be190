// 今日待联系: the members a guide (or a supervisor's store) serves, ranked by what contacting them
// today is worth — P(buy in 30 d) × expected order value from `member_scores` — leaving out members
// anyone sent something to in the last `contactCooldownDays`. Members with blank numbers (thin or
// no history) rank last with score 0 rather than with an invented one.
//
// Lead products are the first items of each member's precomputed list (precomputed.ts), the same list the
// sidebar shows, but are NOT logged as `recommendations` rows: nothing is sent from this tab directly (the
// guide opens the chat, where the sidebar's own, logged recommendation is what a send points to).
import type { RecommendedProduct, TodayList } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, inArray, sql } from 'drizzle-orm'
import { memberListScope } from '../auth/access.ts'
import { follows, memberRecommendations, members, memberScores, sends } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { DAY_MS } from '../lib/china-time.ts'
import { winBackList } from '../segments/win-back.ts'

export interface TodayOptions {
  now: () => number
  contactCooldownDays?: number
  /** Lead products per member (2-3). */
  leadProducts?: number
  /** Members in the win-back section (sleeping/lost). */
  winBackLimit?: number
}

export async function todayList(db: AsyncDbOrTx, session: Session, query: { limit: number }, options: TodayOptions): Promise<TodayList> {
  const now = options.now()
  const cooldownFrom = now - (options.contactCooldownDays ?? 3) * DAY_MS
  const remark = session.role === 'guide'
    ? sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.guideUserid)} = ${session.userid})`
    : sql<string | null>`(select ${qualified(follows.remark)} from ${follows} where ${qualified(follows.memberId)} = ${qualified(members.id)} and ${qualified(follows.status)} = 'active' order by ${qualified(follows.addedAt)} limit 1)`
  const lastContactAt = sql<number | null>`(select max(${qualified(sends.createdAt)}) from ${sends} where ${qualified(sends.memberId)} = ${qualified(members.id)} and ${qualified(sends.status)} = 'sent')`
  const worth = sql<number>`coalesce(${qualified(memberScores.pBuy30)}, 0) * coalesce(${qualified(memberScores.expectedValue)}, 0)`
  const rows = await db.select({
    memberId: members.id,
    externalUserid: sql<string>`${members.externalUserid}`,
    name: members.name,
    avatar: members.avatar,
    remark,
    score: worth,
    pBuy30: memberScores.pBuy30,
    expectedValue: memberScores.expectedValue,
    expectedNextAt: memberScores.expectedNextAt,
    sufficiency: memberScores.sufficiency,
    lastContactAt,
  }).from(members).leftJoin(memberScores, sql`${qualified(memberScores.memberId)} = ${qualified(members.id)}`).where(and(
    sql`${members.externalUserid} is not null`,
    memberListScope(session, members.id),
    sql`not exists (select 1 from ${sends} where ${qualified(sends.memberId)} = ${qualified(members.id)} and ${qualified(sends.status)} = 'sent' and ${qualified(sends.createdAt)} >= ${cooldownFrom})`,
  )).orderBy(sql`${worth} desc`, asc(members.id)).limit(query.limit).all()

  const k = Math.min(3, Math.max(2, options.leadProducts ?? 3))
  const ids = rows.map(r => r.memberId)
  const lists = new Map<number, RecommendedProduct[]>()
  if (ids.length) {
    for (const l of await db.select({ memberId: memberRecommendations.memberId, items: memberRecommendations.items }).from(memberRecommendations).where(inArray(memberRecommendations.memberId, ids)).all())
      lists.set(l.memberId, l.items)
  }
  return {
    generatedAt: now,
    winBack: await winBackList(db, session, { now, limit: options.winBackLimit ?? 10, cooldownFrom }),
    items: rows.map((r) => {
      const ok = r.sufficiency === 'ok'
      return {
        memberId: r.memberId,
        externalUserid: r.externalUserid,
        name: r.name,
        avatar: r.avatar,
        remark: r.remark,
        score: Math.round(r.score),
        pBuy30: ok ? r.pBuy30 : null,
        expectedValue: ok ? r.expectedValue : null,
        expectedNextAt: ok ? r.expectedNextAt : null,
        lastContactAt: r.lastContactAt,
        leadProducts: (lists.get(r.memberId) ?? []).slice(0, k),
      }
    }),
  }
}
