// WeCom callback events after decryption (reference §3.4–3.6): the flat `<xml><Tag>…</Tag></xml>`
// parser, the dedupe key, the durable queue in `wecom_events`, and the drain that processes it.
//
// Delivery contract: the HTTP handler stores the event (one row per dedupe key) and answers at
// once; processing happens afterwards, here. A failing row keeps `processed_at` null, gets
// `attempts + 1` and the error text, and is retried by later drains until MAX_EVENT_ATTEMPTS.
// Failures that retrying cannot fix (the customer or relation no longer exists) are marked
// processed with the error kept, so they are visible but not retried.

import type { Db } from '../db/client.ts'
import type { ContactSyncClient } from '../members/sync.ts'
import { and, asc, eq, isNull, lt } from 'drizzle-orm'
import { wecomEvents } from '../db/schema.ts'
import { applyWecomEvent, EventFieldError } from '../members/sync.ts'
import { WecomApiError } from './errors.ts'

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
export function storeWecomEvent(db: Db, fields: WecomEventFields, receivedAt: number): StoredEvent {
  const dedupeKey = eventDedupeKey(fields)
  return db.transaction((tx) => {
    const row = tx.insert(wecomEvents).values({
      dedupeKey,
      event: eventName(fields),
      changeType: fields.ChangeType ?? null,
      payload: fields,
      receivedAt,
    }).onConflictDoNothing({ target: wecomEvents.dedupeKey }).returning({ id: wecomEvents.id }).get()
    if (row)
      return { id: row.id, inserted: true, requeued: false }
    const existing = tx.select().from(wecomEvents).where(eq(wecomEvents.dedupeKey, dedupeKey)).get()!
    const refresh = fields.Event === 'change_external_contact' && REFRESH_TYPES.has(fields.ChangeType ?? '')
    if (!refresh || (existing.processedAt !== null && existing.error !== null))
      return { id: existing.id, inserted: false, requeued: false }
    const bumpedAt = Math.max(receivedAt, existing.receivedAt + 1)
    tx.update(wecomEvents)
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
  /** Smallest attempts count among rows still pending after a failure (for retry backoff). */
  minPendingAttempts?: number
}

function isTerminal(err: unknown): boolean {
  return err instanceof EventFieldError || (err instanceof WecomApiError && err.kind === 'not_found')
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000)

async function drainOnce(db: Db, wecom: ContactSyncClient, options: DrainOptions): Promise<DrainResult> {
  const now = options.now ?? Date.now
  const maxAttempts = options.maxAttempts ?? MAX_EVENT_ATTEMPTS
  const result: DrainResult = { processed: 0, failed: 0, dropped: 0 }
  const rows = db.select().from(wecomEvents).where(and(isNull(wecomEvents.processedAt), lt(wecomEvents.attempts, maxAttempts))).orderBy(asc(wecomEvents.id)).limit(options.limit ?? -1).all()
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
      const done = db.update(wecomEvents).set({ processedAt: now(), attempts, error: null }).where(and(eq(wecomEvents.id, row.id), eq(wecomEvents.receivedAt, row.receivedAt))).run().changes > 0
      if (done)
        result.processed++
    }
    else if (isTerminal(failure)) {
      db.update(wecomEvents).set({ processedAt: now(), attempts, error: `not retried: ${errorText(failure)}` }).where(eq(wecomEvents.id, row.id)).run()
      result.dropped++
      options.onError?.(row, failure)
    }
    else {
      db.update(wecomEvents).set({ attempts, error: errorText(failure) }).where(eq(wecomEvents.id, row.id)).run()
      result.failed++
      if (attempts < maxAttempts)
        result.minPendingAttempts = Math.min(result.minPendingAttempts ?? attempts, attempts)
      options.onError?.(row, failure)
    }
  }
  return result
}

/** One pass at a time per database in this process; later callers queue behind the running one. */
const passes = new WeakMap<Db, Promise<unknown>>()

/**
 * Processes every pending event once (oldest first) and resolves when done. Concurrent calls in
 * this process run one after another, so `await drainWecomEvents(…)` means "everything stored
 * before this call has had its turn". Exported for jobs and tests; the app runs it through
 * `createWecomEventWorker`.
 */
export async function drainWecomEvents(db: Db, wecom: ContactSyncClient, options: DrainOptions = {}): Promise<DrainResult> {
  const previous = passes.get(db) ?? Promise.resolve()
  const pass = previous.catch(() => undefined).then(() => drainOnce(db, wecom, options))
  passes.set(db, pass)
  try {
    return await pass
  }
  finally {
    if (passes.get(db) === pass)
      passes.delete(db)
  }
}

export interface WecomEventWorkerOptions {
  db: Db
  wecom: ContactSyncClient
  now?: () => number
  /** First retry delay after a failed pass; doubles per attempt, capped at 10 min (default 30 s). */
  retryBaseMs?: number
  maxAttempts?: number
  log?: { error: (obj: object, msg: string) => void }
}

export interface WecomEventWorker {
  /** Schedules a drain on the next turn of the event loop (coalesces repeated kicks). */
  kick: () => void
  /** Runs a pass now and resolves when it is done. */
  drain: () => Promise<DrainResult>
  /** Stops scheduling and waits for the running pass. */
  close: () => Promise<void>
}

/** The in-process worker behind the callback route: drains after each stored event and retries failures later. */
export function createWecomEventWorker(options: WecomEventWorkerOptions): WecomEventWorker {
  const { db, wecom, log } = options
  const retryBaseMs = options.retryBaseMs ?? 30_000
  let scheduled = false
  let closed = false
  let retryTimer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()

  const drain = () => drainWecomEvents(db, wecom, {
    now: options.now,
    maxAttempts: options.maxAttempts,
    onError: (row, err) => log?.error({ err, eventId: row.id, event: row.event, changeType: row.changeType }, 'WeCom event processing failed'),
  })

  function scheduleRetry(attempts: number): void {
    if (closed || retryTimer)
      return
    const delay = Math.min(retryBaseMs * 2 ** (attempts - 1), 600_000)
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      kick()
    }, delay)
    retryTimer.unref()
  }

  function kick(): void {
    if (scheduled || closed)
      return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      if (closed)
        return
      const pass = drain().then((r) => {
        if (r.minPendingAttempts !== undefined)
          scheduleRetry(r.minPendingAttempts)
      }, (err: unknown) => log?.error({ err }, 'WeCom event drain failed'))
      running = pass
    })
  }

  return {
    kick,
    drain,
    async close() {
      closed = true
      if (retryTimer)
        clearTimeout(retryTimer)
      retryTimer = undefined
      await running
      await passes.get(db)?.catch(() => undefined)
    },
  }
}
