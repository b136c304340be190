import type { ApiError, MemberRedPackets, RedPacketRecord, RedPacketRefusal } from '@scrm/shared'
import { formatFen, redPacketRefusalList } from '@scrm/shared'
import { isAxiosError } from 'axios'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { errorMessage } from '../api/client'
import { createRedPacket, getMemberRedPackets, getRedPacket } from '../api/redpackets'
import { i18n } from '../modules/i18n'
import { useMemberStore } from './member'
import { isTransient, useSendsStore, withRetry } from './sends'
import { useToastStore } from './toast'

export interface RedPacketForm {
  amountFen: number
  reasonCode: string
  wishing: string
}

/** How often, and how many times, a packet the guide just sent is asked about until it is final. */
const POLL_MS = 5_000
const POLL_TIMES = 24
const RETRY_DELAYS_MS = [500, 1500, 4000]

/**
 * Why the server refused a packet, in the guide's language: its `reason` and `params` (`usedFen`, `limitCount`…)
 * worded by `redpackets.refusal.*`, amounts as ¥. Anything else: the server's message without the field name
 * it starts with (`amountFen: …`, meant for developers).
 */
export function refusalText(err: unknown): string {
  const body = (isAxiosError(err) ? err.response?.data : undefined) as Partial<ApiError> | undefined
  const reason = body?.reason
  if (reason && (redPacketRefusalList as readonly string[]).includes(reason)) {
    const values: Record<string, string | number> = {}
    for (const [name, value] of Object.entries(body.params ?? {})) {
      const [, key, unit] = /^(\w+?)(Fen|Count)$/.exec(name) ?? []
      if (key)
        values[key] = unit === 'Fen' ? formatFen(value) : value
    }
    return i18n.global.t(`redpackets.refusal.${reason as RedPacketRefusal}`, values)
  }
  return errorMessage(err).replace(/^[a-z]\w*:\s*/i, '')
}

/** `1.88` → 188; null when it is not yuan with at most two decimals. */
export function parseYuan(text: string): number | null {
  const trimmed = text.trim()
  if (!/^\d{1,6}(?:\.\d{1,2})?$/.test(trimmed))
    return null
  const [whole, frac = ''] = trimmed.split('.') as [string, string?]
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'))
}

/** 188 → `1.88`: what an amount input holds (the inverse of parseYuan). */
export const yuanInput = (fen: number) => (fen / 100).toFixed(2)

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

/**
 * Red packets for the member on screen: the sheet (presets, reasons, the guide's allowance, the member's
 * packets), the dialog, paying (one idempotency key per form, reused by every retry, so a retried request
 * never pays twice) and, once WeChat Pay accepted it, a chat message telling the customer it is on its way.
 */
export const useRedPacketsStore = defineStore('redpackets', () => {
  const sheet = shallowRef<MemberRedPackets | null>(null)
  const memberId = ref<number | null>(null)
  const dialog = ref<{ memberId: number, orderId?: number, orderNo?: string } | null>(null)
  const paying = ref(false)
  const error = ref<string | null>(null)
  /** The key of the form being paid; kept until the server gives a final answer. */
  let pending: { key: string, form: string } | null = null
  const polling = new Set<number>()

  async function load(id: number): Promise<void> {
    if (memberId.value !== id)
      sheet.value = null
    memberId.value = id
    try {
      const loaded = await getMemberRedPackets(id)
      if (memberId.value === id)
        sheet.value = loaded
    }
    catch (err) {
      console.warn('[redpackets] could not load', errorMessage(err))
    }
  }

  function open(id: number, order?: { id: number, orderNo: string }): void {
    error.value = null
    dialog.value = { memberId: id, orderId: order?.id, orderNo: order?.orderNo }
  }

  function close(): void {
    if (!paying.value)
      dialog.value = null
  }

  function remember(record: RedPacketRecord): void {
    if (!sheet.value || memberId.value !== record.memberId)
      return
    sheet.value = { ...sheet.value, packets: [record, ...sheet.value.packets.filter(p => p.id !== record.id)] }
  }

  /** Tells the customer in the chat (WeChat delivers the packet itself as a notification). */
  async function notifyChat(record: RedPacketRecord): Promise<void> {
    const shown = useMemberStore().context?.member
    const name = shown?.id === record.memberId ? shown.name : ''
    await useSendsStore().send({
      memberId: record.memberId,
      message: { msgtype: 'text', text: { content: i18n.global.t('redpackets.chatNotice', { name, amount: formatFen(record.amountFen) }) } },
    })
  }

  async function poll(record: RedPacketRecord): Promise<void> {
    if (polling.has(record.id))
      return
    polling.add(record.id)
    let last = record
    try {
      for (let i = 0; i < POLL_TIMES && (last.status === 'sending' || last.status === 'sent'); i++) {
        await sleep(POLL_MS)
        try {
          const next = await getRedPacket(record.id)
          if (last.status === 'sending' && next.status === 'sent')
            await notifyChat(next)
          last = next
          remember(next)
        }
        catch (err) {
          if (!isTransient(err))
            return
        }
      }
    }
    finally {
      polling.delete(record.id)
    }
  }

  async function pay(form: RedPacketForm): Promise<RedPacketRecord | null> {
    const target = dialog.value
    if (!target || paying.value)
      return null
    const t = i18n.global.t
    const toast = useToastStore()
    const body = { memberId: target.memberId, orderId: target.orderId, ...form }
    const formKey = JSON.stringify(body)
    if (pending?.form !== formKey)
      pending = { key: crypto.randomUUID(), form: formKey }
    paying.value = true
    error.value = null
    try {
      const idempotencyKey = pending.key
      let record: RedPacketRecord
      try {
        record = await withRetry(() => createRedPacket({ ...body, idempotencyKey }), RETRY_DELAYS_MS)
      }
      catch (err) {
        // A refusal (limit, bad input) is final for this form; a lost answer keeps the key for the next tap.
        if (!isTransient(err))
          pending = null
        error.value = refusalText(err)
        return null
      }
      pending = null
      remember(record)
      void load(target.memberId)
      dialog.value = null
      if (record.status === 'failed') {
        toast.show(t('redpackets.failed', { reason: record.lastError ?? '' }), 'error')
      }
      else if (record.status === 'sending') {
        toast.show(t('redpackets.sendingNote'), 'info', 5000)
        void poll(record)
      }
      else {
        toast.show(t('redpackets.sent'), 'success')
        await notifyChat(record)
        void poll(record)
      }
      return record
    }
    finally {
      paying.value = false
    }
  }

  const packetsForOrder = (orderId: number) => sheet.value?.packets.filter(p => p.orderId === orderId) ?? []

  return { sheet, memberId, dialog, paying, error, load, open, close, pay, packetsForOrder }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useRedPacketsStore, import.meta.hot))
