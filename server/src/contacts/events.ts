// WeCom callback events after decryption (reference §3.4–3.6): the flat `<xml><Tag>…</Tag></xml>`
// parser, the dedupe key, the durable queue in `wecom_events`, what each event does, and the drain
// that processes the queue (run as the `contacts.events` job, see jobs.ts).
//
// Delivery contract: the HTTP handler stores the event (one row per dedupe key) and answers at
// once; processing happens afterwards, here. A failing row keeps `processed_at` null, gets
// `attempts + 1` and the error text, and is retried by later drains until MAX_EVENT_ATTEMPTS.
// Failures that retrying cannot fix (the customer or relation no longer exists) are marked
// processed with the error kept, so they are visible but not retried.

import type { AsyncDbOrTx } from '../db/port.ts'
import type { ContactSyncClient } from './sync.ts'
import { and, asc, eq, isNull, lt, notInArray } from 'drizzle-orm'
import { raiseCustomerDeletedAlerts } from '../archive/alerts.ts'
import { changes, NO_LIMIT } from '../db/port.ts'
import { wecomEvents } from '../db/schema.ts'
import { applyTransferEvent } from '../handover/service.ts'
import { WecomApiError } from '../wecom/errors.ts'
import { setFollowStatus, syncCorpTags, syncExternalContact } from './sync.ts'

export type WecomEventFields = Record<string, string>

export const MAX_EVENT_ATTEMPTS = 5

export class CallbackXmlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CallbackXmlError'
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'' }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
      return Number.isFinite(code) && code >= 0 && code <= 0x10FFFF ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[name] ?? whole
  })
}

interface OpenField {
  name: string
  texts: string[]
  cdata: string[]
  /** Has child elements: not a flat value, ignored. */
  nested: boolean
}

/**
 * The direct children of the root element as `{Tag: value}`. Values may be CDATA (taken verbatim,
 * split sections joined) or plain text (entities decoded, trimmed); `<Tag/>` is ''. Elements with
 * children (MemChangeList, …) are skipped; for a repeated tag the first one wins. Comments and the
 * `<?xml?>` declaration are ignored; DOCTYPE and malformed input throw CallbackXmlError.
 */
export function parseCallbackXml(xml: string): WecomEventFields {
  const fields: WecomEventFields = {}
  const stack: string[] = []
  let field: OpenField | undefined
  let sawRoot = false
  let i = 0

  const onText = (raw: string) => {
    if (stack.length === 2 && field)
      field.texts.push(raw)
    else if (stack.length === 0 && raw.trim() !== '')
      throw new CallbackXmlError('text outside the root element')
  }
  const endOf = (marker: string, from: number, what: string) => {
    const at = xml.indexOf(marker, from)
    if (at === -1)
      throw new CallbackXmlError(`unterminated ${what}`)
    return at
  }

  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    if (lt === -1) {
      onText(xml.slice(i))
      break
    }
    if (lt > i)
      onText(xml.slice(i, lt))
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = endOf(']]>', lt + 9, 'CDATA section')
      if (stack.length === 0)
        throw new CallbackXmlError('CDATA outside the root element')
      if (stack.length === 2 && field)
        field.cdata.push(xml.slice(lt + 9, end))
      i = end + 3
      continue
    }
    if (xml.startsWith('<!--', lt)) {
      i = endOf('-->', lt + 4, 'comment') + 3
      continue
    }
    if (xml.startsWith('<?', lt)) {
      i = endOf('?>', lt + 2, 'processing instruction') + 2
      continue
    }
    if (xml.startsWith('<!', lt))
      throw new CallbackXmlError('DOCTYPE/declarations are not accepted')
    const gt = endOf('>', lt + 1, 'tag')
    const inner = xml.slice(lt + 1, gt)
    i = gt + 1
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim()
      if (stack[stack.length - 1] !== name)
        throw new CallbackXmlError(`unexpected </${name}>`)
      stack.pop()
      if (stack.length === 1 && field) {
        if (!field.nested && !Object.hasOwn(fields, field.name)) {
          fields[field.name] = field.cdata.length > 0
            ? field.cdata.join('') + decodeEntities(field.texts.join('').trim())
            : decodeEntities(field.texts.join('').trim())
        }
        field = undefined
      }
      continue
    }
    const name = /^[A-Z_][\w.:-]*/i.exec(inner)?.[0]
    if (!name)
      throw new CallbackXmlError(`bad tag <${inner.slice(0, 20)}>`)
    const selfClosing = inner.endsWith('/')
    if (stack.length === 0) {
      if (sawRoot)
        throw new CallbackXmlError('more than one root element')
      sawRoot = true
      if (!selfClosing)
        stack.push(name)
      continue
    }
    if (stack.length === 1) {
      if (selfClosing) {
        if (!Object.hasOwn(fields, name))
          fields[name] = ''
      }
      else {
        field = { name, texts: [], cdata: [], nested: false }
        stack.push(name)
      }
      continue
    }
    if (field)
      field.nested = true
    if (!selfClosing)
      stack.push(name)
  }
  if (!sawRoot)
    throw new CallbackXmlError('no root element')
  if (stack.length > 0)
    throw new CallbackXmlError(`unclosed <${stack[stack.length - 1]}>`)
  return fields
}

const KEY_FIELDS = ['Event', 'ChangeType', 'UserID', 'ExternalUserID', 'CreateTime'] as const
const EXTRA_KEY_FIELDS: Record<string, readonly string[]> = {
  change_external_tag: ['Id', 'TagType', 'StrategyId'],
  change_external_chat: ['ChatId', 'UpdateDetail'],
}
/** Envelope fields that never tell two events apart. */
const ENVELOPE = new Set(['ToUserName', 'FromUserName', 'MsgType', 'AgentID'])
const KNOWN_EVENTS = new Set(['change_external_contact', 'change_external_tag', 'change_external_chat'])

const escapeKeyPart = (v: string) => v.replaceAll('%', '%25').replaceAll('|', '%7C')

/**
 * Events carry no id (§3.4): (Event, ChangeType, UserID, ExternalUserID, CreateTime), plus
 * Id/TagType/StrategyId for tag events and ChatId/UpdateDetail for chat events. Events we do not
 * know are keyed by all their non-envelope fields (MsgId included when there is one).
 */
export function eventDedupeKey(fields: WecomEventFields): string {
  const event = eventName(fields)
  if (!KNOWN_EVENTS.has(event)) {
    const rest = Object.keys(fields).filter(k => !ENVELOPE.has(k)).sort().map(k => `${k}=${escapeKeyPart(fields[k]!)}`)
    return [escapeKeyPart(event), ...rest].join('|')
  }
  return [...KEY_FIELDS, ...(EXTRA_KEY_FIELDS[event] ?? [])].map(k => escapeKeyPart(fields[k] ?? '')).join('|')
}

/** `Event`, or `(MsgType)` for a non-event message. */
export function eventName(fields: WecomEventFields): string {
  return fields.Event ?? `(${fields.MsgType ?? 'unknown'})`
}

export type EventOutcome = 'synced_contact' | 'follow_updated' | 'follow_unknown' | 'synced_tags' | 'recorded' | 'ignored' | 'handover_refused'

/** Missing a field the handler needs: retrying cannot help, so the event is dropped with this error. */
export class EventFieldError extends Error {
  readonly terminal = true
}

function need(fields: WecomEventFields, name: string): string {
  const v = fields[name]
  if (!v)
    throw new EventFieldError(`event has no ${name}`)
  return v
}

/** Processes one stored callback event (reference §3.5, §3.6). Throws to have it retried. */
export async function applyWecomEvent(db: AsyncDbOrTx, wecom: ContactSyncClient, fields: WecomEventFields, now: number = Date.now()): Promise<EventOutcome> {
  // A transfer's events settle its open handover first (the member moves), then are applied as usual.
  if (await applyTransferEvent(db, fields, now) === 'handover_refused')
    return 'handover_refused'
  switch (fields.Event) {
    case 'change_external_contact':
      switch (fields.ChangeType) {
        case 'add_external_contact':
        case 'add_half_external_contact':
          await syncExternalContact(db, wecom, need(fields, 'ExternalUserID'), now, { reactivate: need(fields, 'UserID') })
          return 'synced_contact'
        case 'edit_external_contact':
          await syncExternalContact(db, wecom, need(fields, 'ExternalUserID'), now)
          return 'synced_contact'
        case 'del_external_contact': {
          const guideUserid = need(fields, 'UserID')
          const externalUserid = need(fields, 'ExternalUserID')
          const updated = await setFollowStatus(db, guideUserid, externalUserid, 'deleted_by_guide')
          // The guide deleted the customer: a `delete_member` rule's alert. Not when a handover removed the old
          // guide's relation (Source=DELETE_BY_TRANSFER), and not on del_follow_user (the customer's choice).
          if (fields.Source !== 'DELETE_BY_TRANSFER')
            await raiseCustomerDeletedAlerts(db, { guideUserid, externalUserid, createTime: fields.CreateTime ?? '' }, now)
          return updated ? 'follow_updated' : 'follow_unknown'
        }
        case 'del_follow_user':
          return (await setFollowStatus(db, need(fields, 'UserID'), need(fields, 'ExternalUserID'), 'deleted_by_member')) ? 'follow_updated' : 'follow_unknown'
        case 'msg_audit_approved': // consent recorded by storing the event; no archive module yet
        case 'transfer_fail':
          return 'recorded'
        default:
          return 'ignored'
      }
    case 'change_external_tag':
      await syncCorpTags(db, wecom)
      return 'synced_tags'
    default:
      return 'ignored'
  }
}

/** Change types whose handler re-fetches the contact: replaying them is always safe. */
const REFRESH_TYPES = new Set(['add_external_contact', 'add_half_external_contact', 'edit_external_contact'])

export interface StoredEvent {
  id: number
  /** False when the dedupe key was already there (a WeCom retry or a coalesced duplicate). */
  inserted: boolean
  /** A duplicate of a re-fetch event put the row (back) in the queue: kick the worker. */
  requeued: boolean
}

/**
 * Stores an event unless its dedupe key exists. Two edits of one relation within the same second
 * share a key, and the second must not be lost, so a duplicate of an add/edit event (whose
 * handler re-fetches the contact, making a replay harmless) re-queues the row: a processed row
 * goes back to pending, a pending one gets the new `received_at`, which tells a pass that is
 * processing it right now (with data fetched before the second change) to leave it pending.
 * Rows dropped as unprocessable stay dropped.
 */
export async function storeWecomEvent(db: AsyncDbOrTx, fields: WecomEventFields, receivedAt: number): Promise<StoredEvent> {
  const dedupeKey = eventDedupeKey(fields)
  return db.transaction(async (tx) => {
    const row = await tx.insert(wecomEvents).values({
      dedupeKey,
      event: eventName(fields),
      changeType: fields.ChangeType ?? null,
      payload: fields,
      receivedAt,
    }).onConflictDoNothing({ target: wecomEvents.dedupeKey }).returning({ id: wecomEvents.id }).get()
    if (row)
      return { id: row.id, inserted: true, requeued: false }
    const existing = (await tx.select().from(wecomEvents).where(eq(wecomEvents.dedupeKey, dedupeKey)).get())!
    const refresh = fields.Event === 'change_external_contact' && REFRESH_TYPES.has(fields.ChangeType ?? '')
    if (!refresh || (existing.processedAt !== null && existing.error !== null))
      return { id: existing.id, inserted: false, requeued: false }
    const bumpedAt = Math.max(receivedAt, existing.receivedAt + 1)
    await tx.update(wecomEvents)
      .set(existing.processedAt === null ? { receivedAt: bumpedAt } : { receivedAt: bumpedAt, processedAt: null, attempts: 0, error: null })
      .where(eq(wecomEvents.id, existing.id))
      .run()
    return { id: existing.id, inserted: false, requeued: true }
  })
}

export interface DrainOptions {
  now?: () => number
  maxAttempts?: number
  /** Upper bound on rows handled in this pass (default: all pending). */
  limit?: number
  onError?: (event: { id: number, event: string, changeType: string | null }, error: unknown) => void
}

export interface DrainResult {
  processed: number
  failed: number
  /** Marked processed with an error: retrying could not help (e.g. the customer is gone). */
  dropped: number
  /** Rows that failed and stay pending for a later drain. */
  failedIds: number[]
  /** Rows this pass picked up. */
  seen?: number
}

function isTerminal(err: unknown): boolean {
  return err instanceof EventFieldError || (err instanceof WecomApiError && err.kind === 'not_found')
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000)

/**
 * Processes every pending event once (oldest first), except the ids in `skip`. Concurrent drains are
 * kept apart by the job queue (one live `contacts.events` job at a time, see jobs.ts); tests call it directly.
 */
export async function drainWecomEvents(db: AsyncDbOrTx, wecom: ContactSyncClient, options: DrainOptions = {}, skip: number[] = []): Promise<DrainResult> {
  const now = options.now ?? Date.now
  const maxAttempts = options.maxAttempts ?? MAX_EVENT_ATTEMPTS
  const result: DrainResult = { processed: 0, failed: 0, dropped: 0, failedIds: [] }
  const rows = await db.select().from(wecomEvents).where(and(
    isNull(wecomEvents.processedAt),
    lt(wecomEvents.attempts, maxAttempts),
    skip.length > 0 ? notInArray(wecomEvents.id, skip) : undefined,
  )).orderBy(asc(wecomEvents.id)).limit(options.limit ?? NO_LIMIT).all()
  result.seen = rows.length
  for (const row of rows) {
    let failure: unknown
    try {
      await applyWecomEvent(db, wecom, row.payload, now())
    }
    catch (err) {
      failure = err
    }
    const attempts = row.attempts + 1
    if (failure === undefined) {
      // Not if a duplicate arrived meanwhile (received_at moved): it may describe a later change.
      const done = changes(await db.update(wecomEvents).set({ processedAt: now(), attempts, error: null }).where(and(eq(wecomEvents.id, row.id), eq(wecomEvents.receivedAt, row.receivedAt))).run()) > 0
      if (done)
        result.processed++
    }
    else if (isTerminal(failure)) {
      await db.update(wecomEvents).set({ processedAt: now(), attempts, error: `not retried: ${errorText(failure)}` }).where(eq(wecomEvents.id, row.id)).run()
      result.dropped++
      options.onError?.(row, failure)
    }
    else {
      await db.update(wecomEvents).set({ attempts, error: errorText(failure) }).where(eq(wecomEvents.id, row.id)).run()
      result.failed++
      result.failedIds.push(row.id)
      options.onError?.(row, failure)
    }
  }
  return result
}

/**
 * Drains until no pending event is left that this run has not already failed on: an event stored
 * while a pass runs (its enqueue found this job still live) is handled by the next pass, not lost.
 * Rows that failed wait for a later run (the schedule), so a broken row cannot spin here.
 */
export async function drainUntilIdle(db: AsyncDbOrTx, wecom: ContactSyncClient, options: DrainOptions & { signal?: AbortSignal } = {}): Promise<DrainResult> {
  const total: DrainResult = { processed: 0, failed: 0, dropped: 0, failedIds: [], seen: 0 }
  for (;;) {
    options.signal?.throwIfAborted()
    const pass = await drainWecomEvents(db, wecom, options, total.failedIds)
    total.processed += pass.processed
    total.failed += pass.failed
    total.dropped += pass.dropped
    total.failedIds.push(...pass.failedIds)
    total.seen = (total.seen ?? 0) + (pass.seen ?? 0)
    if (!pass.seen)
      return total
  }
}

/** Whether any event still waits (and has attempts left): worth a drain job. */
export async function hasPendingEvents(db: AsyncDbOrTx, maxAttempts = MAX_EVENT_ATTEMPTS): Promise<boolean> {
  return (await db.select({ id: wecomEvents.id }).from(wecomEvents).where(and(isNull(wecomEvents.processedAt), lt(wecomEvents.attempts, maxAttempts))).limit(1).get()) !== undefined
}
