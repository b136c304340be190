// Where archived messages come from (reference §4.3–§4.5). Two adapters implement it: the emulator's
// (emulator-source.ts, pure TypeScript over HTTP) and WeCom's native Finance SDK (native-sdk.ts, the
// production extension point). Everything above this interface — RSA, checkpoints, storage — is ours.

/** One item of GetChatData: still encrypted. */
export interface ChatDataItem {
  seq: number
  msgid: string
  publickey_ver: number
  encrypt_random_key: string
  encrypt_chat_msg: string
}

export interface MediaChunk {
  /** Bytes of this chunk (≤ 512 KB). */
  data: Buffer
  /** Pass back as `indexbuf` for the next chunk. */
  outIndexBuf: string
  finished: boolean
}

export type AgreeStatus = 'Agree' | 'Disagree' | 'Default_Agree'

export interface AgreeInfo {
  userid: string
  externalUserid: string
  status: AgreeStatus
}

export interface ArchiveSource {
  /** Messages with seq greater than `seq`, at most `limit` (≤ 1000), in seq order. */
  getChatData: (seq: number, limit: number) => Promise<ChatDataItem[]>
  /** DecryptData: the message JSON text, given the RSA-decrypted random key. Throws ArchiveSourceError 10006 when it fails. */
  decryptData: (randomKey: string, encryptChatMsg: string) => Promise<string>
  /** GetMediaData: one chunk from `indexBuf` ('' for the first). */
  getMediaData: (sdkfileid: string, indexBuf: string) => Promise<MediaChunk>
  /** msgaudit/check_single_agree for up to 100 (guide, customer) pairs. */
  checkSingleAgree: (pairs: { userid: string, externalUserid: string }[]) => Promise<AgreeInfo[]>
}

/** SDK return codes (reference §4.3); 10001–10003 are worth retrying. */
export class ArchiveSourceError extends Error {
  constructor(readonly code: number, message: string) {
    super(`archive source error ${code}: ${message}`)
  }

  get retryable(): boolean {
    return this.code >= 10001 && this.code <= 10003
  }
}
