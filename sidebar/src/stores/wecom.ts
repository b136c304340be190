import type { JsTicketKind } from '@scrm/shared'
import { acceptHMRUpdate, defineStore, storeToRefs } from 'pinia'
import { computed, ref } from 'vue'
import { errorMessage, errorStatus, getJsSignature, loginUrl } from '../api/client'
import { retryConfigAfterReport } from '../wecom/config-failure'
import { hasBridge, loadWw } from '../wecom/sdk'
import { useMeStore } from './me'

export type BootPhase
  = | 'booting' // checking the session, signing, reading the context
    | 'redirecting' // no session: on the way to OAuth
    | 'signature-error' // agentConfig/config rejected (or the signature API failed)
    | 'wrong-entry' // not opened from a customer chat toolbar / contact profile
    | 'no-contact' // entry is fine but there is no current external contact
    | 'error' // anything else (network, server)
    | 'ready'

export const JS_API_LIST = ['getContext', 'getCurExternalContact', 'sendChatMessage', 'openUserProfile']
/** Entries we act on; only single chat may send. */
const READ_ENTRIES = new Set(['single_chat_tools', 'contact_profile'])

/**
 * The WeCom session of this page: login, JS-SDK registration, entry and the current contact.
 * Boot: GET /api/me → ww.register → ensureConfigReady → getContext → getCurExternalContact.
 */
export const useWecomStore = defineStore('wecom', () => {
  /** Where booting stands; drives the full-screen states in App.vue. */
  const phase = ref<BootPhase>('booting')
  /** Message for signature-error / no-contact / error. */
  const errorText = ref('')
  const meStore = useMeStore()
  /** The logged-in guide (the shared `me` store). */
  const { me } = storeToRefs(meStore)
  /** getContext().entry ('browser' when no bridge exists at all). */
  const entry = ref<string | null>(null)
  /** external_userid of the customer in the open chat. */
  const externalUserId = ref<string | null>(null)

  /** sendChatMessage works only from the single chat toolbar. */
  const canSend = computed(() => entry.value === 'single_chat_tools')
  const isSupervisor = computed(() => me.value?.role === 'supervisor' || me.value?.role === 'admin')

  let listening = false
  let refreshing: Promise<void> | null = null

  /** Run the whole boot sequence (also the retry button of every error screen). */
  async function boot(): Promise<void> {
    phase.value = 'booting'
    errorText.value = ''
    let loaded
    try {
      loaded = await meStore.load()
    }
    catch (err) {
      if (errorStatus(err) === 401) {
        phase.value = 'redirecting'
        location.href = loginUrl()
        return
      }
      phase.value = 'error'
      errorText.value = errorMessage(err)
      return
    }
    if (!hasBridge()) {
      entry.value = 'browser'
      phase.value = 'wrong-entry'
      return
    }
    const ww = await loadWw()
    const corpId = loaded.corpId
    // Which registration WeCom refused; agentConfig is the one a sidebar needs.
    let failedKind: JsTicketKind = 'agent'
    ww.register({
      corpId,
      agentId: loaded.agentId,
      jsApiList: JS_API_LIST,
      getConfigSignature: async (url: string) => getJsSignature({ url, kind: 'corp' }),
      getAgentConfigSignature: async (url: string) => getJsSignature({ url, kind: 'agent' }),
      onConfigFail: () => {
        failedKind = 'corp'
      },
      onAgentConfigFail: () => {
        failedKind = 'agent'
      },
    })
    try {
      await ww.ensureConfigReady()
    }
    catch (err) {
      // A stale ticket on the server (revoked, or cached for another agent/secret) fails every
      // guide until it expires: report it so the server refreshes it, then try once more.
      if (!await retryConfigAfterReport(failedKind, err, () => ww.ensureConfigReady())) {
        phase.value = 'signature-error'
        errorText.value = errorMessage(err)
        return
      }
    }
    await readContext()
    listen()
  }

  /** getContext + getCurExternalContact; sets the phase accordingly. */
  async function readContext(): Promise<void> {
    const ww = await loadWw()
    try {
      const ctx = await ww.getContext()
      entry.value = ctx.entry
    }
    catch (err) {
      phase.value = 'error'
      errorText.value = errorMessage(err)
      return
    }
    if (!READ_ENTRIES.has(entry.value ?? '')) {
      phase.value = 'wrong-entry'
      externalUserId.value = null
      return
    }
    try {
      const res = await ww.getCurExternalContact()
      externalUserId.value = res.userId
      phase.value = 'ready'
    }
    catch (err) {
      const msg = errorMessage(err)
      externalUserId.value = null
      if (/no permission|signature/i.test(msg)) {
        phase.value = 'signature-error'
        errorText.value = msg
      }
      else {
        phase.value = 'no-contact'
        errorText.value = msg
      }
    }
  }

  /** Re-read the contact (the PC client may keep the page while the guide switches chats). */
  function refreshContact(): Promise<void> {
    if (phase.value === 'booting' || phase.value === 'redirecting' || phase.value === 'signature-error' || phase.value === 'error')
      return Promise.resolve()
    refreshing ??= readContext().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  function listen(): void {
    if (listening)
      return
    listening = true
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible')
        void refreshContact()
    })
    window.addEventListener('focus', () => void refreshContact())
    if (__WECOM_MOCK__) {
      window.addEventListener('message', (ev: MessageEvent<unknown>) => {
        const data = ev.data
        if (ev.origin === location.origin && data && typeof data === 'object' && 'type' in data && data.type === 'wecom-demo:contact-changed')
          void refreshContact()
      })
    }
  }

  /** Open a customer's WeCom profile, from where the guide starts the chat (发消息). */
  async function openCustomerProfile(externalUserid: string): Promise<void> {
    const ww = await loadWw()
    await ww.openUserProfile({ type: ww.OpenUserProfileType.external, userid: externalUserid })
  }

  return { phase, errorText, me, entry, externalUserId, canSend, isSupervisor, boot, refreshContact, openCustomerProfile }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useWecomStore, import.meta.hot))
