import type { CreateSendRequest, SendRecord } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import { completeSend, createSend, errorMessage, errorStatus } from '../api/client'
import { i18n } from '../modules/i18n'
import { loadWw } from '../wecom/sdk'
import { useToastStore } from './toast'

export type SendResult = 'sent' | 'cancelled' | 'failed' | 'busy'

/** What a send is about; the idempotency key is added by the store. */
export type SendIntent = Omit<CreateSendRequest, 'idempotencyKey'>

/** Delays between attempts of the API calls around a send. */
export const RETRY_DELAYS_MS = [300, 1000, 2500]

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

/** Retry on network errors and 5xx/429; a 4xx answer is final. */
async function withRetry<T>(fn: () => Promise<T>, delays = RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    }
    catch (err) {
      const status = errorStatus(err)
      const retriable = status === 0 || status === 429 || status >= 500
      const delay = delays[attempt]
      if (!retriable || delay === undefined)
        throw err
      await sleep(delay)
    }
  }
}

function sdkErrMsg(err: unknown): string {
  if (err && typeof err === 'object' && 'errMsg' in err && typeof err.errMsg === 'string')
    return err.errMsg
  return errorMessage(err)
}

/**
 * Sending into the current chat. Order per click: POST /api/sends (pending row, one idempotency
 * key per click, reused by retries) → ww.sendChatMessage → POST /api/sends/:id/complete.
 */
export const useSendsStore = defineStore('sends', () => {
  /** Keys of buttons with a send in flight (a button is disabled while its key is here). */
  const inFlight = ref<Set<string>>(new Set())
  /** Last completed records, newest first (for debugging and tests). */
  const history = ref<SendRecord[]>([])

  function isSending(key: string): boolean {
    return inFlight.value.has(key)
  }

  async function complete(id: number, status: 'sent' | 'failed' | 'cancelled', errMsg: string): Promise<void> {
    try {
      const rec = await withRetry(() => completeSend(id, { status, errMsg: errMsg.slice(0, 500) }))
      history.value = [rec, ...history.value].slice(0, 20)
    }
    catch (err) {
      // The row stays pending on the server; the message itself went (or not) already.
      console.warn('[sends] could not complete send', id, errorMessage(err))
    }
  }

  /**
   * Send `message` for the button `key`. Resolves with the outcome; 'busy' when that button
   * already has a send in flight (double click).
   */
  async function send(key: string, intent: SendIntent): Promise<SendResult> {
    if (inFlight.value.has(key))
      return 'busy'
    inFlight.value = new Set(inFlight.value).add(key)
    const toast = useToastStore()
    const t = i18n.global.t
    const idempotencyKey = crypto.randomUUID()
    try {
      let record: SendRecord
      try {
        record = await withRetry(() => createSend({ ...intent, idempotencyKey }))
      }
      catch (err) {
        toast.show(t('send.failed', { reason: errorMessage(err) }), 'error')
        return 'failed'
      }

      const ww = await loadWw()
      let status: 'sent' | 'failed' | 'cancelled'
      let errMsg: string
      try {
        const res = await ww.sendChatMessage(intent.message)
        status = 'sent'
        errMsg = res.errMsg || 'sendChatMessage:ok'
      }
      catch (err) {
        errMsg = sdkErrMsg(err)
        status = errMsg.endsWith(':cancel') ? 'cancelled' : 'failed'
      }
      await complete(record.id, status, errMsg)
      if (status === 'sent')
        toast.show(t('send.sent'), 'success')
      else if (status === 'cancelled')
        toast.show(t('send.cancelled'), 'info')
      else
        toast.show(t('send.failed', { reason: errMsg }), 'error')
      return status
    }
    finally {
      const next = new Set(inFlight.value)
      next.delete(key)
      inFlight.value = next
    }
  }

  return { inFlight, history, isSending, send }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useSendsStore, import.meta.hot))
