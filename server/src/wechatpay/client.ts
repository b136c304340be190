// The WeChat Pay v2 client for enterprise red packets (企业红包, wecom-reference.md §5): XML over mutual TLS
// (the merchant's client certificate), `workwx_sign` then `sign`. A pure adapter: it classifies each reply
// as definitely paid, definitely not paid, or uncertain, and leaves what to do about it to the caller.
import type { IncomingMessage } from 'node:http'
import type { PayFields } from './sign.ts'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { paySign, workwxSign } from './sign.ts'
import { buildPayXml, parsePayXml, PayXmlError } from './xml.ts'

export interface WechatPayConfig {
  /** `https://api.mch.weixin.qq.com` in production; the emulator's pay service in tests and the demo. */
  apiBase: string
  mchId: string
  /** Merchant API v2 key (signs `sign`). */
  apiKey: string
  /** Secret of the WeCom 企业支付 app (signs `workwx_sign`). */
  paySecret: string
  /** The corpid: `wxappid` of a send, `appid` of a query. */
  corpId: string
  /** Send in the app's name (mutually exclusive with sender_name). */
  agentId?: number
  /** PEM client certificate + key for mutual TLS; `ca` pins the server's CA (the emulator's) when set. */
  tls?: { cert: string | Buffer, key: string | Buffer, ca?: string | Buffer }
  /**
   * Documented test stand-in for the client certificate when apiBase is plain http (the demo): sent as
   * the `x-emulator-client-cert` header, which only the emulator reads. Never set in production.
   */
  clientCertStandIn?: string
  timeoutMs?: number
}

export interface RedPacketSendInput {
  mchBillno: string
  reOpenid: string
  totalAmount: number
  wishing: string
  actName: string
  remark: string
  senderName?: string
  /** Required by WeChat Pay when the amount is under 1 元 or over 200 元. */
  sceneId?: string
}

/**
 * `paid`: WeChat Pay accepted it (result_code SUCCESS). `failed`: it definitely did not pay (a business
 * refusal such as NOTENOUGH), so the bill may be closed. `uncertain`: it may or may not have paid
 * (timeout, dropped connection, SYSTEMERROR, an unknown code): query, or retry with the SAME bill number.
 */
export type SendOutcome
  = | { kind: 'paid', sendListid: string | undefined }
    | { kind: 'failed', errCode: string, message: string }
    | { kind: 'uncertain', errCode: string, message: string }

/** WeChat Pay's packet states (queryworkwxredpack). RFUND_ING is spelled as the API spells it. */
const PAY_STATUSES = ['SENDING', 'SENT', 'FAILED', 'RECEIVED', 'RFUND_ING', 'REFUND'] as const
export type PayStatus = typeof PAY_STATUSES[number]

export type QueryOutcome
  = | { kind: 'found', status: PayStatus, detailId: string | undefined, totalAmount: number, sendTime: string | undefined, rcvTime: string | undefined, refundTime: string | undefined, reason: string | undefined }
  /** The bill is unknown to WeChat Pay: never sent, or still in flight. Resending the same bill is safe. */
    | { kind: 'not_found' }
    | { kind: 'uncertain', errCode: string, message: string }

/** Codes after which the bill did not pay and will not (retrying needs a change: money, limits, config). */
const DEFINITE_FAILURES = new Set(['NOTENOUGH', 'PARAM_ERROR', 'SIGN_ERROR', 'NO_AUTH', 'OPENID_ERROR', 'MONEY_LIMIT', 'SENDNUM_LIMIT', 'SENDAMOUNT_LIMIT', 'FREQ_LIMIT', 'CA_ERROR', 'ILLEGAL_APPID', 'XML_ERROR', 'FATAL_ERROR'])

/** Classifies a sendworkwxredpack reply (exported for tests). */
export function classifySendReply(reply: Record<string, string>): SendOutcome {
  const message = reply.err_code_des || reply.return_msg || ''
  // return_code FAIL: the request was refused before any business processing (format, signature, cert).
  if (reply.return_code === 'FAIL')
    return { kind: 'failed', errCode: reply.err_code || 'RETURN_FAIL', message }
  if (reply.return_code !== 'SUCCESS')
    return { kind: 'uncertain', errCode: 'NO_RETURN_CODE', message: 'reply without return_code' }
  if (reply.result_code === 'SUCCESS')
    return { kind: 'paid', sendListid: reply.send_listid || undefined }
  const errCode = reply.err_code || 'UNKNOWN'
  if (reply.result_code === 'FAIL' && DEFINITE_FAILURES.has(errCode))
    return { kind: 'failed', errCode, message }
  // SYSTEMERROR, PROCESSING and anything unknown: WeChat Pay says retry with the same bill number.
  return { kind: 'uncertain', errCode, message }
}

/** Classifies a queryworkwxredpack reply. */
function classifyQueryReply(reply: Record<string, string>): QueryOutcome {
  const message = reply.err_code_des || reply.return_msg || ''
  if (reply.return_code === 'SUCCESS' && reply.result_code === 'SUCCESS') {
    const status = reply.status as PayStatus
    if (!PAY_STATUSES.includes(status))
      return { kind: 'uncertain', errCode: 'UNKNOWN_STATUS', message: `unknown status ${reply.status}` }
    return {
      kind: 'found',
      status,
      detailId: reply.detail_id || undefined,
      totalAmount: Number(reply.total_amount),
      sendTime: reply.send_time || undefined,
      rcvTime: reply.rcv_time || undefined,
      refundTime: reply.refund_time || undefined,
      reason: reply.reason || undefined,
    }
  }
  if (reply.err_code === 'NOT_FOUND')
    return { kind: 'not_found' }
  return { kind: 'uncertain', errCode: reply.err_code || reply.return_code || 'UNKNOWN', message }
}

const nonce = () => randomBytes(16).toString('hex')

export interface WechatPayClient {
  sendWorkRedpack: (input: RedPacketSendInput) => Promise<SendOutcome>
  queryWorkRedpack: (mchBillno: string) => Promise<QueryOutcome>
}

export function createWechatPayClient(config: WechatPayConfig): WechatPayClient {
  const base = new URL(config.apiBase)
  const secure = base.protocol === 'https:'
  const agent = secure
    ? new https.Agent({ keepAlive: true, cert: config.tls?.cert, key: config.tls?.key, ca: config.tls?.ca })
    : new http.Agent({ keepAlive: true })
  const timeoutMs = config.timeoutMs ?? 10_000

  /** POSTs a signed XML document; resolves with the parsed reply, rejects on transport faults. */
  function post(path: string, fields: PayFields): Promise<Record<string, string>> {
    const body = buildPayXml({ ...fields, sign: paySign(fields, config.apiKey) })
    // Paths are appended to apiBase's own path, so a gateway or emulator prefix survives.
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base)
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) }
      if (config.clientCertStandIn && !secure)
        headers['x-emulator-client-cert'] = config.clientCertStandIn
      const request = (secure ? https : http).request(url, { method: 'POST', agent, headers, timeout: timeoutMs }, (response: IncomingMessage) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () => {
          try {
            resolve(parsePayXml(Buffer.concat(chunks).toString('utf8')))
          }
          catch (error) {
            reject(error)
          }
        })
      })
      request.on('timeout', () => request.destroy(new Error(`no reply within ${timeoutMs} ms`)))
      request.on('error', reject)
      request.end(body)
    })
  }

  const transportFault = (error: unknown) => ({
    kind: 'uncertain' as const,
    errCode: error instanceof PayXmlError ? 'BAD_REPLY' : 'TRANSPORT',
    message: error instanceof Error ? error.message : String(error),
  })

  return {
    async sendWorkRedpack(input) {
      const fields: PayFields = {
        nonce_str: nonce(),
        mch_billno: input.mchBillno,
        mch_id: config.mchId,
        wxappid: config.corpId,
        ...(input.senderName ? { sender_name: input.senderName } : { agentid: config.agentId }),
        re_openid: input.reOpenid,
        total_amount: input.totalAmount,
        wishing: input.wishing,
        act_name: input.actName,
        remark: input.remark,
        scene_id: input.sceneId,
      }
      fields.workwx_sign = workwxSign(fields, config.paySecret)
      try {
        return classifySendReply(await post('/mmpaymkttransfers/sendworkwxredpack', fields))
      }
      catch (error) {
        return transportFault(error)
      }
    },
    async queryWorkRedpack(mchBillno) {
      try {
        return classifyQueryReply(await post('/mmpaymkttransfers/queryworkwxredpack', { nonce_str: nonce(), mch_billno: mchBillno, mch_id: config.mchId, appid: config.corpId }))
      }
      catch (error) {
        return transportFault(error)
      }
    },
  }
}
