import type { ChatMessage, MemberListItem } from '@scrm/shared'
import type { DemoHost, SendOutcome } from '../wecom/bridge-types'
import { reactive } from 'vue'
import { listMembers } from '../api/client'

export interface TranscriptEntry {
  id: number
  contact: string
  message: ChatMessage
  at: number
}

/** State of the simulated WeCom chat window; the sidebar iframe reaches it through the host. */
export const demoState = reactive({
  /** getContext entry the sidebar sees (dev selector). */
  entry: 'single_chat_tools',
  /** external_userid of the open chat. */
  contact: null as string | null,
  /** The customer of the open chat (for the chat header). */
  picked: null as MemberListItem | null,
  /** Outcome of the next sendChatMessage; falls back to 'ok' after one use. */
  nextResult: 'ok' as SendOutcome,
  /** Messages delivered into chats (all contacts). */
  transcript: [] as TranscriptEntry[],
})

let seq = 0

/** The `window.__WECOM_DEMO_HOST__` object the mock bridge in the iframe calls. */
export const demoHost: DemoHost = {
  entry: () => demoState.entry,
  currentContact: () => demoState.contact,
  deliver(message) {
    const result = demoState.nextResult
    demoState.nextResult = 'ok'
    if (result === 'ok' && demoState.contact)
      demoState.transcript.push({ id: ++seq, contact: demoState.contact, message: structuredClone(message), at: Date.now() })
    return result
  },
  async openProfile(type, userid) {
    // A colleague's profile has nothing to simulate; a customer's leads to 发消息 → her chat.
    if (type === 1)
      return true
    const found = (await listMembers(userid, 1)).items.find(m => m.externalUserid === userid)
    if (!found)
      return false
    openChat(found)
    return true
  },
}

/** Open the chat with a customer, as picking her in the chat list does. */
export function openChat(member: MemberListItem): void {
  demoState.picked = member
  demoState.contact = member.externalUserid
  notifySidebar()
}

/** Tell the sidebar to re-read getContext/getCurExternalContact. */
export function notifySidebar(): void {
  const frame = document.querySelector<HTMLIFrameElement>('iframe[name="sidebar"]')
  frame?.contentWindow?.postMessage({ type: 'wecom-demo:contact-changed' }, location.origin)
}
