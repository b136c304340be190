// WXBizMsgCrypt (reference §3.2): AES-256-CBC with IV = key[0..16], PKCS#7 padded to 32-byte
// blocks, plaintext `random16 ‖ len(4, BE) ‖ msg ‖ receiveid`, and a SHA-1 msg_signature over the
// sorted [token, timestamp, nonce, encrypt].

import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const BLOCK = 32

export class CallbackCryptoError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CallbackCryptoError'
  }
}

/** base64(EncodingAESKey + "=") → the 32-byte AES key. */
export function decodeAesKey(encodingAesKey: string): Buffer {
  if (!/^[A-Z0-9]{43}$/i.test(encodingAesKey))
    throw new CallbackCryptoError('EncodingAESKey must be 43 letters/digits')
  const key = Buffer.from(`${encodingAesKey}=`, 'base64')
  if (key.length !== 32)
    throw new CallbackCryptoError('EncodingAESKey does not decode to 32 bytes')
  return key
}

export function msgSignature(token: string, timestamp: string | number, nonce: string, encrypt: string): string {
  const parts = [token, String(timestamp), nonce, encrypt].sort()
  return createHash('sha1').update(parts.join(''), 'utf8').digest('hex')
}

/** Constant-time comparison of a received msg_signature with the expected one. */
export function verifyMsgSignature(signature: string, token: string, timestamp: string | number, nonce: string, encrypt: string): boolean {
  const expected = Buffer.from(msgSignature(token, timestamp, nonce, encrypt), 'utf8')
  const got = Buffer.from(signature.toLowerCase(), 'utf8')
  return got.length === expected.length && timingSafeEqual(got, expected)
}

export interface EncryptOptions {
  encodingAesKey: string
  /** corpid for self-built apps and 客户联系 callbacks. */
  receiveId: string
  /** The plaintext (XML for events, the echo string for URL verification). */
  message: string
  /** 16 random bytes; tests pass a fixed value. */
  random?: Buffer
}

/** Returns `Encrypt` (base64 ciphertext). */
export function encryptMessage({ encodingAesKey, receiveId, message, random }: EncryptOptions): string {
  const key = decodeAesKey(encodingAesKey)
  const rand = random ?? randomBytes(16)
  if (rand.length !== 16)
    throw new CallbackCryptoError('random prefix must be 16 bytes')
  const msg = Buffer.from(message, 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32BE(msg.length, 0)
  const body = Buffer.concat([rand, len, msg, Buffer.from(receiveId, 'utf8')])
  const pad = BLOCK - (body.length % BLOCK)
  const padded = Buffer.concat([body, Buffer.alloc(pad, pad)])
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16))
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64')
}

export interface DecryptOptions {
  encodingAesKey: string
  /** Expected receiveid; a mismatch is rejected. */
  receiveId: string
  /** `Encrypt` from the XML body, or the URL-decoded `echostr`. */
  encrypt: string
}

export function decryptMessage({ encodingAesKey, receiveId, encrypt }: DecryptOptions): string {
  const key = decodeAesKey(encodingAesKey)
  const data = Buffer.from(encrypt, 'base64')
  if (data.length === 0 || data.length % 16 !== 0)
    throw new CallbackCryptoError('ciphertext length is not a multiple of the AES block')
  let plain: Buffer
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16))
    decipher.setAutoPadding(false)
    plain = Buffer.concat([decipher.update(data), decipher.final()])
  }
  catch (err) {
    throw new CallbackCryptoError(`AES decrypt failed: ${err instanceof Error ? err.message : String(err)}`)
  }
  const pad = plain[plain.length - 1]!
  if (pad < 1 || pad > BLOCK || pad > plain.length)
    throw new CallbackCryptoError('bad padding')
  const content = plain.subarray(0, plain.length - pad)
  if (content.length < 20)
    throw new CallbackCryptoError('plaintext too short')
  const msgLen = content.readUInt32BE(16)
  if (20 + msgLen > content.length)
    throw new CallbackCryptoError('bad message length')
  const msg = content.subarray(20, 20 + msgLen)
  const rid = content.subarray(20 + msgLen)
  const expected = Buffer.from(receiveId, 'utf8')
  if (rid.length !== expected.length || !timingSafeEqual(rid, expected))
    throw new CallbackCryptoError('receiveid mismatch')
  return msg.toString('utf8')
}

export interface VerifyUrlOptions {
  token: string
  encodingAesKey: string
  receiveId: string
  msgSignature: string
  timestamp: string
  nonce: string
  /** Already URL-decoded (the framework's query parser does that). */
  echostr: string
}

/** URL verification (§3.3): check the signature over echostr, return the plaintext to echo. */
export function verifyCallbackUrl(o: VerifyUrlOptions): string {
  if (!verifyMsgSignature(o.msgSignature, o.token, o.timestamp, o.nonce, o.echostr))
    throw new CallbackCryptoError('msg_signature mismatch')
  return decryptMessage({ encodingAesKey: o.encodingAesKey, receiveId: o.receiveId, encrypt: o.echostr })
}

/** The `<Encrypt>` CDATA (or text) of a callback POST body. */
export function extractEncrypt(xml: string): string | undefined {
  const m = /<Encrypt>([^<]*(?:<!\[CDATA\[[^\]]*\]\]>[^<]*)?)<\/Encrypt>/.exec(xml)
  if (!m)
    return undefined
  const inner = m[1]!.trim()
  const cdata = /^<!\[CDATA\[([^\]]*)\]\]>$/.exec(inner)
  return (cdata ? cdata[1]! : inner).trim()
}
