// The conversation archive (会话内容存档) in the emulator (reference §4, §6.4). The real pull protocol lives
// inside WeCom's closed Finance SDK, so the emulator exposes an emulator-only surface mirroring the SDK
// functions under /__emulator/finance/*, plus the real HTTP API msgaudit/check_single_agree.
//
// The RSA layer is real: each message's random key is RSA-encrypted (PKCS#1 v1.5) with the public key of
// the current `publickey_ver`; rotating adds a version and keeps the old one. The symmetric layer is a
// STAND-IN (WeCom's DecryptData algorithm is not public): AES-256-CBC, key = SHA-256(random key), a random
// 16-byte IV prefixed, PKCS#7 padding, base64. Media is served in chunks of at most 512 KB.
//
// Control routes (JSON):
//   POST /__emulator/finance/get_chat_data {seq, limit, timeout?}  → SDK JSON {errcode, errmsg, chatdata:[…]}
//   POST /__emulator/finance/get_media_data {sdkfileid, indexbuf}  → {errcode, outindexbuf, is_finish, data}
//   POST /__emulator/finance/messages {messages:[msg JSON], notify?} → {seqs} (appends; notify pushes msgaudit_notify)
//   POST /__emulator/finance/media {sdkfileid, base64}              → {size, md5sum}
//   POST /__emulator/finance/rotate_key                             → {publickey_ver}
//   GET  /__emulator/finance/keys                                   → {keys:[{publickey_ver, privateKeyPem}]}
//   POST /__emulator/finance/agree {userid, externalUserid, status} → the agree record
//   POST /__emulator/finance/faults {errcode, count}                → next get_chat_data calls fail with an SDK code
//   POST /__emulator/finance/corrupt {kind: 'cipher'|'key_version'}  → appends one broken message
//   GET  /__emulator/messages                                      → {sent:[message/send bodies]}

import type { ApiReply } from './state.ts'
import { createCipheriv, createHash, generateKeyPairSync, publicEncrypt, randomBytes, constants as rsa } from 'node:crypto'
import { fail, ok } from './state.ts'

/** SDK limits (reference §4.3, §4.5). */
export const MAX_CHAT_DATA_LIMIT = 1000
export const MEDIA_CHUNK_BYTES = 512 * 1024

export type AgreeStatus = 'Agree' | 'Disagree' | 'Default_Agree'

export interface ArchiveKeyPair {
  version: number
  publicKeyPem: string
  privateKeyPem: string
}

export interface ChatDataItem {
  seq: number
  msgid: string
  publickey_ver: number
  encrypt_random_key: string
  encrypt_chat_msg: string
}

/** A decrypted message (reference §4.6): common fields plus the body under its type's key. */
export type ArchiveMessageJson = Record<string, unknown> & { msgid: string, action: string }

const SDK_ERRORS: Record<number, string> = {
  10000: 'param error',
  10001: 'network error',
  10002: 'parse data fail',
  10003: 'system error',
  10005: 'fileid error',
  10009: 'ip not allowed',
  10010: 'data expired',
}

/** The emulator's stand-in for DecryptData's inverse (see the header); the client has its own decryption. */
export function standInEncrypt(randomKey: string, plaintext: string): string {
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(randomKey).digest(), iv)
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64')
}

export function generateArchiveKeyPair(version: number): ArchiveKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  })
  return { version, publicKeyPem: publicKey, privateKeyPem: privateKey }
}

export interface EmulatorArchiveOptions {
  /** Pushes `msgaudit_notify` (the callback pusher); absent = no callbacks. */
  notify?: () => void
  /** Starting key pairs; absent = one generated on first use (version 1). */
  keys?: ArchiveKeyPair[]
  /**
   * Messages sharing one random key (default 1: a fresh key per message). WeCom does not document whether
   * it reuses keys; the bench sets more to measure ingest without one RSA operation per message.
   */
  messagesPerRandomKey?: number
}

export class EmulatorArchive {
  private keys: ArchiveKeyPair[]
  private chatdata: ChatDataItem[] = []
  /** Items with seq ≤ this were dropped (trimDelivered): WeCom too keeps undelivered data only for days. */
  private dropped = 0
  private media = new Map<string, Buffer>()
  private agree = new Map<string, { status: AgreeStatus, changedAt: number }>()
  private faults: { errcode: number, count: number }[] = []
  private currentKey: { version: number, plain: string, encrypted: string, uses: number } | undefined
  /** App messages sent with message/send (alerts to supervisors). */
  sentAppMessages: Record<string, unknown>[] = []

  constructor(private readonly now: () => number, private readonly options: EmulatorArchiveOptions = {}) {
    this.keys = options.keys ? [...options.keys] : []
  }

  get publickeyVer(): number {
    return this.currentPair().version
  }

  /** Every key pair so far (the admin keeps each private key: old messages carry old versions). */
  keyPairs(): ArchiveKeyPair[] {
    this.currentPair()
    return [...this.keys]
  }

  private currentPair(): ArchiveKeyPair {
    if (this.keys.length === 0)
      this.keys.push(generateArchiveKeyPair(1))
    return this.keys.at(-1)!
  }

  /** Uploads a new public key: later messages use the next `publickey_ver`. */
  rotateKey(pair?: ArchiveKeyPair): number {
    const next = pair ?? generateArchiveKeyPair(this.currentPair().version + 1)
    this.keys.push(next)
    this.currentKey = undefined
    return next.version
  }

  get size(): number {
    return this.dropped + this.chatdata.length
  }

  /** Frees items up to `seq` (benchmarks append millions in rounds); later pulls from before it get nothing for them. */
  trimDelivered(seq: number): void {
    const drop = Math.min(this.chatdata.length, Math.max(0, seq - this.dropped))
    this.chatdata.splice(0, drop)
    this.dropped += drop
  }

  private randomKey(): { version: number, plain: string, encrypted: string } {
    const pair = this.currentPair()
    const perKey = this.options.messagesPerRandomKey ?? 1
    if (!this.currentKey || this.currentKey.version !== pair.version || this.currentKey.uses >= perKey) {
      // WeCom's random keys are short ASCII strings (reference §4.4).
      const plain = randomBytes(24).toString('base64url')
      const encrypted = publicEncrypt({ key: pair.publicKeyPem, padding: rsa.RSA_PKCS1_PADDING }, Buffer.from(plain)).toString('base64')
      this.currentKey = { version: pair.version, plain, encrypted, uses: 0 }
    }
    this.currentKey.uses++
    return this.currentKey
  }

  /** Appends decrypted messages as encrypted chatdata; returns their seqs. */
  append(messages: ArchiveMessageJson[], notify = false): number[] {
    const seqs = messages.map((message) => {
      const key = this.randomKey()
      const seq = this.size + 1
      this.chatdata.push({ seq, msgid: message.msgid, publickey_ver: key.version, encrypt_random_key: key.encrypted, encrypt_chat_msg: standInEncrypt(key.plain, JSON.stringify(message)) })
      return seq
    })
    if (notify && seqs.length > 0)
      this.options.notify?.()
    return seqs
  }

  /** Appends a message the client cannot decrypt: a damaged cipher text, or a key version nobody holds. */
  appendCorrupt(kind: 'cipher' | 'key_version'): number {
    const msgid = `corrupt_${randomBytes(6).toString('hex')}`
    const [seq] = this.append([{ msgid, action: 'send', from: 'x', tolist: [], roomid: '', msgtime: this.now(), msgtype: 'text', text: { content: 'x' } }])
    const item = this.chatdata[seq! - 1 - this.dropped]!
    if (kind === 'cipher')
      item.encrypt_chat_msg = Buffer.from('not the cipher text of any message').toString('base64')
    else
      item.publickey_ver = 9999
    return seq!
  }

  putMedia(sdkfileid: string, data: Buffer): { size: number, md5sum: string } {
    this.media.set(sdkfileid, data)
    return { size: data.length, md5sum: createHash('md5').update(data).digest('hex') }
  }

  setAgree(userid: string, externalUserid: string, status: AgreeStatus): void {
    this.agree.set(`${userid}\n${externalUserid}`, { status, changedAt: this.now() })
  }

  addFault(errcode: number, count: number): void {
    this.faults.push({ errcode, count })
  }

  /** GetChatData: messages with seq > `seq`, at most `limit` (≤ 1000). */
  getChatData(body: Record<string, unknown>): Record<string, unknown> {
    const fault = this.faults[0]
    if (fault) {
      if (--fault.count <= 0)
        this.faults.shift()
      return { errcode: fault.errcode, errmsg: SDK_ERRORS[fault.errcode] ?? 'sdk error' }
    }
    const seq = body.seq
    const limit = body.limit
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_CHAT_DATA_LIMIT)
      return { errcode: 10000, errmsg: SDK_ERRORS[10000] }
    const from = Math.max(0, seq - this.dropped)
    return { errcode: 0, errmsg: 'ok', chatdata: this.chatdata.slice(from, from + limit) }
  }

  /** GetMediaData: one chunk ≤ 512 KB from the offset the index buffer names. */
  getMediaData(body: Record<string, unknown>): Record<string, unknown> {
    const data = typeof body.sdkfileid === 'string' ? this.media.get(body.sdkfileid) : undefined
    if (!data)
      return { errcode: 10005, errmsg: SDK_ERRORS[10005] }
    const offset = typeof body.indexbuf === 'string' && body.indexbuf !== '' ? Number(Buffer.from(body.indexbuf, 'base64').toString('utf8').replace(/^offset:/, '')) : 0
    if (!Number.isInteger(offset) || offset < 0 || offset > data.length)
      return { errcode: 10000, errmsg: SDK_ERRORS[10000] }
    const end = Math.min(data.length, offset + MEDIA_CHUNK_BYTES)
    return {
      errcode: 0,
      errmsg: 'ok',
      outindexbuf: Buffer.from(`offset:${end}`).toString('base64'),
      is_finish: end >= data.length ? 1 : 0,
      data: data.subarray(offset, end).toString('base64'),
    }
  }

  /** POST /cgi-bin/msgaudit/check_single_agree (note WeCom's own spelling `exteranalopenid`). */
  checkSingleAgree(body: Record<string, unknown>): ApiReply {
    const info = body.info
    if (!Array.isArray(info) || info.length === 0 || info.length > 100)
      return fail(40058, 'info must list 1 to 100 {userid, exteranalopenid}')
    const agreeinfo = []
    for (const entry of info as Record<string, unknown>[]) {
      if (typeof entry?.userid !== 'string' || typeof entry.exteranalopenid !== 'string')
        return fail(40058, 'each info needs userid and exteranalopenid')
      const known = this.agree.get(`${entry.userid}\n${entry.exteranalopenid}`)
      agreeinfo.push({ userid: entry.userid, exteranalopenid: entry.exteranalopenid, agree_status: known?.status ?? 'Default_Agree', status_change_time: Math.floor((known?.changedAt ?? 0) / 1000) })
    }
    return ok({ agreeinfo })
  }

  /** POST /cgi-bin/message/send: recorded for tests and the demo. */
  sendAppMessage(body: Record<string, unknown>, agentId: number): ApiReply {
    if (body.agentid !== agentId)
      return fail(40058, 'agentid')
    if (typeof body.touser !== 'string' || body.touser === '' || typeof body.msgtype !== 'string')
      return fail(40058, 'touser and msgtype are required')
    this.sentAppMessages.push(body)
    return ok({ invaliduser: '', invalidparty: '', invalidtag: '', unlicenseduser: '', msgid: `emu_${randomBytes(8).toString('hex')}` })
  }

  /** The emulator-only control surface; null when the route is not the archive's. */
  control(route: string, body: Record<string, unknown>): { status: number, body: unknown } | null {
    switch (route) {
      case 'POST /__emulator/finance/get_chat_data':
        return { status: 200, body: this.getChatData(body) }
      case 'POST /__emulator/finance/get_media_data':
        return { status: 200, body: this.getMediaData(body) }
      case 'POST /__emulator/finance/messages': {
        if (!Array.isArray(body.messages) || !body.messages.every(m => typeof m === 'object' && m !== null && typeof (m as ArchiveMessageJson).msgid === 'string'))
          return { status: 400, body: { error: 'expected {messages:[{msgid, action, …}]}' } }
        return { status: 200, body: { seqs: this.append(body.messages as ArchiveMessageJson[], body.notify === true) } }
      }
      case 'POST /__emulator/finance/media':
        if (typeof body.sdkfileid !== 'string' || typeof body.base64 !== 'string')
          return { status: 400, body: { error: 'expected {sdkfileid, base64}' } }
        return { status: 200, body: this.putMedia(body.sdkfileid, Buffer.from(body.base64, 'base64')) }
      case 'POST /__emulator/finance/rotate_key':
        return { status: 200, body: { publickey_ver: this.rotateKey() } }
      case 'GET /__emulator/finance/keys':
        return { status: 200, body: { keys: this.keyPairs().map(k => ({ publickey_ver: k.version, privateKeyPem: k.privateKeyPem })) } }
      case 'POST /__emulator/finance/agree': {
        const status = body.status
        if (typeof body.userid !== 'string' || typeof body.externalUserid !== 'string' || (status !== 'Agree' && status !== 'Disagree' && status !== 'Default_Agree'))
          return { status: 400, body: { error: 'expected {userid, externalUserid, status: Agree|Disagree|Default_Agree}' } }
        this.setAgree(body.userid, body.externalUserid, status)
        return { status: 200, body: { ok: true } }
      }
      case 'POST /__emulator/finance/faults':
        if (typeof body.errcode !== 'number' || !(body.errcode in SDK_ERRORS))
          return { status: 400, body: { error: `errcode must be one of ${Object.keys(SDK_ERRORS).join(', ')}` } }
        this.addFault(body.errcode, typeof body.count === 'number' ? body.count : 1)
        return { status: 200, body: { ok: true } }
      case 'POST /__emulator/finance/corrupt':
        if (body.kind !== 'cipher' && body.kind !== 'key_version')
          return { status: 400, body: { error: 'kind must be cipher or key_version' } }
        return { status: 200, body: { seq: this.appendCorrupt(body.kind) } }
      case 'GET /__emulator/messages':
        return { status: 200, body: { sent: this.sentAppMessages } }
      default:
        return null
    }
  }
}
