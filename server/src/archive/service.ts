// Reading the archive: conversations, transcripts with ±N context, full-text search, the access log,
// ingest status and the per-guide dashboard. Every read a person makes is logged by the routes (routes.ts).
import type { AccessLogPage, AccessLogQuery, ArchiveAccessAction, ArchiveConversation, ArchiveMessage, ArchiveSearchQuery, ArchiveSearchResult, ArchiveStatus, ConversationList, ConversationListQuery, Dashboard, Transcript, TranscriptQuery } from '@scrm/shared'
import type { SQL } from 'drizzle-orm'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import { archiveAccessLog, archiveAlerts, archiveCheckpoints, archiveConversations, archiveMessages, archiveRejects, archiveRules, archiveTerms, members, redPackets, staff, stores } from '../db/schema.ts'
import { shanghaiDate } from '../lib/china-time.ts'
import { badRequest, notFound } from '../plugins/errors.ts'
import { conversionReport } from '../reports/service.ts'
import { archiveScope } from './scope.ts'
import { containsPattern, highlight, parseSearchQuery, SearchQueryError } from './search-terms.ts'

/** Postings counted per bigram to pick the rarest one to drive a search (bounded: a common bigram stops here). */
const POSTINGS_PROBE = 5000

type MessageRow = typeof archiveMessages.$inferSelect

export interface AccessContext {
  ip: string
  userAgent: string
}

/** Appends one access-log row (the table is append-only: nothing updates or deletes it). */
export async function logAccess(db: AsyncDbOrTx, session: Session, context: AccessContext, action: ArchiveAccessAction, target: string, at: number): Promise<void> {
  await db.insert(archiveAccessLog).values({ at, userid: session.userid, role: session.role, action, target: target.slice(0, 500), ip: context.ip, userAgent: context.userAgent.slice(0, 300) })
}

const conversationColumns = {
  id: archiveConversations.id,
  roomid: archiveConversations.roomid,
  guideUserid: archiveConversations.guideUserid,
  guideName: staff.name,
  externalUserid: archiveConversations.externalUserid,
  memberId: archiveConversations.memberId,
  memberName: members.name,
  storeId: archiveConversations.storeId,
  storeName: stores.name,
  firstAt: archiveConversations.firstAt,
  lastAt: archiveConversations.lastAt,
  messageCount: archiveConversations.messageCount,
  unansweredSince: archiveConversations.unansweredSince,
}

function conversationQuery(db: AsyncDbOrTx) {
  return db.select(conversationColumns).from(archiveConversations).leftJoin(staff, eq(staff.userid, archiveConversations.guideUserid)).leftJoin(members, eq(members.id, archiveConversations.memberId)).leftJoin(stores, eq(stores.id, archiveConversations.storeId))
}

export async function listConversations(db: AsyncDbOrTx, session: Session, query: ConversationListQuery): Promise<ConversationList> {
  const where = and(
    archiveScope(session, archiveConversations.storeId),
    query.storeId ? eq(archiveConversations.storeId, query.storeId) : undefined,
    query.guideUserid ? eq(archiveConversations.guideUserid, query.guideUserid) : undefined,
    query.memberId ? eq(archiveConversations.memberId, query.memberId) : undefined,
  )
  const [total] = await db.select({ n: count() }).from(archiveConversations).where(where)
  const conversations = await conversationQuery(db).where(where).orderBy(desc(archiveConversations.lastAt), desc(archiveConversations.id)).limit(query.limit ?? 50).offset(query.offset ?? 0)
  return { total: Number(total?.n ?? 0), conversations }
}

/** The conversation, or 404 when it does not exist or is another store's. */
export async function conversationFor(db: AsyncDbOrTx, session: Session, id: number): Promise<ArchiveConversation> {
  const row = await conversationQuery(db).where(and(eq(archiveConversations.id, id), archiveScope(session, archiveConversations.storeId))).get()
  if (!row)
    throw notFound('conversation not found')
  return row
}

async function namesOf(db: AsyncDbOrTx, rows: MessageRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.map(r => r.fromId))]
  if (ids.length === 0)
    return new Map()
  const staffNames = await db.select({ id: staff.userid, name: staff.name }).from(staff).where(inArray(staff.userid, ids))
  const memberNames = await db.select({ id: members.externalUserid, name: members.name }).from(members).where(inArray(members.externalUserid, ids))
  return new Map([...staffNames, ...memberNames].map(n => [n.id!, n.name]))
}

function toMessage(row: MessageRow, names: Map<string, string>): ArchiveMessage {
  return {
    id: row.id,
    seq: row.seq,
    msgid: row.msgid,
    conversationId: row.conversationId,
    msgtime: row.msgtime,
    msgtype: row.msgtype,
    action: row.action,
    from: row.fromId,
    fromName: names.get(row.fromId) ?? null,
    sender: row.sender,
    content: row.content,
    body: row.body,
    mediaStatus: row.mediaStatus,
    mediaSha256: row.mediaSha256,
    recalledAt: row.recalledAt,
  }
}

export async function transcript(db: AsyncDbOrTx, session: Session, conversationId: number, query: TranscriptQuery): Promise<Transcript> {
  const conversation = await conversationFor(db, session, conversationId)
  const inConversation = eq(archiveMessages.conversationId, conversationId)
  let rows: MessageRow[]
  let hasOlder: boolean
  let hasNewer: boolean
  if (query.around !== undefined) {
    const context = query.context ?? 5
    const center = await db.select({ id: archiveMessages.id }).from(archiveMessages).where(and(inConversation, eq(archiveMessages.id, query.around))).get()
    if (!center)
      throw notFound('message not found in this conversation')
    const before = await db.select().from(archiveMessages).where(and(inConversation, lt(archiveMessages.id, query.around))).orderBy(desc(archiveMessages.id)).limit(context + 1)
    const after = await db.select().from(archiveMessages).where(and(inConversation, gte(archiveMessages.id, query.around))).orderBy(asc(archiveMessages.id)).limit(context + 2)
    hasOlder = before.length > context
    hasNewer = after.length > context + 1
    rows = [...before.slice(0, context).reverse(), ...after.slice(0, context + 1)]
  }
  else {
    const limit = query.limit ?? 100
    const page = await db.select().from(archiveMessages).where(and(inConversation, query.before ? lt(archiveMessages.id, query.before) : undefined)).orderBy(desc(archiveMessages.id)).limit(limit + 1)
    hasOlder = page.length > limit
    hasNewer = query.before !== undefined && Boolean(await db.select({ id: archiveMessages.id }).from(archiveMessages).where(and(inConversation, gte(archiveMessages.id, query.before))).limit(1).get())
    rows = page.slice(0, limit).reverse()
  }
  const names = await namesOf(db, rows)
  return { conversation, messages: rows.map(r => toMessage(r, names)), hasOlder, hasNewer }
}

/** One message (for its media), or 404 when it is not in a conversation the session may see. */
export async function messageFor(db: AsyncDbOrTx, session: Session, id: number): Promise<MessageRow> {
  const row = await db.select().from(archiveMessages).where(and(eq(archiveMessages.id, id), archiveScope(session, archiveMessages.storeId))).get()
  if (!row)
    throw notFound('message not found')
  return row
}

/**
 * Full-text search (search-terms.ts): the rarest bigram of the query drives the scan of its postings,
 * newest first; each candidate must contain every query word in its stored text, so hits are exact.
 * With a guide or member filter and only common bigrams, the filter's index drives instead.
 */
export async function searchArchive(db: AsyncDbOrTx, session: Session, query: ArchiveSearchQuery): Promise<ArchiveSearchResult> {
  let parsed
  try {
    parsed = parseSearchQuery(query.q)
  }
  catch (error) {
    if (error instanceof SearchQueryError)
      throw badRequest(`q: ${error.message}`)
    throw error
  }
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to)
    throw badRequest('from must be before to')
  const limit = query.limit ?? 50
  const filters: (SQL | undefined)[] = [
    archiveScope(session, archiveMessages.storeId),
    query.storeId ? eq(archiveMessages.storeId, query.storeId) : undefined,
    query.guideUserid ? eq(archiveMessages.guideUserid, query.guideUserid) : undefined,
    query.memberId ? eq(archiveMessages.memberId, query.memberId) : undefined,
    query.msgtype ? eq(archiveMessages.msgtype, query.msgtype) : undefined,
    query.from !== undefined ? gte(archiveMessages.msgtime, query.from) : undefined,
    query.to !== undefined ? lt(archiveMessages.msgtime, query.to) : undefined,
    ...parsed.words.map(word => sql`${archiveMessages.searchText} like ${containsPattern(word)} escape '\\'`),
  ]
  const terms = [...new Set(parsed.terms.flat())]
  // Every bigram's bounded posting count in one statement (a long word has dozens of bigrams).
  const counted = await db.all<[number, number]>(sql.join(terms.map((term, i) =>
    sql`select ${sql.raw(String(i))}, count(*) from (select 1 from ${archiveTerms} where ${archiveTerms.term} = ${term} limit ${POSTINGS_PROBE}) as probe_${sql.raw(String(i))}`), sql` union all `))
  // The port returns raw rows as value arrays.
  const postings = (counted as unknown as [number, number][]).map(([i, n]) => ({ term: terms[Number(i)]!, n: Number(n) }))
  postings.sort((a, b) => a.n - b.n)
  const rarest = postings[0]!
  let ids: number[]
  if (rarest.n === 0) {
    ids = []
  }
  else if (rarest.n >= POSTINGS_PROBE && (query.guideUserid || query.memberId)) {
    ids = (await db.select({ id: archiveMessages.id }).from(archiveMessages).where(and(...filters, query.before ? lt(archiveMessages.id, query.before) : undefined)).orderBy(desc(archiveMessages.id)).limit(limit + 1)).map(r => r.id)
  }
  else {
    ids = (await db.select({ id: archiveTerms.messageId }).from(archiveTerms).innerJoin(archiveMessages, eq(archiveMessages.id, archiveTerms.messageId)).where(and(eq(archiveTerms.term, rarest.term), query.before ? lt(archiveTerms.messageId, query.before) : undefined, ...filters)).orderBy(desc(archiveTerms.messageId)).limit(limit + 1)).map(r => r.id)
  }
  const more = ids.length > limit
  ids = ids.slice(0, limit)
  if (ids.length === 0)
    return { terms: parsed.words, hits: [], more: false }
  const rows = await db.select().from(archiveMessages).where(inArray(archiveMessages.id, ids)).orderBy(desc(archiveMessages.id))
  const conversations = new Map((await conversationQuery(db).where(inArray(archiveConversations.id, [...new Set(rows.map(r => r.conversationId))]))).map(c => [c.id, c]))
  const names = await namesOf(db, rows)
  return {
    terms: parsed.words,
    hits: rows.map(row => ({ message: toMessage(row, names), conversation: conversations.get(row.conversationId)!, highlight: highlight(row.content, parsed.words) })),
    more,
  }
}

export async function readAccessLog(db: AsyncDbOrTx, query: AccessLogQuery): Promise<AccessLogPage> {
  const where = and(
    query.userid ? eq(archiveAccessLog.userid, query.userid) : undefined,
    query.action ? eq(archiveAccessLog.action, query.action) : undefined,
    query.from !== undefined ? gte(archiveAccessLog.at, query.from) : undefined,
    query.to !== undefined ? lt(archiveAccessLog.at, query.to) : undefined,
  )
  const [total] = await db.select({ n: count() }).from(archiveAccessLog).where(where)
  const entries = await db.select().from(archiveAccessLog).where(where).orderBy(desc(archiveAccessLog.id)).limit(query.limit ?? 100).offset(query.offset ?? 0)
  return { total: Number(total?.n ?? 0), entries }
}

export async function archiveStatus(db: AsyncDbOrTx, sourceName: string): Promise<ArchiveStatus> {
  const checkpoint = await db.select().from(archiveCheckpoints).where(eq(archiveCheckpoints.source, sourceName)).get()
  const reasons = await db.select({ reason: archiveRejects.reason, n: count() }).from(archiveRejects).where(eq(archiveRejects.source, sourceName)).groupBy(archiveRejects.reason)
  return {
    source: sourceName,
    checkpointSeq: checkpoint?.seq ?? 0,
    stored: checkpoint?.stored ?? 0,
    duplicates: checkpoint?.duplicates ?? 0,
    rejected: checkpoint?.rejected ?? 0,
    notAgreed: checkpoint?.notAgreed ?? 0,
    rejectsByReason: Object.fromEntries(reasons.map(r => [r.reason, Number(r.n)])),
  }
}

function median(values: number[]): number | null {
  if (values.length === 0)
    return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export async function dashboard(db: AsyncDbOrTx, session: Session, range: { from: number, to: number }): Promise<Dashboard> {
  const inWindow = and(gte(archiveMessages.msgtime, range.from), lt(archiveMessages.msgtime, range.to), isNotNull(archiveMessages.guideUserid), archiveScope(session, archiveMessages.storeId))
  const volumes = await db.select({
    guideUserid: archiveMessages.guideUserid,
    messages: count(),
    customerMessages: sql<number>`count(case when ${archiveMessages.sender} = 'customer' then 1 end)`,
  }).from(archiveMessages).where(inWindow).groupBy(archiveMessages.guideUserid)
  const responses = await db.select({ guideUserid: archiveMessages.guideUserid, ms: archiveMessages.responseMs }).from(archiveMessages).where(and(inWindow, isNotNull(archiveMessages.responseMs)))
  const unanswered = await db.select({ guideUserid: archiveConversations.guideUserid, n: count() }).from(archiveConversations).where(and(isNotNull(archiveConversations.unansweredSince), archiveScope(session, archiveConversations.storeId))).groupBy(archiveConversations.guideUserid)
  const alertRows = await db.select({ guideUserid: archiveAlerts.guideUserid, raisedAt: archiveAlerts.raisedAt, ruleName: archiveRules.name }).from(archiveAlerts).innerJoin(archiveRules, eq(archiveRules.id, archiveAlerts.ruleId)).where(and(gte(archiveAlerts.raisedAt, range.from), lt(archiveAlerts.raisedAt, range.to), archiveScope(session, archiveAlerts.storeId)))
  const conversion = await conversionReport(db, session, range)
  // Paid out as the red-packet spend report counts it (redpackets/report.ts): sent or received.
  const spend = await db.select({ guideUserid: redPackets.guideUserid, fen: sql<number>`coalesce(sum(${redPackets.amount}), 0)` }).from(redPackets).where(and(gte(redPackets.createdAt, range.from), lt(redPackets.createdAt, range.to), inArray(redPackets.status, ['sent', 'received']), archiveScope(session, redPackets.storeId))).groupBy(redPackets.guideUserid)
  const guides = await db.select({ userid: staff.userid, name: staff.name, storeId: staff.storeId }).from(staff).where(and(eq(staff.role, 'guide'), session.role === 'supervisor' ? eq(staff.storeId, session.storeId ?? '') : undefined)).orderBy(staff.userid)

  // Each source grouped by guide once (not searched per guide).
  const volumeOf = new Map(volumes.map(v => [v.guideUserid, v]))
  const salesOf = new Map(conversion.rows.map(r => [r.guideUserid, r]))
  const unansweredOf = new Map(unanswered.map(u => [u.guideUserid, Number(u.n)]))
  const spendOf = new Map(spend.map(s => [s.guideUserid, Number(s.fen)]))
  const waitsOf = new Map<string | null, number[]>()
  for (const r of responses) {
    const waits = waitsOf.get(r.guideUserid) ?? []
    waits.push(r.ms! / 60_000)
    waitsOf.set(r.guideUserid, waits)
  }
  const alertsOf = new Map<string | null, number>()
  for (const a of alertRows)
    alertsOf.set(a.guideUserid, (alertsOf.get(a.guideUserid) ?? 0) + 1)

  const rows = guides.map((guide) => {
    const volume = volumeOf.get(guide.userid)
    const sales = salesOf.get(guide.userid)
    const firstResponse = median(waitsOf.get(guide.userid) ?? [])
    return {
      guideUserid: guide.userid,
      guideName: guide.name,
      storeId: guide.storeId,
      messages: Number(volume?.messages ?? 0),
      customerMessages: Number(volume?.customerMessages ?? 0),
      medianFirstResponseMinutes: firstResponse === null ? null : Math.round(firstResponse * 10) / 10,
      unansweredChats: unansweredOf.get(guide.userid) ?? 0,
      sends: (sales?.recommendedSends ?? 0) + (sales?.manualSends ?? 0),
      convertedSends: (sales?.recommendedConverted ?? 0) + (sales?.manualConverted ?? 0),
      attributedRevenue: sales?.attributedRevenue ?? 0,
      alerts: alertsOf.get(guide.userid) ?? 0,
      redPacketFen: spendOf.get(guide.userid) ?? 0,
    }
  }).filter(row => row.messages > 0 || row.sends > 0 || row.alerts > 0 || row.unansweredChats > 0 || row.redPacketFen > 0)

  const byDayRule = new Map<string, { day: string, ruleName: string, count: number }>()
  for (const alert of alertRows) {
    const day = shanghaiDate(alert.raisedAt)
    const key = `${day}\n${alert.ruleName}`
    const entry = byDayRule.get(key) ?? { day, ruleName: alert.ruleName, count: 0 }
    entry.count++
    byDayRule.set(key, entry)
  }
  return {
    from: range.from,
    to: range.to,
    guides: rows,
    alertsByRule: [...byDayRule.values()].sort((a, b) => a.day.localeCompare(b.day) || a.ruleName.localeCompare(b.ruleName)),
  }
}
