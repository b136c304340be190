// The ArchiveSource adapter for the WeCom emulator (reference §6.4): the SDK functions are the emulator's
// /__emulator/finance/* surface, check_single_agree is the real HTTP API with the archive secret's token.
//
// DecryptData here is the emulator's documented STAND-IN for WeCom's proprietary algorithm:
// AES-256-CBC, key = SHA-256(random key), a 16-byte IV prefixed, PKCS#7. Production decrypts with the
// native SDK (native-sdk.ts); nothing else in the archive depends on which adapter runs.
import type { AgreeInfo, AgreeStatus, ArchiveSource, ChatDataItem, MediaChunk } from './source.ts'
import { createDecipheriv, createHash } from 'node:crypto'
import { ArchiveSourceError } from './source.ts'

export interface EmulatorSourceOptions {
  /** The emulator's base URL (WECOM_API_BASE in a demo). */
  baseUrl: string
  corpId: string
  /** The 会话内容存档 secret. */
  secret: string
  fetch?: typeof fetch
  timeoutMs?: number
}

interface SdkReply { errcode: number, errmsg?: string }

export function standInDecrypt(randomKey: string, encryptChatMsg: string): string {
  const raw = Buffer.from(encryptChatMsg, 'base64')
  if (raw.length < 32)
    throw new ArchiveSourceError(10006, 'cipher text too short')
  try {
    const decipher = createDecipheriv('aes-256-cbc', createHash('sha256').update(randomKey).digest(), raw.subarray(0, 16))
    return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8')
  }
  catch (error) {
    throw new ArchiveSourceError(10006, `decrypt failed (${error instanceof Error ? error.message : String(error)})`)
  }
}

export function createEmulatorArchiveSource(options: EmulatorSourceOptions): ArchiveSource {
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 15_000
  let token: { value: string, expiresAt: number } | undefined

  async function post<T extends SdkReply>(path: string, body: unknown): Promise<T> {
    let response: Response
    try {
      response = await doFetch(`${options.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) })
    }
    catch (error) {
      throw new ArchiveSourceError(10001, `network: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!response.ok)
      throw new ArchiveSourceError(10001, `HTTP ${response.status}`)
    const reply = await response.json() as T
    if (reply.errcode !== 0)
      throw new ArchiveSourceError(reply.errcode, reply.errmsg ?? 'error')
    return reply
  }

  async function accessToken(): Promise<string> {
    if (token && token.expiresAt > Date.now())
      return token.value
    const response = await doFetch(`${options.baseUrl}/cgi-bin/gettoken?${new URLSearchParams({ corpid: options.corpId, corpsecret: options.secret })}`, { signal: AbortSignal.timeout(timeoutMs) })
    const reply = await response.json() as SdkReply & { access_token?: string, expires_in?: number }
    if (reply.errcode !== 0 || !reply.access_token)
      throw new ArchiveSourceError(10003, `gettoken with the archive secret failed: ${reply.errcode} ${reply.errmsg ?? ''}`)
    // Renew a minute early so a token never expires between check and use.
    token = { value: reply.access_token, expiresAt: Date.now() + ((reply.expires_in ?? 7200) - 60) * 1000 }
    return token.value
  }

  return {
    async getChatData(seq, limit) {
      const reply = await post<SdkReply & { chatdata: ChatDataItem[] }>('/__emulator/finance/get_chat_data', { seq, limit, timeout: 5 })
      return reply.chatdata
    },
    async decryptData(randomKey, encryptChatMsg) {
      return standInDecrypt(randomKey, encryptChatMsg)
    },
    async getMediaData(sdkfileid, indexBuf): Promise<MediaChunk> {
      const reply = await post<SdkReply & { outindexbuf: string, is_finish: number, data: string }>('/__emulator/finance/get_media_data', { sdkfileid, indexbuf: indexBuf })
      return { data: Buffer.from(reply.data, 'base64'), outIndexBuf: reply.outindexbuf, finished: reply.is_finish === 1 }
    },
    async checkSingleAgree(pairs): Promise<AgreeInfo[]> {
      const reply = await post<SdkReply & { agreeinfo: { userid: string, exteranalopenid: string, agree_status: AgreeStatus }[] }>(
        `/cgi-bin/msgaudit/check_single_agree?access_token=${encodeURIComponent(await accessToken())}`,
        // `exteranalopenid` is WeCom's own spelling.
        { info: pairs.map(pair => ({ userid: pair.userid, exteranalopenid: pair.externalUserid })) },
      )
      return reply.agreeinfo.map(info => ({ userid: info.userid, externalUserid: info.exteranalopenid, status: info.agree_status }))
    },
  }
}
