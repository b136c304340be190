import type { ChatMessage } from '@scrm/shared'

/** What the (mock) WeixinJSBridge replies: `err_msg` like `getContext:ok`, plus data. */
export type BridgeReply = Record<string, unknown> & { err_msg: string }

export interface WeixinJSBridgeLike {
  invoke: (name: string, params: Record<string, unknown>, cb: (res: BridgeReply) => void) => void
  on: (name: string, cb: (...args: unknown[]) => void) => void
}

export type SendOutcome = 'ok' | 'cancel' | 'fail'

/**
 * The chat window the mock bridge talks to. The demo shell (same origin, parent frame)
 * exposes one as `window.__WECOM_DEMO_HOST__`; otherwise the bridge uses a standalone host.
 */
export interface DemoHost {
  /** getContext entry, e.g. `single_chat_tools`. */
  entry: () => string
  /** external_userid of the open chat, or null when none is open. */
  currentContact: () => string | null
  /** Deliver a sent message into the chat; returns the simulated outcome. */
  deliver: (message: ChatMessage) => SendOutcome | Promise<SendOutcome>
  /**
   * openUserProfile: show a profile (1 = colleague, 2 = external contact). The demo shell goes on
   * to open the chat with that customer, as the guide would by tapping 发消息 on the profile.
   * Resolves false for an unknown user. Without it the profile "opens" and nothing else happens.
   */
  openProfile?: (type: 1 | 2, userid: string) => boolean | Promise<boolean>
}

declare global {
  interface Window {
    WeixinJSBridge?: WeixinJSBridgeLike
    __WECOM_DEMO_HOST__?: DemoHost
    /** Standalone mock: every message the sidebar sent. */
    __WECOM_MOCK_SENT__?: ChatMessage[]
    /** Standalone mock: the next sendChatMessage outcome (consumed once). */
    __WECOM_MOCK__?: { nextResult?: SendOutcome }
  }
}
