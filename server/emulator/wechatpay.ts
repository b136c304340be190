// The WeChat Pay service for enterprise red packets (wecom-reference.md §5, §6.5) on its own loopback port:
// sendworkwxredpack and queryworkwxredpack in XML, checking the client certificate, both signatures, field
// rules, amount bounds and per-user caps; a ledger and a merchant balance (NOTENOUGH); idempotent by
// mch_billno (same bill and payload → same result; same bill, other payload → PARAM_ERROR); injectable faults.
//
// Client certificate: with `tls` the server speaks HTTPS and requires a client certificate signed by
// `tls.ca` (real mutual TLS; tests generate a throwaway CA with openssl). Without `tls` (the demo) it speaks
// HTTP and a documented STAND-IN replaces the certificate: the `x-emulator-client-cert` header must carry
// the merchant id. Production code never sends that header to a real pay service (see wechatpay/client.ts).
//
// Emulator readings where the docs leave it open (marked so, not facts about WeChat Pay): amounts 1–200 元
// without scene_id and 0.30–5000 元 with it; per-openid caps 10 packets and 1000 元 per Beijing day;
// unclaimed packets refund 24 h after sending, on the next query or ledger read.
//
// The demo may let a simulated customer open every packet a few seconds after it is sent (autoReceiveMs).
//
// Control API (JSON) on the same port:
//   GET  /__emulator/wechatpay/ledger                      → {balance, packets:[…]}
//   POST /__emulator/wechatpay/faults {api:'send'|'query', kind:'SYSTEMERROR'|'timeout'|'drop'|'refuse', errCode?, count?, when?:'before'|'after'}
//   POST /__emulator/wechatpay/receive {mchBillno}         → the packet, now RECEIVED
//   POST /__emulator/wechatpay/advance {hours}             → {now}
//   POST /__emulator/wechatpay/balance {fen}               → {balance}
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ApiReply, EmulatorState } from './state.ts'
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { shanghaiDate, shanghaiTime } from '../src/lib/china-time.ts'
import { paySign, workwxSign } from '../src/wechatpay/sign.ts'
import { buildPayXml, parsePayXml, PayXmlError } from '../src/wechatpay/xml.ts'
import { EmulatorClock } from './clock.ts'
import { fail, ok } from './state.ts'

export interface WechatPayMerchant {
  mchId: string
  apiKey: string
  paySecret: string
  corpId: string
  /** Merchant balance in 分. */
  balance: number
}

export interface WechatPayEmulatorOptions {
  merchant: WechatPayMerchant
  port?: number
  host?: string
  now?: () => number
  /** Demo only: the simulated customer opens each packet this long after it was sent. */
  autoReceiveMs?: number
  /** PEM server key/cert and the CA that client certificates must chain to. */
  tls?: { key: string | Buffer, cert: string | Buffer, ca: string | Buffer }
}

export type PacketStatus = 'SENT' | 'RECEIVED' | 'REFUND'

export interface LedgerPacket {
  mchBillno: string
  openid: string
  totalAmount: number
  status: PacketStatus
  sendListid: string
  detailId: string
  sentAt: number
  receivedAt?: number
  refundedAt?: number
  /** The business fields of the first accepted request (no nonce, no signatures): the idempotency key. */
  payload: string
  wishing: string
  actName: string
  remark: string
}

export interface PayFault {
  api: 'send' | 'query'
  /** 'refuse': answer the business error `errCode` (e.g. NOTENOUGH) without looking at the bill. */
  kind: 'SYSTEMERROR' | 'timeout' | 'drop' | 'refuse'
  errCode?: string
  /** 'after' (default for timeout/drop): the call takes effect and only the reply is lost. */
  when?: 'before' | 'after'
  count?: number
}

/** The openid a customer has in the corp's payment space (emulator mapping behind convert_to_openid). */
export function emulatedOpenid(corpId: string, externalUserid: string): string {
  return `o${createHash('sha256').update(`${corpId}:${externalUserid}`).digest('base64url').slice(0, 27)}`
}

/** externalcontact/convert_to_openid: the customer must exist in the corp (else 40096). */
export function convertToOpenid(state: EmulatorState, body: Record<string, unknown>): ApiReply {
  const externalUserid = typeof body.external_userid === 'string' ? body.external_userid : ''
  if (!externalUserid)
    return fail(40096, 'external_userid missing')
  if (!state.fixtures.externalContacts.some(c => c.externalUserid === externalUserid))
    return fail(40096)
  return ok({ openid: emulatedOpenid(state.fixtures.corpId, externalUserid) })
}

const OPENID = /^o[\w-]{27}$/
const BILLNO = /^[0-9a-z]{1,28}$/i
const SCENES = new Set(['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3', 'PRODUCT_4', 'PRODUCT_5', 'PRODUCT_6', 'PRODUCT_7', 'PRODUCT_8'])
const PLAIN_MIN = 100
const PLAIN_MAX = 20_000
const SCENE_MIN = 30
const SCENE_MAX = 500_000
const USER_DAY_COUNT = 10
const USER_DAY_AMOUNT = 100_000
const REFUND_AFTER_MS = 24 * 3_600_000

type Reply = Record<string, string | number | undefined>

export class WechatPayState {
  readonly ledger = new Map<string, LedgerPacket>()
  private faults: (Required<Omit<PayFault, 'errCode'>> & Pick<PayFault, 'errCode'>)[] = []
  private seq = 0

  private readonly clock: EmulatorClock

  constructor(readonly merchant: WechatPayMerchant, base: () => number = Date.now) {
    this.clock = new EmulatorClock(base)
  }

  now(): number {
    return this.clock.now()
  }

  advanceHours(hours: number): void {
    this.clock.advance(hours * 3600)
  }

  injectFault(fault: PayFault): void {
    this.faults.push({ when: fault.kind === 'SYSTEMERROR' || fault.kind === 'refuse' ? 'before' : 'after', count: 1, ...fault })
  }

  clearFaults(): void {
    this.faults = []
  }

  /** Takes the next fault for `api`, if any. */
  takeFault(api: PayFault['api']): (Required<Omit<PayFault, 'errCode'>> & Pick<PayFault, 'errCode'>) | undefined {
    const fault = this.faults.find(f => f.api === api)
    if (fault && --fault.count <= 0)
      this.faults.splice(this.faults.indexOf(fault), 1)
    return fault
  }

  /** Mark received (the customer opened it); only a SENT packet can be. */
  receive(mchBillno: string): LedgerPacket {
    const packet = this.settle(mchBillno)
    if (!packet)
      throw new Error(`no packet ${mchBillno}`)
    if (packet.status === 'SENT') {
      packet.status = 'RECEIVED'
      packet.receivedAt = this.now()
    }
    return packet
  }

  /** Refunds a packet left unclaimed 24 h: the money goes back to the merchant balance. */
  private settle(mchBillno: string): LedgerPacket | undefined {
    const packet = this.ledger.get(mchBillno)
    if (packet?.status === 'SENT' && this.now() - packet.sentAt >= REFUND_AFTER_MS) {
      packet.status = 'REFUND'
      packet.refundedAt = packet.sentAt + REFUND_AFTER_MS
      this.merchant.balance += packet.totalAmount
    }
    return packet
  }

  packets(): LedgerPacket[] {
    return [...this.ledger.keys()].map(billno => this.settle(billno)!)
  }

  private business(fields: Record<string, string>): Reply {
    return { return_code: 'SUCCESS', return_msg: 'OK', result_code: 'SUCCESS', mch_id: this.merchant.mchId, mch_billno: fields.mch_billno }
  }

  private refuse(errCode: string, message: string, fields: Record<string, string> = {}): Reply {
    return { return_code: 'SUCCESS', return_msg: message, result_code: 'FAIL', err_code: errCode, err_code_des: message, mch_billno: fields.mch_billno, mch_id: this.merchant.mchId }
  }

  private checkSign(fields: Record<string, string>): Reply | undefined {
    if (!fields.sign || paySign(fields, this.merchant.apiKey) !== fields.sign)
      return this.refuse('SIGN_ERROR', '签名错误', fields)
    return undefined
  }

  send(fields: Record<string, string>): Reply {
    const signError = this.checkSign(fields)
    if (signError)
      return signError
    if (!fields.workwx_sign || workwxSign(fields, this.merchant.paySecret) !== fields.workwx_sign)
      return this.refuse('SIGN_ERROR', '企业微信签名校验失败', fields)
    const problem = this.fieldProblem(fields)
    if (problem)
      return this.refuse('PARAM_ERROR', problem, fields)
    const payload = JSON.stringify(Object.entries(fields).filter(([k]) => !['nonce_str', 'sign', 'workwx_sign'].includes(k)).sort(([a], [b]) => a.localeCompare(b)))
    const existing = this.ledger.get(fields.mch_billno!)
    if (existing) {
      if (existing.payload !== payload)
        return this.refuse('PARAM_ERROR', '该商户订单号已使用,请求参数与原单不一致', fields)
      return this.sentReply(existing)
    }
    const amount = Number(fields.total_amount)
    const openid = fields.re_openid!
    const today = shanghaiDate(this.now())
    const sentToday = [...this.ledger.values()].filter(p => p.openid === openid && shanghaiDate(p.sentAt) === today)
    if (sentToday.length >= USER_DAY_COUNT)
      return this.refuse('SENDNUM_LIMIT', '该用户今日领取红包个数超过限制', fields)
    if (sentToday.reduce((sum, p) => sum + p.totalAmount, 0) + amount > USER_DAY_AMOUNT)
      return this.refuse('MONEY_LIMIT', '该用户今日领取金额超过限制', fields)
    if (this.merchant.balance < amount)
      return this.refuse('NOTENOUGH', '帐号余额不足,请到商户平台充值后再重试', fields)
    this.merchant.balance -= amount
    const packet: LedgerPacket = {
      mchBillno: fields.mch_billno!,
      openid,
      totalAmount: amount,
      status: 'SENT',
      sendListid: `1000041701${String(++this.seq).padStart(18, '0')}`,
      detailId: `1000000000${randomBytes(8).toString('hex')}`,
      sentAt: this.now(),
      payload,
      wishing: fields.wishing!,
      actName: fields.act_name!,
      remark: fields.remark!,
    }
    this.ledger.set(packet.mchBillno, packet)
    return this.sentReply(packet)
  }

  private sentReply(packet: LedgerPacket): Reply {
    return { ...this.business({ mch_billno: packet.mchBillno }), wxappid: this.merchant.corpId, re_openid: packet.openid, total_amount: packet.totalAmount, send_listid: packet.sendListid }
  }

  private fieldProblem(f: Record<string, string>): string | undefined {
    for (const name of ['nonce_str', 'mch_billno', 'mch_id', 'wxappid', 're_openid', 'total_amount', 'wishing', 'act_name', 'remark'] as const) {
      if (!f[name])
        return `${name} 字段必填`
    }
    if (f.nonce_str!.length > 32)
      return 'nonce_str 长度超过 32'
    if (!BILLNO.test(f.mch_billno!))
      return 'mch_billno 须为不超过 28 位的数字或字母'
    if (f.mch_id !== this.merchant.mchId)
      return 'mch_id 与证书不符'
    if (f.wxappid !== this.merchant.corpId)
      return 'wxappid 不是本商户绑定的企业'
    if (Boolean(f.sender_name) === Boolean(f.agentid))
      return 'sender_name 与 agentid 须且只能填一个'
    if ((f.sender_name ?? '').length > 128)
      return 'sender_name 长度超过 128'
    if (f.wishing!.length > 128)
      return 'wishing 长度超过 128'
    if (f.act_name!.length > 32)
      return 'act_name 长度超过 32'
    if (f.remark!.length > 256)
      return 'remark 长度超过 256'
    if (!OPENID.test(f.re_openid!))
      return 're_openid 格式不正确'
    if (!/^\d+$/.test(f.total_amount!))
      return 'total_amount 须为整数(分)'
    const amount = Number(f.total_amount)
    if (f.scene_id !== undefined && !SCENES.has(f.scene_id))
      return 'scene_id 取值无效'
    const [min, max] = f.scene_id ? [SCENE_MIN, SCENE_MAX] : [PLAIN_MIN, PLAIN_MAX]
    if (amount < min || amount > max)
      return f.scene_id ? `total_amount 须在 ${min}–${max} 分之间` : `total_amount 须在 ${min}–${max} 分之间,否则须填 scene_id`
    return undefined
  }

  query(fields: Record<string, string>): Reply {
    const signError = this.checkSign(fields)
    if (signError)
      return signError
    if (fields.mch_id !== this.merchant.mchId || fields.appid !== this.merchant.corpId || !fields.mch_billno || !fields.nonce_str)
      return this.refuse('PARAM_ERROR', 'mch_id、appid、mch_billno、nonce_str 必填且须与商户一致', fields)
    const packet = this.settle(fields.mch_billno)
    if (!packet)
      return this.refuse('NOT_FOUND', '指定单号数据不存在', fields)
    return {
      ...this.business(fields),
      detail_id: packet.detailId,
      status: packet.status,
      send_type: 'API',
      total_amount: packet.totalAmount,
      send_time: shanghaiTime(packet.sentAt),
      refund_time: packet.refundedAt === undefined ? undefined : shanghaiTime(packet.refundedAt),
      refund_amount: packet.status === 'REFUND' ? packet.totalAmount : undefined,
      wishing: packet.wishing,
      remark: packet.remark,
      act_name: packet.actName,
      openid: packet.openid,
      amount: packet.totalAmount,
      rcv_time: packet.receivedAt === undefined ? undefined : shanghaiTime(packet.receivedAt),
    }
  }
}

export interface RunningWechatPayEmulator {
  /** Base URL for the client's apiBase (https:// with tls). */
  url: string
  state: WechatPayState
  close: () => Promise<void>
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export async function startWechatPayEmulator(options: WechatPayEmulatorOptions): Promise<RunningWechatPayEmulator> {
  const state = new WechatPayState({ ...options.merchant }, options.now)
  const hanging = new Set<ServerResponse>()
  const timers = new Set<ReturnType<typeof setTimeout>>()

  function sendXml(res: ServerResponse, reply: Reply) {
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(buildPayXml(reply))
  }

  function hasClientCert(req: IncomingMessage): boolean {
    if (options.tls)
      return (req.socket as TLSSocket).authorized === true
    return req.headers['x-emulator-client-cert'] === state.merchant.mchId
  }

  async function handlePay(req: IncomingMessage, res: ServerResponse, api: 'send' | 'query') {
    const text = await readBody(req)
    if (!hasClientCert(req))
      return sendXml(res, { return_code: 'FAIL', return_msg: '证书验证失败', err_code: 'CA_ERROR', err_code_des: '请求未携带商户证书' })
    let fields: Record<string, string>
    try {
      fields = parsePayXml(text)
    }
    catch (error) {
      if (error instanceof PayXmlError)
        return sendXml(res, { return_code: 'FAIL', return_msg: `XML 格式错误: ${error.message}`, err_code: 'XML_ERROR' })
      throw error
    }
    const fault = state.takeFault(api)
    if (fault?.kind === 'SYSTEMERROR')
      return sendXml(res, { return_code: 'SUCCESS', return_msg: '系统错误,请稍后使用原单号重试,请勿更换单号', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统错误,请稍后使用原单号重试,请勿更换单号', mch_billno: fields.mch_billno })
    if (fault?.kind === 'refuse')
      return sendXml(res, { return_code: 'SUCCESS', return_msg: fault.errCode, result_code: 'FAIL', err_code: fault.errCode ?? 'PARAM_ERROR', err_code_des: `emulated refusal ${fault.errCode}`, mch_billno: fields.mch_billno })
    if (fault?.when === 'before')
      return fault.kind === 'drop' ? req.socket.destroy() : void hanging.add(res)
    const known = state.ledger.has(fields.mch_billno ?? '')
    const reply = api === 'send' ? state.send(fields) : state.query(fields)
    if (api === 'send' && !known && options.autoReceiveMs !== undefined && reply.result_code === 'SUCCESS') {
      const timer = setTimeout(() => {
        timers.delete(timer)
        state.receive(fields.mch_billno!)
      }, options.autoReceiveMs)
      timers.add(timer)
    }
    if (fault?.kind === 'drop')
      return req.socket.destroy()
    if (fault?.kind === 'timeout')
      return void hanging.add(res)
    sendXml(res, reply)
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') as Record<string, unknown> : {}
    switch (`${req.method} ${path}`) {
      case 'GET /__emulator/wechatpay/ledger':
        return json(200, { balance: state.merchant.balance, packets: state.packets() })
      case 'POST /__emulator/wechatpay/faults':
        state.injectFault(body as unknown as PayFault)
        return json(200, { ok: true })
      case 'DELETE /__emulator/wechatpay/faults':
        state.clearFaults()
        return json(200, { ok: true })
      case 'POST /__emulator/wechatpay/receive':
        try {
          return json(200, state.receive(String(body.mchBillno)))
        }
        catch (error) {
          return json(404, { error: (error as Error).message })
        }
      case 'POST /__emulator/wechatpay/advance':
        state.advanceHours(Number(body.hours ?? 24))
        return json(200, { now: state.now() })
      case 'POST /__emulator/wechatpay/balance':
        state.merchant.balance = Number(body.fen)
        return json(200, { balance: state.merchant.balance })
      default:
        return json(404, { error: `unknown control route ${req.method} ${path}` })
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://pay.invalid').pathname
    // The demo's browser pages call the control API from another origin.
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-allow-headers', 'content-type')
    if (req.method === 'OPTIONS')
      return void res.writeHead(204).end()
    const work = path.startsWith('/__emulator/wechatpay/')
      ? handleControl(req, res, path)
      : req.method === 'POST' && path === '/mmpaymkttransfers/sendworkwxredpack'
        ? handlePay(req, res, 'send')
        : req.method === 'POST' && path === '/mmpaymkttransfers/queryworkwxredpack'
          ? handlePay(req, res, 'query')
          : Promise.resolve(void res.writeHead(404).end())
    work.catch((error: unknown) => {
      if (!res.headersSent)
        res.writeHead(500).end(String(error))
    })
  }

  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: true, rejectUnauthorized: false }, handler)
    : http.createServer(handler)
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>(resolve => server.listen(options.port ?? 0, host, resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    state,
    close: () => new Promise<void>((resolve) => {
      for (const res of hanging)
        res.destroy()
      for (const timer of timers)
        clearTimeout(timer)
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
