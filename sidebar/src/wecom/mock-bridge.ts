/**
 * A fake `window.WeixinJSBridge` for running the sidebar outside WeCom (demo, dev, browser tests).
 * Loaded only behind `__WECOM_MOCK__`, so a production build does not contain it.
 * It answers like the real client (reference §1.9): config calls are checked against the
 * emulator's jsapi tickets with the real SHA-1 signature (§1.3).
 */
import type { ChatMessage } from '@scrm/shared'
import type { BridgeReply, DemoHost, SendOutcome, WeixinJSBridgeLike } from './bridge-types'
import { demoEmulatorUrl } from '../utils/demo'

export const MOCK_BRIDGE_BANNER = '[wecom-mock-bridge] WeixinJSBridge is simulated; WeCom is not present'

export interface JsapiTickets {
  corpId: string
  agentId: number | string
  corpTicket: string
  agentTicket: string
}

export interface MockBridgeOptions {
  host?: DemoHost
  getTickets?: () => Promise<JsapiTickets>
  /** The URL WeCom would check the signature against; default location.href without `#…`. */
  getUrl?: () => string
  /** Reply delay in ms (the real bridge is asynchronous). */
  delay?: number
}

/** §1.3: `jsapi_ticket=T&noncestr=N&timestamp=TS&url=URL`, raw values, this key order. */
export function signatureBase(ticket: string, nonceStr: string, timestamp: string | number, url: string): string {
  return `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`
}

export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('')
}

export async function computeSignature(ticket: string, nonceStr: string, timestamp: string | number, url: string): Promise<string> {
  return sha1Hex(signatureBase(ticket, nonceStr, timestamp, url))
}

/** Tickets from the WeCom emulator (`{emulatorUrl}/__emulator/jsapi-tickets`, CORS open). */
export async function fetchEmulatorTickets(): Promise<JsapiTickets> {
  const emulatorUrl = await demoEmulatorUrl()
  if (!emulatorUrl)
    throw new Error('/demo/config.json: no emulatorUrl (not the demo)')
  const res = await fetch(`${emulatorUrl}/__emulator/jsapi-tickets`)
  if (!res.ok)
    throw new Error(`jsapi-tickets: HTTP ${res.status}`)
  return await res.json() as JsapiTickets
}

function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : ''
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

/** Keep only the message itself (the SDK merges verify params into every call). */
export function extractMessage(params: Record<string, unknown>): ChatMessage | null {
  const msgtype = params.msgtype
  if (msgtype === 'text' && params.text && typeof params.text === 'object')
    return { msgtype, text: { content: str((params.text as Record<string, unknown>).content) } }
  if (msgtype === 'news' && params.news && typeof params.news === 'object') {
    const n = params.news as Record<string, unknown>
    return { msgtype, news: { link: str(n.link), title: str(n.title), desc: str(n.desc), imgUrl: str(n.imgUrl) } }
  }
  const body = typeof msgtype === 'string' ? params[msgtype] : undefined
  if (!body || typeof body !== 'object')
    return null
  const b = body as Record<string, unknown>
  // Media messages carry only a media id (reference §1.6); a missing one is refused like the client does.
  if (msgtype === 'image' || msgtype === 'video' || msgtype === 'file') {
    const mediaid = str(b.mediaid)
    if (!mediaid)
      return null
    return msgtype === 'image' ? { msgtype, image: { mediaid } } : msgtype === 'video' ? { msgtype, video: { mediaid } } : { msgtype, file: { mediaid } }
  }
  if (msgtype === 'miniprogram') {
    const page = str(b.page)
    // WeCom accepts only page paths ending in .html (a query may follow).
    if (!str(b.appid) || !/^[^?#]+\.html(?:\?.*)?$/.test(page) || !/^https?:\/\//.test(str(b.imgUrl)))
      return null
    return { msgtype, miniprogram: { appid: str(b.appid), title: str(b.title), imgUrl: str(b.imgUrl), page } }
  }
  return null
}

/** A host for a sidebar opened on its own: `?contact=wm…` (or localStorage), `?entry=…`. */
export function createStandaloneHost(): DemoHost {
  const query = new URLSearchParams(location.search)
  const contact = query.get('contact')
  if (contact) {
    try {
      localStorage.setItem('wecom-mock.contact', contact)
    }
    catch {}
  }
  return {
    entry: () => new URLSearchParams(location.search).get('entry') ?? 'single_chat_tools',
    currentContact: () => {
      const q = new URLSearchParams(location.search).get('contact')
      if (q)
        return q
      try {
        return localStorage.getItem('wecom-mock.contact')
      }
      catch {
        return null
      }
    },
    deliver: (message) => {
      const sent = (window.__WECOM_MOCK_SENT__ ??= [])
      // In `vite dev` the define itself may sit on globalThis as `true`; only an object is a control.
      const control: unknown = window.__WECOM_MOCK__
      const ctl = control && typeof control === 'object' ? control as { nextResult?: SendOutcome } : null
      const next = ctl?.nextResult ?? 'ok'
      if (ctl)
        ctl.nextResult = undefined
      if (next === 'ok')
        sent.push(message)
      return next
    },
  }
}

/** The parent demo shell's host when there is one (same origin), else a standalone host. */
export function resolveHost(): DemoHost {
  try {
    if (window.parent !== window && window.parent.__WECOM_DEMO_HOST__)
      return window.parent.__WECOM_DEMO_HOST__
  }
  catch {}
  return createStandaloneHost()
}

const CONTEXT_ENTRIES = new Set(['single_chat_tools', 'contact_profile', 'single_kf_tools'])
const SEND_ENTRIES = new Set(['single_chat_tools', 'group_chat_tools', 'chat_attachment', 'single_kf_tools'])

export function createMockBridge(options: MockBridgeOptions = {}): WeixinJSBridgeLike {
  const host = options.host ?? resolveHost()
  const getTickets = options.getTickets ?? fetchEmulatorTickets
  const getUrl = options.getUrl ?? (() => location.href.split('#')[0] ?? '')
  const delay = options.delay ?? 10
  /** APIs authorised by a successful agentConfig / config. */
  const granted = new Set<string>()

  async function checkConfig(api: 'agentConfig' | 'preVerifyJSAPI', params: Record<string, unknown>): Promise<BridgeReply> {
    const agent = api === 'agentConfig'
    let tickets: JsapiTickets
    try {
      tickets = await getTickets()
    }
    catch (err) {
      return { err_msg: `${api}:fail emulator unreachable (${err instanceof Error ? err.message : String(err)})` }
    }
    const corpId = str(agent ? params.corpid : params.appId)
    if (corpId !== tickets.corpId)
      return { err_msg: `${api}:fail invalid corpid` }
    if (agent && str(params.agentid) !== String(tickets.agentId))
      return { err_msg: `${api}:fail invalid agentid` }
    const timestamp = str(agent ? params.timestamp : params.verifyTimestamp)
    const nonceStr = str(agent ? params.nonceStr : params.verifyNonceStr)
    const signature = str(agent ? params.signature : params.verifySignature)
    const expected = await computeSignature(agent ? tickets.agentTicket : tickets.corpTicket, nonceStr, timestamp, getUrl())
    if (signature.toLowerCase() !== expected)
      return { err_msg: `${api}:fail invalid signature` }
    const list = strList(agent ? params.jsApiList : params.verifyJsApiList)
    const checkResult: Record<string, boolean> = {}
    for (const name of list) {
      granted.add(name)
      checkResult[name] = true
    }
    return { err_msg: `${api}:ok`, checkResult }
  }

  async function handle(name: string, params: Record<string, unknown>): Promise<BridgeReply> {
    switch (name) {
      case 'agentConfig':
      case 'preVerifyJSAPI':
        return checkConfig(name, params)
      case 'getContext':
        return { err_msg: 'getContext:ok', entry: host.entry() }
      case 'getCurExternalContact': {
        if (!granted.has(name))
          return { err_msg: `${name}:fail no permission` }
        const userId = CONTEXT_ENTRIES.has(host.entry()) ? host.currentContact() : null
        return userId
          ? { err_msg: `${name}:ok`, userId }
          : { err_msg: `${name}:fail without context of external contact` }
      }
      case 'sendChatMessage': {
        if (!granted.has(name) || !SEND_ENTRIES.has(host.entry()))
          return { err_msg: `${name}:fail no permission` }
        const message = extractMessage(params)
        if (!message)
          return { err_msg: `${name}:fail invalid msgtype` }
        const outcome = await host.deliver(message)
        if (outcome === 'cancel')
          return { err_msg: `${name}:cancel` }
        if (outcome === 'fail')
          return { err_msg: `${name}:fail no permission` }
        return { err_msg: `${name}:ok` }
      }
      case 'openUserProfile': {
        if (!granted.has(name))
          return { err_msg: `${name}:fail no permission` }
        const type = Number(params.type)
        const userid = str(params.userid)
        if ((type !== 1 && type !== 2) || !userid)
          return { err_msg: `${name}:fail invalid arguments` }
        const opened = host.openProfile ? await host.openProfile(type, userid) : true
        return opened ? { err_msg: `${name}:ok` } : { err_msg: `${name}:fail user not found` }
      }
      default:
        return { err_msg: `${name}:fail function not exist` }
    }
  }

  return {
    invoke(name, params, cb) {
      setTimeout(() => {
        handle(name, params ?? {}).then(cb, (err: unknown) => cb({ err_msg: `${name}:fail ${String(err)}` }))
      }, delay)
    },
    on() {},
  }
}

/** Install as `window.WeixinJSBridge` and announce it like the real client does. */
export function installMockBridge(options: MockBridgeOptions = {}): WeixinJSBridgeLike {
  const bridge = createMockBridge(options)
  window.WeixinJSBridge = bridge
  document.dispatchEvent(new Event('WeixinJSBridgeReady'))
  console.info(MOCK_BRIDGE_BANNER)
  return bridge
}
