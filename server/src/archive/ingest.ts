// Pulling the archive (reference §4.3–§4.6): GetChatData from the checkpoint, open each item (RSA by
// publickey_ver, then DecryptData), and store the batch — messages, search terms, conversations, recalls,
// alerts and the new checkpoint — in ONE transaction. A crash before the commit leaves the checkpoint where
// it was, so the next pull fetches the same items again; `msgid` is unique, so nothing is stored twice.
// Items that cannot be opened are kept aside with the reason and counted; they never stop the pull.
import type { ArchiveRejectReason } from '@scrm/shared'
import type { AsyncTx, Database } from '../db/port.ts'
import type { DetectableMessage } from './detect.ts'
import type { ArchiveKeyring, RandomKeyOutcome } from './keys.ts'
import type { DecodedMessage } from './message-body.ts'
import type { PolicyMessage } from './policy.ts'
import type { ArchiveSource, ChatDataItem } from './source.ts'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { archiveAgreements, archiveAlerts, archiveCheckpoints, archiveConversations, archiveMessages, archiveRejects, archiveRules, archiveTerms, members, staff } from '../db/schema.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { appliesTo, detect, prepareRule } from './detect.ts'
import { matchedText } from './findings.ts'
import { decodeMessage, isExternalId, MessageFormatError, parseMessageJson, senderOf } from './message-body.ts'
import { isPolicyBehaviour, policyFindings } from './policy.ts'
import { foldText, indexTerms } from './search-terms.ts'
import { ArchiveSourceError } from './source.ts'

export const MEDIA_JOB = 'archive.media'
export const NOTIFY_JOB = 'archive.notify'
const CHECK_AGREE_BATCH = 100
const TERM_ROWS_PER_INSERT = 20_000
const CONVERSATION_ROWS_PER_UPSERT = 500
const MESSAGE_ROWS_PER_INSERT = 1000

export interface IngestOptions {
  database: Database
  source: ArchiveSource
  keyring: ArchiveKeyring
  /** Names the checkpoint (one per corp / source). */
  sourceName: string
  now: () => number
  /** Items per GetChatData (≤ 1000). */
  limit: number
  /** The app's public URL: links through it (material links' tracked redirect) are ours (policy.ts). */
  publicUrl: string
}

export interface PullResult {
  fetched: number
  stored: number
  duplicates: number
  rejected: number
  notAgreed: number
  alerts: number
  seq: number
}

interface Opened { item: ChatDataItem, message: DecodedMessage }
interface Rejected { item: ChatDataItem, reason: ArchiveRejectReason, detail: string }

async function openItem(item: ChatDataItem, key: RandomKeyOutcome, source: ArchiveSource): Promise<Opened | Rejected> {
  if ('error' in key)
    return { item, reason: key.error.reason, detail: key.error.message }
  let text: string
  try {
    text = await source.decryptData(key.randomKey, item.encrypt_chat_msg)
  }
  catch (error) {
    if (error instanceof ArchiveSourceError && !error.retryable)
      return { item, reason: 'decrypt_failed', detail: error.message }
    throw error
  }
  try {
    const message = decodeMessage(parseMessageJson(text))
    return { item, message }
  }
  catch (error) {
    if (error instanceof SyntaxError || error instanceof MessageFormatError)
      return { item, reason: 'bad_json', detail: error.message }
    throw error
  }
}

/** One GetChatData batch from `seq`, opened (its RSA work on the keyring's threads) but not stored. */
interface OpenedBatch {
  seq: number
  items: ChatDataItem[]
  opened: Opened[]
  rejected: Rejected[]
}

async function fetchAndOpen(options: IngestOptions, seq: number): Promise<OpenedBatch> {
  const { source, keyring } = options
  const items = await source.getChatData(seq, options.limit)
  const keys = await keyring.openRandomKeys(items.map(item => ({ publickeyVer: item.publickey_ver, encryptRandomKey: item.encrypt_random_key })))
  const batch: OpenedBatch = { seq, items, opened: [], rejected: [] }
  for (const [i, item] of items.entries()) {
    const outcome = await openItem(item, keys[i]!, source)
    if ('reason' in outcome)
      batch.rejected.push(outcome)
    else
      batch.opened.push(outcome)
  }
  return batch
}

/** The (guide, customer) of a 1:1 chat, the conversation key, and who the guide is in a group. */
function participants(message: DecodedMessage): { key: string, guide: string | null, customer: string | null } {
  const people = [message.from, ...message.tolist].filter(Boolean)
  const guide = people.find(id => !isExternalId(id)) ?? null
  if (message.roomid)
    return { key: `r:${message.roomid}`, guide, customer: null }
  const customer = people.find(isExternalId) ?? null
  if (message.action === 'switch')
    return { key: `s:${message.from}`, guide: message.from || null, customer: null }
  return { key: `u:${guide ?? ''}:${customer ?? ''}`, guide, customer }
}

const pairKey = (userid: string, externalUserid: string) => `${userid}\n${externalUserid}`

/** Consent per (guide, customer): stored answers, then check_single_agree for pairs never asked. */
async function consentFor(options: IngestOptions, pairs: { userid: string, externalUserid: string }[]): Promise<Map<string, boolean>> {
  const { database: { db }, source, now } = options
  const consent = new Map<string, boolean>()
  if (pairs.length === 0)
    return consent
  const known = await db.select().from(archiveAgreements).where(inArray(archiveAgreements.externalUserid, [...new Set(pairs.map(p => p.externalUserid))]))
  for (const row of known)
    consent.set(pairKey(row.userid, row.externalUserid), row.status !== 'Disagree')
  const unknown = pairs.filter(p => !consent.has(pairKey(p.userid, p.externalUserid)))
  for (let i = 0; i < unknown.length; i += CHECK_AGREE_BATCH) {
    const answers = await source.checkSingleAgree(unknown.slice(i, i + CHECK_AGREE_BATCH))
    if (answers.length > 0) {
      await db.insert(archiveAgreements).values(answers.map(a => ({ userid: a.userid, externalUserid: a.externalUserid, status: a.status, checkedAt: now() }))).onConflictDoUpdate({ target: [archiveAgreements.userid, archiveAgreements.externalUserid], set: { status: sql`excluded.status`, checkedAt: sql`excluded.checked_at` } })
    }
    for (const answer of answers)
      consent.set(pairKey(answer.userid, answer.externalUserid), answer.status !== 'Disagree')
  }
  return consent
}

async function checkpointOf(options: IngestOptions): Promise<number> {
  const row = await options.database.db.select({ seq: archiveCheckpoints.seq }).from(archiveCheckpoints).where(eq(archiveCheckpoints.source, options.sourceName)).get()
  return row?.seq ?? 0
}

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += size)
    out.push(rows.slice(i, i + size))
  return out
}

/** One GetChatData batch, stored. Throws (leaving the checkpoint) when the source fails; the job retries. */
export async function pullOnce(options: IngestOptions): Promise<PullResult> {
  return storeBatch(options, await fetchAndOpen(options, await checkpointOf(options)))
}

/** Stores an opened batch — messages, terms, conversations, recalls, alerts, rejects, checkpoint — in one transaction. */
async function storeBatch(options: IngestOptions, batch: OpenedBatch): Promise<PullResult> {
  const { database, now } = options
  const { seq, items, opened, rejected } = batch
  const result: PullResult = { fetched: items.length, stored: 0, duplicates: 0, rejected: 0, notAgreed: 0, alerts: 0, seq }
  if (items.length === 0)
    return result

  // Consent: a disagree/agree message in the batch changes it from there on.
  const withParticipants = opened.map(entry => ({ ...entry, ...participants(entry.message), sender: senderOf(entry.message) }))
  const pairs = new Map<string, { userid: string, externalUserid: string }>()
  for (const { guide, customer } of withParticipants) {
    if (guide && customer)
      pairs.set(pairKey(guide, customer), { userid: guide, externalUserid: customer })
  }
  const consent = await consentFor(options, [...pairs.values()])
  const kept: typeof withParticipants = []
  const consentChanges: { userid: string, externalUserid: string, status: string }[] = []
  for (const entry of withParticipants) {
    const { guide, customer, message } = entry
    if (guide && customer) {
      const pair = pairKey(guide, customer)
      if (message.consent) {
        consent.set(pair, message.consent.agree)
        consentChanges.push({ userid: guide, externalUserid: customer, status: message.consent.agree ? 'Agree' : 'Disagree' })
      }
      // The disagree message itself is kept: it is the record of the refusal.
      else if (consent.get(pair) === false) {
        result.notAgreed++
        continue
      }
    }
    kept.push(entry)
  }

  const staffIds = [...new Set(kept.map(k => k.guide).filter((id): id is string => id !== null))]
  const customerIds = [...new Set(kept.map(k => k.customer).filter((id): id is string => id !== null))]
  const lastSeq = items.at(-1)!.seq
  const seqOf = new Map(items.map(item => [item.msgid, item.seq]))
  // One clock reading for everything the batch writes (it commits as one).
  const at = now()

  await database.db.transaction(async (tx) => {
    const storeOf = new Map((staffIds.length ? await tx.select({ userid: staff.userid, storeId: staff.storeId }).from(staff).where(inArray(staff.userid, staffIds)) : []).map(s => [s.userid, s.storeId]))
    const memberOf = new Map((customerIds.length ? await tx.select({ id: members.id, externalUserid: members.externalUserid }).from(members).where(inArray(members.externalUserid, customerIds)) : []).map(m => [m.externalUserid!, m.id]))
    const existing = new Set((kept.length ? await tx.select({ msgid: archiveMessages.msgid }).from(archiveMessages).where(inArray(archiveMessages.msgid, kept.map(k => k.message.msgid))) : []).map(r => r.msgid))
    const seen = new Set<string>()
    const fresh = kept.filter((k) => {
      const duplicate = existing.has(k.message.msgid) || seen.has(k.message.msgid)
      seen.add(k.message.msgid)
      if (duplicate)
        result.duplicates++
      return !duplicate
    })

    // Conversations: read the ones this batch touches, advance them in message order, write them back in one upsert.
    const keys = [...new Set(fresh.map(f => f.key))]
    type ConversationDraft = Omit<typeof archiveConversations.$inferInsert, 'id'> & { firstAt: number, lastAt: number, messageCount: number, unansweredSince: number | null }
    const conversations = new Map<string, ConversationDraft>((keys.length ? await tx.select().from(archiveConversations).where(inArray(archiveConversations.key, keys)) : []).map(({ id: _id, ...c }) => [c.key, c]))
    const responseMs = new Map<string, number>()
    for (const entry of fresh) {
      const { message } = entry
      let conversation = conversations.get(entry.key)
      if (!conversation) {
        conversation = {
          key: entry.key,
          roomid: message.roomid,
          guideUserid: entry.guide,
          externalUserid: entry.customer,
          memberId: entry.customer ? (memberOf.get(entry.customer) ?? null) : null,
          storeId: entry.guide ? (storeOf.get(entry.guide) ?? null) : null,
          firstAt: message.msgtime,
          lastAt: message.msgtime,
          messageCount: 0,
          unansweredSince: null,
        }
        conversations.set(entry.key, conversation)
      }
      conversation.messageCount++
      conversation.firstAt = Math.min(conversation.firstAt, message.msgtime)
      conversation.lastAt = Math.max(conversation.lastAt, message.msgtime)
      if (message.action === 'send' && !message.consent) {
        if (entry.sender === 'customer' && conversation.unansweredSince === null) {
          conversation.unansweredSince = message.msgtime
        }
        else if (entry.sender === 'staff' && conversation.unansweredSince !== null) {
          responseMs.set(message.msgid, Math.max(0, message.msgtime - conversation.unansweredSince))
          conversation.unansweredSince = null
        }
      }
    }
    const conversationIds = new Map<string, number>()
    for (const chunk of chunks([...conversations.values()], CONVERSATION_ROWS_PER_UPSERT)) {
      const written = await tx.insert(archiveConversations).values(chunk).onConflictDoUpdate({
        target: archiveConversations.key,
        set: { firstAt: sql`excluded.first_at`, lastAt: sql`excluded.last_at`, messageCount: sql`excluded.message_count`, unansweredSince: sql`excluded.unanswered_since` },
      }).returning({ id: archiveConversations.id, key: archiveConversations.key })
      for (const row of written)
        conversationIds.set(row.key, row.id)
    }

    const rows = fresh.map(({ message, key, guide, customer, sender }) => {
      const content = message.content
      return {
        seq: seqOf.get(message.msgid) ?? lastSeq,
        msgid: message.msgid,
        conversationId: conversationIds.get(key)!,
        msgtime: message.msgtime,
        action: message.action,
        msgtype: message.msgtype,
        fromId: message.from,
        sender,
        guideUserid: guide,
        memberId: customer ? (memberOf.get(customer) ?? null) : null,
        storeId: guide ? (storeOf.get(guide) ?? null) : null,
        content,
        searchText: foldText(content),
        body: message.body,
        mediaSdkfileid: message.media?.sdkfileid ?? null,
        mediaMd5: message.media?.md5 ?? null,
        mediaStatus: message.media ? 'pending' as const : 'none' as const,
        responseMs: responseMs.get(message.msgid) ?? null,
        ingestedAt: at,
      }
    })
    const inserted: { id: number, msgid: string }[] = []
    for (const chunk of chunks(rows, MESSAGE_ROWS_PER_INSERT))
      inserted.push(...await insertMessages(tx, database.dialect, chunk))
    const idOf = new Map(inserted.map(r => [r.msgid, r.id]))
    result.stored = inserted.length

    const termRows = rows.flatMap(row => indexTerms(row.searchText).map(term => [term, idOf.get(row.msgid)!] as const))
    for (const chunk of chunks(termRows, TERM_ROWS_PER_INSERT))
      await insertTerms(tx, database.dialect, chunk)

    // A recall hides the original from guides but keeps it for audit.
    const recalled = fresh.map(f => f.message).filter(m => m.recalls)
    for (const message of recalled)
      await tx.update(archiveMessages).set({ recalledAt: message.msgtime }).where(eq(archiveMessages.msgid, message.recalls!))

    for (const change of consentChanges) {
      await tx.insert(archiveAgreements).values({ ...change, checkedAt: at }).onConflictDoUpdate({ target: [archiveAgreements.userid, archiveAgreements.externalUserid], set: { status: change.status, checkedAt: at } })
    }

    result.alerts = await raiseMessageAlerts(tx, rows, idOf, at, options.publicUrl)
    if (result.alerts > 0)
      await enqueueJob(tx, at, NOTIFY_JOB, {}, { singletonKey: NOTIFY_JOB })
    if (rows.some(row => row.mediaStatus === 'pending'))
      await enqueueJob(tx, at, MEDIA_JOB, {}, { singletonKey: MEDIA_JOB })

    if (rejected.length > 0) {
      await tx.insert(archiveRejects).values(rejected.map(r => ({ source: options.sourceName, seq: r.item.seq, msgid: r.item.msgid ?? '', publickeyVer: r.item.publickey_ver ?? null, reason: r.reason, detail: r.detail, raw: JSON.stringify(r.item), at }))).onConflictDoNothing()
    }
    result.rejected = rejected.length
    await tx.insert(archiveCheckpoints).values({ source: options.sourceName, seq: lastSeq, stored: result.stored, duplicates: result.duplicates, rejected: result.rejected, notAgreed: result.notAgreed, updatedAt: at }).onConflictDoUpdate({
      target: archiveCheckpoints.source,
      set: {
        seq: lastSeq,
        stored: sql`${archiveCheckpoints.stored} + ${result.stored}`,
        duplicates: sql`${archiveCheckpoints.duplicates} + ${result.duplicates}`,
        rejected: sql`${archiveCheckpoints.rejected} + ${result.rejected}`,
        notAgreed: sql`${archiveCheckpoints.notAgreed} + ${result.notAgreed}`,
        updatedAt: at,
      },
    })
  })
  result.seq = lastSeq
  return result
}

/**
 * Search terms as one JSON parameter expanded by the database: a batch has ~20 terms per message, and
 * binding them one parameter each costs more than the rest of the batch.
 */
async function insertTerms(tx: AsyncTx, dialect: Database['dialect'], rows: (readonly [string, number])[]): Promise<void> {
  const json = JSON.stringify(rows)
  await tx.run(dialect === 'postgres'
    ? sql`insert into ${archiveTerms} (term, message_id) select t->>0, (t->>1)::bigint from jsonb_array_elements(${json}::jsonb) as t`
    : sql`insert into ${archiveTerms} (term, message_id) select json_extract(value, '$[0]'), json_extract(value, '$[1]') from json_each(${json})`)
}

type MessageInsert = Omit<typeof archiveMessages.$inferInsert, 'id'> & { body: Record<string, unknown> }

/** Columns written by insertMessages, with their PostgreSQL types for jsonb_to_recordset. */
const MESSAGE_COLUMNS = {
  seq: 'bigint',
  msgid: 'text',
  conversation_id: 'bigint',
  msgtime: 'bigint',
  action: 'text',
  msgtype: 'text',
  from_id: 'text',
  sender: 'text',
  guide_userid: 'text',
  member_id: 'bigint',
  store_id: 'text',
  content: 'text',
  search_text: 'text',
  body: 'text',
  media_sdkfileid: 'text',
  media_md5: 'text',
  media_status: 'text',
  response_ms: 'bigint',
  ingested_at: 'bigint',
} as const

/** Messages as one JSON parameter (like insertTerms): binding ~20 columns × 1000 rows one by one dominated ingest. */
async function insertMessages(tx: AsyncTx, dialect: Database['dialect'], rows: MessageInsert[]): Promise<{ id: number, msgid: string }[]> {
  const json = JSON.stringify(rows.map(row => ({
    seq: row.seq,
    msgid: row.msgid,
    conversation_id: row.conversationId,
    msgtime: row.msgtime,
    action: row.action,
    msgtype: row.msgtype,
    from_id: row.fromId,
    sender: row.sender,
    guide_userid: row.guideUserid ?? null,
    member_id: row.memberId ?? null,
    store_id: row.storeId ?? null,
    content: row.content ?? '',
    search_text: row.searchText ?? '',
    body: JSON.stringify(row.body),
    media_sdkfileid: row.mediaSdkfileid ?? null,
    media_md5: row.mediaMd5 ?? null,
    media_status: row.mediaStatus ?? 'none',
    response_ms: row.responseMs ?? null,
    ingested_at: row.ingestedAt,
  })))
  const names = Object.keys(MESSAGE_COLUMNS)
  const columns = sql.raw(names.join(', '))
  const result = await tx.all<[number, string]>(dialect === 'postgres'
    ? sql`insert into ${archiveMessages} (${columns}) select ${columns} from jsonb_to_recordset(${json}::jsonb) as r(${sql.raw(Object.entries(MESSAGE_COLUMNS).map(([name, type]) => `${name} ${type}`).join(', '))}) returning id, msgid`
    : sql`insert into ${archiveMessages} (${columns}) select ${sql.raw(names.map(name => `json_extract(value, '$.${name}')`).join(', '))} from json_each(${json}) returning id, msgid`)
  // The port returns raw rows as value arrays.
  return (result as unknown as [number, string][]).map(([id, msgid]) => ({ id: Number(id), msgid }))
}

interface StoredMessage extends DetectableMessage, PolicyMessage {
  conversationId: number
}

/** Keyword, pattern and behaviour rules over new messages; returns alerts raised (a repeat raises nothing). */
async function raiseMessageAlerts(tx: AsyncTx, messages: StoredMessage[], idOf: Map<string, number>, at: number, publicUrl: string): Promise<number> {
  const candidates = messages.filter(m => m.action === 'send')
  if (candidates.length === 0)
    return 0
  const rules = (await tx.select().from(archiveRules).where(and(eq(archiveRules.enabled, true), inArray(archiveRules.kind, ['keyword', 'pattern', 'behaviour'])))).map(prepareRule)
  const policies = new Set(rules.map(rule => rule.behaviour).filter(isPolicyBehaviour))
  const findings = policies.size > 0 ? await policyFindings(tx, candidates, policies, { publicUrl }) : new Map()
  const alerts = []
  for (const message of candidates) {
    const messageId = idOf.get(message.msgid)!
    for (const rule of rules) {
      const finding = isPolicyBehaviour(rule.behaviour)
        ? (appliesTo(rule, message) ? findings.get(message.msgid)?.[rule.behaviour] ?? null : null)
        : detect(rule, message)
      if (finding) {
        alerts.push({
          dedupeKey: `rule:${rule.id}:message:${messageId}`,
          ruleId: rule.id,
          messageId,
          conversationId: message.conversationId,
          storeId: message.storeId,
          guideUserid: message.guideUserid,
          excerpt: message.content.slice(0, 200),
          matched: matchedText(finding),
          finding,
          raisedAt: at,
        })
      }
    }
  }
  let raised = 0
  for (const chunk of chunks(alerts, 200))
    raised += (await tx.insert(archiveAlerts).values(chunk).onConflictDoNothing().returning({ id: archiveAlerts.id })).length
  return raised
}

/**
 * Pulls until the source has nothing new (or `signal` aborts); the totals of every batch. The next batch is
 * fetched and its keys opened on the RSA threads while this one is stored; only storing moves the
 * checkpoint, so a crash still resumes from the last stored batch.
 */
export async function pullUntilCaughtUp(options: IngestOptions, signal?: AbortSignal, onBatch?: (batch: PullResult) => void): Promise<PullResult> {
  const total: PullResult = { fetched: 0, stored: 0, duplicates: 0, rejected: 0, notAgreed: 0, alerts: 0, seq: 0 }
  let next = fetchAndOpen(options, await checkpointOf(options))
  for (;;) {
    signal?.throwIfAborted()
    const opened = await next
    const more = opened.items.length >= options.limit
    if (more) {
      next = fetchAndOpen(options, opened.items.at(-1)!.seq)
      // Awaited on the next turn; if storing this batch throws first, the prefetch's own failure is moot.
      next.catch(() => {})
    }
    const batch = await storeBatch(options, opened)
    onBatch?.(batch)
    for (const key of ['fetched', 'stored', 'duplicates', 'rejected', 'notAgreed', 'alerts'] as const)
      total[key] += batch[key]
    total.seq = batch.seq
    if (!more)
      return total
  }
}
