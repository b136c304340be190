// Callback pusher (reference §3, §6.2): encrypts events with the app's Token/EncodingAESKey
// (WXBizMsgCrypt, implemented here independently of server/src/wecom so each side checks the
// other), POSTs them to fixtures.app.callbackUrl, treats no 2xx reply within the timeout as a
// failure and retries (3 attempts in all). Also performs the GET echostr URL verification.

import type { WecomFixtures } from './fixtures.ts'
import { createCipheriv, createHash, randomBytes } from 'node:crypto'

export type CallbackEvent = Record<string, string | number>

export interface CallbackDelivery {
  seq: number
  event: CallbackEvent
  status: 'pending' | 'delivered' | 'failed' | 'skipped'
  attempts: number
  /** Last HTTP status or error text. */
  lastResult?: string
}

function cdata(v: string | number): string {
  return typeof v === 'number' ? String(v) : `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`
}

export function eventXml(corpId: string, createTime: number, event: CallbackEvent): string {
  const fields: CallbackEvent = { ToUserName: corpId, FromUserName: 'sys', CreateTime: createTime, MsgType: 'event', ...event }
  return `<xml>${Object.entries(fields).map(([k, v]) => `<${k}>${cdata(v)}</${k}>`).join('')}</xml>`
}

export function wxEncrypt(encodingAesKey: string, receiveId: string, message: string): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64')
  const msg = Buffer.from(message, 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32BE(msg.length)
  const body = Buffer.concat([randomBytes(16), len, msg, Buffer.from(receiveId, 'utf8')])
  const pad = 32 - (body.length % 32)
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false)
  return Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64')
}

export function wxSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex')
}

export class CallbackPusher {
  deliveries: CallbackDelivery[] = []
  private seq = 0
  /** Per-attempt timeout (WeCom: 5 s) and attempts in all (WeCom: 3). */
  timeoutMs = 5000
  attempts = 3
  retryDelayMs = 200

  constructor(private readonly fixtures: () => WecomFixtures, private readonly nowSeconds: () => number) {}

  /** Queues an event; resolves when delivered, failed or skipped (callers may ignore the promise). */
  push(event: CallbackEvent): Promise<CallbackDelivery> {
    const d: CallbackDelivery = { seq: ++this.seq, event, status: 'pending', attempts: 0 }
    this.deliveries.push(d)
    return this.deliver(d)
  }

  private async deliver(d: CallbackDelivery): Promise<CallbackDelivery> {
    const f = this.fixtures()
    if (!f.app.callbackUrl) {
      d.status = 'skipped'
      return d
    }
    const timestamp = String(this.nowSeconds())
    const nonce = randomBytes(5).toString('hex')
    const encrypt = wxEncrypt(f.app.encodingAesKey, f.corpId, eventXml(f.corpId, Number(timestamp), d.event))
    const url = new URL(f.app.callbackUrl)
    url.searchParams.set('msg_signature', wxSignature(f.app.callbackToken, timestamp, nonce, encrypt))
    url.searchParams.set('timestamp', timestamp)
    url.searchParams.set('nonce', nonce)
    const body = `<xml><ToUserName>${cdata(f.corpId)}</ToUserName><AgentID>${cdata(String(f.app.agentId))}</AgentID><Encrypt>${cdata(encrypt)}</Encrypt></xml>`
    while (d.attempts < this.attempts) {
      d.attempts++
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body, signal: AbortSignal.timeout(this.timeoutMs) })
        await res.arrayBuffer()
        d.lastResult = `HTTP ${res.status}`
        if (res.ok) {
          d.status = 'delivered'
          return d
        }
      }
      catch (err) {
        d.lastResult = err instanceof Error ? err.message : String(err)
      }
      if (d.attempts < this.attempts)
        await new Promise(resolve => setTimeout(resolve, this.retryDelayMs))
    }
    d.status = 'failed'
    return d
  }

  /** GET url?msg_signature&timestamp&nonce&echostr; ok when the reply body is exactly the plaintext. */
  async verifyUrl(): Promise<{ ok: boolean, status?: number, body?: string, expected: string, error?: string }> {
    const f = this.fixtures()
    const expected = `emu-echo-${randomBytes(6).toString('hex')}`
    if (!f.app.callbackUrl)
      return { ok: false, expected, error: 'no callbackUrl in fixtures' }
    const timestamp = String(this.nowSeconds())
    const nonce = randomBytes(5).toString('hex')
    const echostr = wxEncrypt(f.app.encodingAesKey, f.corpId, expected)
    const url = new URL(f.app.callbackUrl)
    url.searchParams.set('msg_signature', wxSignature(f.app.callbackToken, timestamp, nonce, echostr))
    url.searchParams.set('timestamp', timestamp)
    url.searchParams.set('nonce', nonce)
    url.searchParams.set('echostr', echostr)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) })
      const text = await res.text()
      return { ok: res.ok && text === expected, status: res.status, body: text, expected }
    }
    catch (err) {
      return { ok: false, expected, error: err instanceof Error ? err.message : String(err) }
    }
  }
}
