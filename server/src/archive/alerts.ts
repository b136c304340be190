// Rules and alerts: the rule editor's writes, reply-timeout sweeps, alert transitions
// (open → acknowledged → resolved with a note) and the supervisors' WeCom app message for new alerts.
import type { Alert, AlertFinding, AlertList, AlertListQuery, AlertTransition, Rule, RuleInput } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, count, desc, eq, inArray, isNotNull, isNull, lte, ne, sql } from 'drizzle-orm'
import { archiveAlerts, archiveConversations, archiveMessages, archiveRules, members, staff, stores } from '../db/schema.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { badRequest, conflict, notFound } from '../plugins/errors.ts'
import { appliesTo, compilePattern, workingMsBetween } from './detect.ts'
import { matchedText } from './findings.ts'
import { NOTIFY_JOB } from './ingest.ts'
import { archiveScope } from './scope.ts'

type RuleRow = typeof archiveRules.$inferSelect
const ALERT_ROWS_PER_INSERT = 200

export function toRule(row: RuleRow): Rule {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    scope: row.scope,
    scopeId: row.scopeId,
    words: row.words,
    pattern: row.pattern,
    behaviour: row.behaviour,
    timeoutMinutes: row.timeoutMinutes,
    workStartMinute: row.workStartMinute,
    workEndMinute: row.workEndMinute,
    notify: row.notify,
    enabled: row.enabled,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
  }
}

/** Checks a rule against its kind and the editor's reach; returns the columns to write. */
async function validRule(db: AsyncDbOrTx, session: Session, input: RuleInput) {
  const scopeId = input.scope === 'brand' ? null : (input.scopeId ?? null)
  if (input.scope !== 'brand' && !scopeId)
    throw badRequest(`scopeId is required for a ${input.scope} rule`)
  if (session.role === 'supervisor') {
    // A supervisor writes rules for their own store and its guides only.
    if (input.scope === 'brand')
      throw badRequest('only an admin may write brand-wide rules; choose your store or one of its guides')
    const ok = input.scope === 'store'
      ? scopeId === session.storeId
      : Boolean(await db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.userid, scopeId!), eq(staff.storeId, session.storeId ?? ''))).get())
    if (!ok)
      throw badRequest(`scopeId ${scopeId} is not your store or one of its guides`)
  }
  else if (input.scope === 'store' && !(await db.select({ id: stores.id }).from(stores).where(eq(stores.id, scopeId!)).get())) {
    throw badRequest(`no store ${scopeId}`)
  }
  else if (input.scope === 'guide' && !(await db.select({ userid: staff.userid }).from(staff).where(eq(staff.userid, scopeId!)).get())) {
    throw badRequest(`no staff member ${scopeId}`)
  }
  const words = [...new Set((input.words ?? []).map(w => w.trim()).filter(Boolean))]
  if (input.kind === 'keyword' && words.length === 0)
    throw badRequest('a keyword rule needs words')
  if (input.kind === 'pattern' && (!input.pattern || !compilePattern(input.pattern)))
    throw badRequest('pattern is not a valid regular expression')
  if (input.kind === 'behaviour' && !input.behaviour)
    throw badRequest('a behaviour rule needs behaviour')
  if (input.kind === 'reply_timeout' && !input.timeoutMinutes)
    throw badRequest('a reply_timeout rule needs timeoutMinutes')
  const workStartMinute = input.workStartMinute ?? 540
  const workEndMinute = input.workEndMinute ?? 1260
  if (workEndMinute <= workStartMinute)
    throw badRequest('workEndMinute must be after workStartMinute')
  return {
    name: input.name.trim(),
    kind: input.kind,
    scope: input.scope,
    scopeId,
    words: input.kind === 'keyword' ? words : [],
    pattern: input.kind === 'pattern' ? input.pattern! : null,
    behaviour: input.kind === 'behaviour' ? input.behaviour! : null,
    timeoutMinutes: input.kind === 'reply_timeout' ? input.timeoutMinutes! : null,
    workStartMinute,
    workEndMinute,
    notify: input.notify ?? true,
    enabled: input.enabled ?? true,
  }
}

/** Rules a session may see and edit: an admin all; a supervisor their store's and its guides' (brand rules read-only). */
function ruleScope(session: Session) {
  if (session.role === 'admin')
    return undefined
  return sql`(${archiveRules.scope} = 'brand' or (${archiveRules.scope} = 'store' and ${archiveRules.scopeId} = ${session.storeId ?? ''})
    or (${archiveRules.scope} = 'guide' and ${archiveRules.scopeId} in (select ${staff.userid} from ${staff} where ${staff.storeId} = ${session.storeId ?? ''})))`
}

export async function listRules(db: AsyncDbOrTx, session: Session): Promise<Rule[]> {
  return (await db.select().from(archiveRules).where(ruleScope(session)).orderBy(archiveRules.id)).map(toRule)
}

export async function createRule(db: AsyncDbOrTx, session: Session, input: RuleInput, now: number): Promise<Rule> {
  const values = await validRule(db, session, input)
  const [row] = await db.insert(archiveRules).values({ ...values, createdBy: session.userid, createdAt: now, updatedAt: now }).returning()
  return toRule(row!)
}

export async function updateRule(db: AsyncDbOrTx, session: Session, id: number, input: RuleInput, now: number): Promise<Rule> {
  const current = await db.select().from(archiveRules).where(and(eq(archiveRules.id, id), ruleScope(session))).get()
  if (!current)
    throw notFound('rule not found')
  if (session.role !== 'admin' && current.scope === 'brand')
    throw notFound('rule not found among the rules you may edit')
  const values = await validRule(db, session, input)
  const [row] = await db.update(archiveRules).set({ ...values, updatedAt: now }).where(eq(archiveRules.id, id)).returning()
  return toRule(row!)
}

const alertColumns = {
  id: archiveAlerts.id,
  ruleId: archiveAlerts.ruleId,
  ruleName: archiveRules.name,
  ruleKind: archiveRules.kind,
  messageId: archiveAlerts.messageId,
  conversationId: archiveAlerts.conversationId,
  storeId: archiveAlerts.storeId,
  guideUserid: archiveAlerts.guideUserid,
  guideName: staff.name,
  excerpt: archiveAlerts.excerpt,
  matched: archiveAlerts.matched,
  finding: archiveAlerts.finding,
  status: archiveAlerts.status,
  raisedAt: archiveAlerts.raisedAt,
  acknowledgedBy: archiveAlerts.acknowledgedBy,
  acknowledgedAt: archiveAlerts.acknowledgedAt,
  resolvedBy: archiveAlerts.resolvedBy,
  resolvedAt: archiveAlerts.resolvedAt,
  note: archiveAlerts.note,
}

function alertQuery(db: AsyncDbOrTx) {
  return db.select(alertColumns).from(archiveAlerts).innerJoin(archiveRules, eq(archiveRules.id, archiveAlerts.ruleId)).leftJoin(staff, eq(staff.userid, archiveAlerts.guideUserid))
}

export async function listAlerts(db: AsyncDbOrTx, session: Session, query: AlertListQuery): Promise<AlertList> {
  const where = and(
    archiveScope(session, archiveAlerts.storeId),
    query.status ? eq(archiveAlerts.status, query.status) : undefined,
    query.ruleId ? eq(archiveAlerts.ruleId, query.ruleId) : undefined,
    query.guideUserid ? eq(archiveAlerts.guideUserid, query.guideUserid) : undefined,
  )
  const [total] = await db.select({ n: count() }).from(archiveAlerts).where(where)
  const alerts = await alertQuery(db).where(where).orderBy(desc(archiveAlerts.raisedAt), desc(archiveAlerts.id)).limit(query.limit ?? 50).offset(query.offset ?? 0)
  return { total: Number(total?.n ?? 0), alerts: alerts as Alert[] }
}

/** open → acknowledged → resolved; resolving needs a note. Another store's alert is "not found". */
export async function transitionAlert(database: Database, session: Session, id: number, change: AlertTransition, now: number): Promise<Alert> {
  return database.db.transaction(async (tx) => {
    const current = await tx.select({ status: archiveAlerts.status }).from(archiveAlerts).where(and(eq(archiveAlerts.id, id), archiveScope(session, archiveAlerts.storeId))).get()
    if (!current)
      throw notFound('alert not found')
    if (current.status === 'resolved')
      throw conflict('alert is already resolved')
    if (change.status === 'acknowledged') {
      if (current.status !== 'open')
        throw conflict('alert is already acknowledged')
      await tx.update(archiveAlerts).set({ status: 'acknowledged', acknowledgedBy: session.userid, acknowledgedAt: now }).where(eq(archiveAlerts.id, id))
    }
    else {
      const note = change.note?.trim()
      if (!note)
        throw badRequest('note is required to resolve an alert: say what was done')
      await tx.update(archiveAlerts).set({
        status: 'resolved',
        resolvedBy: session.userid,
        resolvedAt: now,
        note,
        // Resolving an open alert acknowledges it too.
        acknowledgedBy: sql`coalesce(${archiveAlerts.acknowledgedBy}, ${session.userid})`,
        acknowledgedAt: sql`coalesce(${archiveAlerts.acknowledgedAt}, cast(${now} as bigint))`,
      }).where(eq(archiveAlerts.id, id))
    }
    const row = await alertQuery(tx).where(eq(archiveAlerts.id, id)).get()
    return row as Alert
  })
}

/** Raises an alert per conversation whose customer has waited longer than a reply-timeout rule allows (working time). */
export async function sweepReplyTimeouts(db: AsyncDbOrTx, now: number): Promise<number> {
  const rules = await db.select().from(archiveRules).where(and(eq(archiveRules.enabled, true), eq(archiveRules.kind, 'reply_timeout')))
  let raised = 0
  for (const rule of rules) {
    const limitMs = rule.timeoutMinutes! * 60_000
    // Working time never exceeds wall time, so only conversations waiting at least that long qualify.
    // Each comes with the customer message it waits on (the one at unanswered_since), in the same query.
    const waiting = await db.select({ id: archiveConversations.id, since: archiveConversations.unansweredSince, storeId: archiveConversations.storeId, guideUserid: archiveConversations.guideUserid, messageId: archiveMessages.id, content: archiveMessages.content })
      .from(archiveConversations)
      .leftJoin(archiveMessages, and(eq(archiveMessages.conversationId, archiveConversations.id), eq(archiveMessages.msgtime, archiveConversations.unansweredSince), eq(archiveMessages.sender, 'customer')))
      .where(and(isNotNull(archiveConversations.unansweredSince), lte(archiveConversations.unansweredSince, now - limitMs), rule.scope === 'store' ? eq(archiveConversations.storeId, rule.scopeId ?? '') : undefined, rule.scope === 'guide' ? eq(archiveConversations.guideUserid, rule.scopeId ?? '') : undefined))
      .orderBy(archiveConversations.id, archiveMessages.id)
    const late = new Map<number, typeof waiting[number]>()
    for (const row of waiting) {
      // Two customer lines in the same millisecond: the first one is what the customer waits on.
      if (!late.has(row.id) && workingMsBetween(row.since!, now, rule.workStartMinute, rule.workEndMinute) >= limitMs)
        late.set(row.id, row)
    }
    const finding: AlertFinding = { kind: 'reply_timeout', minutes: rule.timeoutMinutes! }
    const alerts = [...late.values()].map(conversation => ({
      dedupeKey: `rule:${rule.id}:conversation:${conversation.id}:since:${conversation.since}`,
      ruleId: rule.id,
      messageId: conversation.messageId,
      conversationId: conversation.id,
      storeId: conversation.storeId,
      guideUserid: conversation.guideUserid,
      excerpt: (conversation.content ?? '').slice(0, 200),
      matched: matchedText(finding),
      finding,
      raisedAt: now,
    }))
    for (let i = 0; i < alerts.length; i += ALERT_ROWS_PER_INSERT)
      raised += (await db.insert(archiveAlerts).values(alerts.slice(i, i + ALERT_ROWS_PER_INSERT)).onConflictDoNothing().returning({ id: archiveAlerts.id })).length
  }
  return raised
}

/** Lines of the chat quoted in a deleted customer's alert. */
const DELETED_CONTEXT_LINES = 3

export interface CustomerDeletion {
  guideUserid: string
  externalUserid: string
  /** The event's CreateTime as WeCom sent it (seconds): with the pair, it names this deletion. */
  createTime: string
}

/**
 * A guide deleted a customer (change_external_contact / del_external_contact not caused by a handover): an alert
 * per enabled `delete_member` rule that covers the guide, in the guide's store. The context is the chat's last
 * lines when it was archived. Idempotent per event (a replayed event raises nothing new).
 */
export async function raiseCustomerDeletedAlerts(db: AsyncDbOrTx, deletion: CustomerDeletion, now: number): Promise<number> {
  const rules = await db.select({ id: archiveRules.id, scope: archiveRules.scope, scopeId: archiveRules.scopeId })
    .from(archiveRules)
    .where(and(eq(archiveRules.enabled, true), eq(archiveRules.kind, 'behaviour'), eq(archiveRules.behaviour, 'delete_member')))
    .orderBy(archiveRules.id)
  if (rules.length === 0)
    return 0
  const guide = await db.select({ storeId: staff.storeId }).from(staff).where(eq(staff.userid, deletion.guideUserid)).get()
  const target = { storeId: guide?.storeId ?? null, guideUserid: deletion.guideUserid }
  const applying = rules.filter(rule => appliesTo(rule, target))
  if (applying.length === 0)
    return 0
  const member = await db.select({ id: members.id, name: members.name }).from(members).where(eq(members.externalUserid, deletion.externalUserid)).get()
  const conversation = await db.select({ id: archiveConversations.id }).from(archiveConversations).where(eq(archiveConversations.key, `u:${deletion.guideUserid}:${deletion.externalUserid}`)).get()
  let messageId: number | null = null
  let excerpt = ''
  if (conversation) {
    const last = await db.select({ id: archiveMessages.id }).from(archiveMessages).where(eq(archiveMessages.conversationId, conversation.id)).orderBy(desc(archiveMessages.id)).limit(1).get()
    messageId = last?.id ?? null
    const lines = await db.select({ sender: archiveMessages.sender, content: archiveMessages.content })
      .from(archiveMessages)
      .where(and(eq(archiveMessages.conversationId, conversation.id), ne(archiveMessages.content, '')))
      .orderBy(desc(archiveMessages.id))
      .limit(DELETED_CONTEXT_LINES)
    excerpt = lines.reverse().map(line => `${line.sender === 'customer' ? '客户' : '导购'}：${line.content.slice(0, 60)}`).join('\n')
  }
  const finding: AlertFinding = { kind: 'customer_deleted', memberId: member?.id ?? null, memberName: member?.name ?? null, externalUserid: deletion.externalUserid }
  const rows = applying.map(rule => ({
    dedupeKey: `rule:${rule.id}:deleted:${deletion.guideUserid}:${deletion.externalUserid}:${deletion.createTime}`,
    ruleId: rule.id,
    messageId,
    conversationId: conversation?.id ?? null,
    storeId: target.storeId,
    guideUserid: deletion.guideUserid,
    excerpt: excerpt.slice(0, 200),
    matched: matchedText(finding),
    finding,
    raisedAt: now,
  }))
  const raised = (await db.insert(archiveAlerts).values(rows).onConflictDoNothing().returning({ id: archiveAlerts.id })).length
  // Also on a replay that raised nothing: the first run may have stopped before this enqueue.
  await enqueueJob(db, now, NOTIFY_JOB, {}, { singletonKey: NOTIFY_JOB })
  return raised
}

export interface AppMessageSender {
  sendText: (touser: string[], content: string) => Promise<void>
}

/**
 * Sends each un-notified alert of a notifying rule to its store's supervisors as a WeCom app message, then
 * marks it. A crash between the send and the mark sends that one alert again (at least once, never lost).
 */
export async function notifySupervisors(db: AsyncDbOrTx, sender: AppMessageSender, now: number, consoleUrl: string): Promise<number> {
  const pending = await db.select({ id: archiveAlerts.id, storeId: archiveAlerts.storeId, ruleName: archiveRules.name, matched: archiveAlerts.matched, excerpt: archiveAlerts.excerpt })
    .from(archiveAlerts)
    .innerJoin(archiveRules, eq(archiveRules.id, archiveAlerts.ruleId))
    .where(and(isNull(archiveAlerts.notifiedAt), eq(archiveRules.notify, true), eq(archiveAlerts.status, 'open')))
    .orderBy(archiveAlerts.id)
    .limit(200)
  const storeIds = [...new Set(pending.map(p => p.storeId).filter((s): s is string => s !== null))]
  const supervisors = storeIds.length
    ? await db.select({ userid: staff.userid, storeId: staff.storeId }).from(staff).where(and(eq(staff.role, 'supervisor'), eq(staff.status, 1), inArray(staff.storeId, storeIds)))
    : []
  let sent = 0
  for (const alert of pending) {
    const to = supervisors.filter(s => s.storeId === alert.storeId).map(s => s.userid)
    if (to.length > 0) {
      await sender.sendText(to, `【会话预警】${alert.ruleName}：“${alert.matched}”\n${alert.excerpt.slice(0, 80)}\n处理：${consoleUrl}/app/console/archive?alert=${alert.id}`)
      sent++
    }
    // Without a supervisor there is nobody to tell; the alert still waits in the console's queue.
    await db.update(archiveAlerts).set({ notifiedAt: now }).where(eq(archiveAlerts.id, alert.id))
  }
  return sent
}
