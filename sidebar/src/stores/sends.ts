import type { ChatMessage, CompletedSendStatus, CreateSendRequest, MemberSend, SendRecord } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { completeSend, createSend, errorStatus, getMemberSendsToday } from '../api/client'
import { sendMaterial as sendMaterialApi } from '../api/materials'
import { i18n } from '../modules/i18n'
import { describeError } from '../utils/errors'
import { loadWw } from '../wecom/sdk'
import { useMaterialsStore } from './materials'
import { useMemberStore } from './member'
import { useToastStore } from './toast'
import { useWecomStore } from './wecom'

export type SendResult
  = | 'sent' | 'cancelled' | 'failed'
    | 'busy' // this item already has a send in flight
    | 'confirm' // already sent today: this tap only armed a repeat
    | 'wrong-recipient' // the open chat is no longer the member on screen

/** What a send is about; the idempotency key is added by the store. */
export type SendIntent = Omit<CreateSendRequest, 'idempotencyKey'>

/** Who a send goes to and which reply or product it carries (the message may be built by the server). */
type SendTarget = Pick<SendIntent, 'memberId' | 'replyId' | 'skuId'>

/** Delays between attempts of the API calls around a send. */
export const RETRY_DELAYS_MS = [300, 1000, 2500]
/** Backoff of the persisted completion retries (the last delay repeats). */
export const OUTBOX_DELAYS_MS = [5_000, 30_000, 120_000, 600_000]
/** A completion older than this is dropped: the server has long settled the send as expired. */
export const OUTBOX_MAX_AGE_MS = 7 * 86_400_000
export const OUTBOX_STORAGE_KEY = 'scrm.sends.outbox'
/** How long a tap on an item already sent today stays armed for the confirming second tap. */
export const REPEAT_CONFIRM_MS = 5_000

/** A completion the server has not acknowledged yet; kept in localStorage across restarts. */
export interface PendingCompletion {
  id: number
  status: CompletedSendStatus
  errMsg: string
  attempts: number
  nextAt: number
  createdAt: number
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))
/** Worth asking again right away: no answer, throttled, or a server error. */
export function isTransient(err: unknown): boolean {
  const status = errorStatus(err)
  return status === 0 || status === 429 || status >= 500
}
/** Worth keeping in the outbox: also a lapsed login, which the next session fixes. */
const isRetriable = (err: unknown) => isTransient(err) || errorStatus(err) === 401

/** Retry on network errors and 5xx/429; a 4xx answer is final. */
export async function withRetry<T>(fn: () => Promise<T>, delays = RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    }
    catch (err) {
      const delay = delays[attempt]
      if (!isTransient(err) || delay === undefined)
        throw err
      await sleep(delay)
    }
  }
}

function sdkErrMsg(err: unknown): string {
  if (err && typeof err === 'object' && 'errMsg' in err && typeof err.errMsg === 'string')
    return err.errMsg
  return describeError(err).detail
}

/** The item a send carries: the same reply or SKU is one item wherever its button is. */
export function itemKey(intent: Pick<SendIntent, 'replyId' | 'skuId' | 'message'>): string {
  if (intent.replyId !== undefined)
    return `reply:${intent.replyId}`
  if (intent.skuId !== undefined)
    return `sku:${intent.skuId}`
  return messageKey(intent.message)
}

/** A message without a reply or SKU: what it shows (text, link) or the media it carries. */
function messageKey(message: ChatMessage): string {
  switch (message.msgtype) {
    case 'text': return `text:${message.text.content}`
    case 'news': return `news:${message.news.link}`
    case 'image': return `image:${message.image.mediaid}`
    case 'video': return `video:${message.video.mediaid}`
    case 'file': return `file:${message.file.mediaid}`
    case 'miniprogram': return `miniprogram:${message.miniprogram.page}`
  }
}

/** A library material is one item wherever its button is. */
export const materialKey = (materialId: number) => `material:${materialId}`

function memberSendKey(s: Pick<MemberSend, 'replyId' | 'skuId'>): string | null {
  if (s.replyId !== null)
    return `reply:${s.replyId}`
  if (s.skuId !== null)
    return `sku:${s.skuId}`
  return null
}

function readOutbox(): PendingCompletion[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(OUTBOX_STORAGE_KEY) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter((e): e is PendingCompletion => typeof e?.id === 'number' && typeof e.status === 'string') : []
  }
  catch {
    return []
  }
}

function writeOutbox(entries: PendingCompletion[]): void {
  try {
    if (entries.length)
      localStorage.setItem(OUTBOX_STORAGE_KEY, JSON.stringify(entries))
    else
      localStorage.removeItem(OUTBOX_STORAGE_KEY)
  }
  catch {
    // Storage full or blocked: the server's reconcile settles the send as expired.
  }
}

/**
 * Sending into the current chat. Order per tap: POST /api/sends (pending row, one idempotency
 * key per tap, reused by retries) → getCurExternalContact (still the member on screen?) →
 * ww.sendChatMessage → POST /api/sends/:id/complete, retried from a persisted outbox if it fails.
 */
export const useSendsStore = defineStore('sends', () => {
  /** Items with a send in flight (their buttons are disabled). */
  const inFlight = ref<Set<string>>(new Set())
  /** Items whose repeat was armed by a first tap, with when the arming lapses. */
  const armed = ref<Map<string, number>>(new Map())
  /** Today's sends to the member on screen (server log plus this page's own sends). */
  const today = shallowRef<{ memberId: number, sends: MemberSend[] } | null>(null)
  /** Last completed records, newest first (for debugging and tests). */
  const history = ref<SendRecord[]>([])
  const outbox = ref<PendingCompletion[]>(readOutbox())
  let outboxTimer: ReturnType<typeof setTimeout> | undefined

  /** Items sent (or possibly sent: pending/expired) to the member today. */
  const sentTodayKeys = computed(() => {
    const keys = new Set<string>()
    for (const s of today.value?.sends ?? []) {
      const key = memberSendKey(s)
      if (key && s.status !== 'failed' && s.status !== 'cancelled')
        keys.add(key)
    }
    return keys
  })

  const isSending = (intent: SendIntent) => inFlight.value.has(itemKey(intent))
  const isSentToday = (intent: SendIntent) => today.value?.memberId === intent.memberId && sentTodayKeys.value.has(itemKey(intent))
  const isArmed = (intent: SendIntent) => (armed.value.get(itemKey(intent)) ?? 0) > Date.now()

  /** Load today's send log for a member (the panel calls it when a member opens). */
  async function loadToday(memberId: number): Promise<void> {
    if (today.value?.memberId !== memberId)
      today.value = { memberId, sends: [] }
    try {
      const res = await getMemberSendsToday(memberId)
      if (today.value?.memberId === memberId)
        today.value = { memberId, sends: res.sends }
    }
    catch (err) {
      // Marks are a convenience; sending still works without them.
      console.warn('[sends] could not load today\'s sends', describeError(err).detail)
    }
  }

  function noteToday(record: SendRecord, intent: SendTarget, status: MemberSend['status']): void {
    if (today.value?.memberId !== intent.memberId)
      return
    const entry: MemberSend = { id: record.id, guideUserid: record.guideUserid, status, replyId: intent.replyId ?? null, skuId: intent.skuId ?? null, createdAt: record.createdAt }
    today.value = { memberId: intent.memberId, sends: [entry, ...today.value.sends.filter(s => s.id !== record.id)] }
  }

  function saveOutbox(entries: PendingCompletion[]): void {
    outbox.value = entries
    writeOutbox(entries)
  }

  function scheduleOutbox(): void {
    clearTimeout(outboxTimer)
    if (!outbox.value.length)
      return
    const due = Math.min(...outbox.value.map(e => e.nextAt))
    outboxTimer = setTimeout(() => void flushOutbox(), Math.max(0, due - Date.now()))
  }

  /** Retry every due completion once; called on start, when back online, and by its own timer. */
  async function flushOutbox(now = Date.now()): Promise<void> {
    for (const entry of outbox.value.filter(e => e.nextAt <= now)) {
      let done = entry.createdAt < now - OUTBOX_MAX_AGE_MS
      try {
        if (!done) {
          const rec = await completeSend(entry.id, { status: entry.status, errMsg: entry.errMsg })
          history.value = [rec, ...history.value].slice(0, 20)
          done = true
        }
      }
      catch (err) {
        // A 4xx (not 401/429) is the server's final word (another outcome recorded, not this guide's send).
        done = !isRetriable(err)
        if (done)
          console.warn('[sends] completion refused', entry.id, describeError(err).detail)
      }
      const rest = outbox.value.filter(e => e.id !== entry.id)
      if (!done) {
        const delay = OUTBOX_DELAYS_MS[Math.min(entry.attempts + 1, OUTBOX_DELAYS_MS.length - 1)]!
        rest.push({ ...entry, attempts: entry.attempts + 1, nextAt: Date.now() + delay })
      }
      saveOutbox(rest)
    }
    scheduleOutbox()
  }

  async function complete(id: number, status: CompletedSendStatus, errMsg: string): Promise<void> {
    const body = { status, errMsg: errMsg.slice(0, 500) }
    try {
      const rec = await withRetry(() => completeSend(id, body))
      history.value = [rec, ...history.value].slice(0, 20)
    }
    catch (err) {
      if (!isRetriable(err)) {
        console.warn('[sends] completion refused', id, describeError(err).detail)
        return
      }
      // The message went (or not) already; keep the outcome until the server has it.
      const now = Date.now()
      saveOutbox([...outbox.value.filter(e => e.id !== id), { id, ...body, attempts: 0, nextAt: now + OUTBOX_DELAYS_MS[0]!, createdAt: now }])
      scheduleOutbox()
    }
  }

  /** The contact of the open chat, or why it cannot be read. */
  async function openChatContact(): Promise<string> {
    const ww = await loadWw()
    try {
      return (await ww.getCurExternalContact()).userId
    }
    catch (err) {
      return `(${sdkErrMsg(err)})`
    }
  }

  function disarm(key: string): void {
    if (!armed.value.has(key))
      return
    const next = new Map(armed.value)
    next.delete(key)
    armed.value = next
  }

  /** Send `intent` into the open chat. Resolves with the outcome (see SendResult). */
  async function send(intent: SendIntent): Promise<SendResult> {
    return deliver(itemKey(intent), intent, isSentToday(intent), async (idempotencyKey) => {
      // A product goes as the brand's mini-program card when it has one (the server decides), else as built.
      const message = intent.skuId !== undefined && intent.message.msgtype === 'news' ? await useMaterialsStore().productMessage(intent.skuId, intent.message) : intent.message
      const record = await withRetry(() => createSend({ ...intent, message, idempotencyKey }))
      return { record, message }
    })
  }

  /** Send a library material: the server logs it and hands back the message (media id, tracked link, card). */
  async function sendMaterial(memberId: number, materialId: number, sentBefore: boolean): Promise<SendResult> {
    const result = await deliver(materialKey(materialId), { memberId }, sentBefore, async idempotencyKey => withRetry(() => sendMaterialApi(materialId, { idempotencyKey, memberId })))
    if (result !== 'busy' && result !== 'confirm')
      void useMaterialsStore().loadMemberSends(memberId)
    return result
  }

  /**
   * The steps of one tap: log (create), check the open chat is still the member, ww.sendChatMessage, report the
   * outcome. A first tap on an item already sent today only arms a confirming second tap.
   */
  async function deliver(key: string, intent: SendTarget, sentBefore: boolean, create: (idempotencyKey: string) => Promise<{ record: SendRecord, message: ChatMessage }>): Promise<SendResult> {
    if (inFlight.value.has(key))
      return 'busy'
    const toast = useToastStore()
    const t = i18n.global.t
    if (sentBefore && !((armed.value.get(key) ?? 0) > Date.now())) {
      armed.value = new Map(armed.value).set(key, Date.now() + REPEAT_CONFIRM_MS)
      setTimeout(disarm, REPEAT_CONFIRM_MS, key)
      toast.show(t('send.confirmRepeat'), 'info', REPEAT_CONFIRM_MS)
      return 'confirm'
    }
    disarm(key)
    inFlight.value = new Set(inFlight.value).add(key)
    const idempotencyKey = crypto.randomUUID()
    try {
      let record: SendRecord
      let message: ChatMessage
      try {
        ({ record, message } = await create(idempotencyKey))
      }
      catch (err) {
        toast.showError(err, 'send.failed')
        return 'failed'
      }
      noteToday(record, intent, 'pending')

      // The chat may have changed since the panel loaded: never send to someone else than the member logged.
      const shown = useMemberStore().context?.member
      const expected = shown?.id === intent.memberId ? shown.externalUserid : null
      const actual = await openChatContact()
      if (expected === null || actual !== expected) {
        await complete(record.id, 'cancelled', `recipient changed: member ${intent.memberId} is ${expected ?? 'not on screen'}, open chat is ${actual}`)
        noteToday(record, intent, 'cancelled')
        toast.show(t('send.wrongRecipient'), 'error', 6000)
        void useWecomStore().refreshContact()
        return 'wrong-recipient'
      }

      const ww = await loadWw()
      let status: CompletedSendStatus
      let errMsg: string
      try {
        const res = await ww.sendChatMessage(message)
        status = 'sent'
        errMsg = res.errMsg || 'sendChatMessage:ok'
      }
      catch (err) {
        errMsg = sdkErrMsg(err)
        status = errMsg.endsWith(':cancel') ? 'cancelled' : 'failed'
      }
      noteToday(record, intent, status)
      if (status === 'sent')
        toast.show(t('send.sent'), 'success')
      else if (status === 'cancelled')
        toast.show(t('send.cancelled'), 'info')
      else
        toast.showError({ errMsg }, 'send.failed')
      await complete(record.id, status, errMsg)
      return status
    }
    finally {
      const next = new Set(inFlight.value)
      next.delete(key)
      inFlight.value = next
    }
  }

  const isKeySending = (key: string) => inFlight.value.has(key)
  const isKeyArmed = (key: string) => (armed.value.get(key) ?? 0) > Date.now()

  return { inFlight, armed, today, history, outbox, isSending, isSentToday, isArmed, isKeySending, isKeyArmed, loadToday, flushOutbox, send, sendMaterial }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useSendsStore, import.meta.hot))
