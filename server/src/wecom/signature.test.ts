import { describe, expect, it } from 'vitest'
import { TEST_CALLBACK, TEST_CORP_ID } from '../../emulator/test-fixtures.ts'
import {
  CallbackCryptoError,
  decryptMessage,
  encryptMessage,
  extractEncrypt,
  msgSignature,
  verifyCallbackUrl,
  verifyMsgSignature,
} from './callback-crypto.ts'
import { classifyErrcode } from './errors.ts'
import { jsapiSignature } from './signature.ts'

describe('jsapiSignature (reference §1.3)', () => {
  it('reproduces the reference vector', () => {
    expect(jsapiSignature({ ticket: 'EMU_TICKET_0001', nonceStr: 'abc123', timestamp: 1700000000, url: 'https://sidebar.example.test/app/?from=toolbar' }))
      .toBe('88419e54d34aca4a85ae3703bac7c801f6d1f824')
  })

  it('ignores the fragment', () => {
    expect(jsapiSignature({ ticket: 'EMU_TICKET_0001', nonceStr: 'abc123', timestamp: '1700000000', url: 'https://sidebar.example.test/app/?from=toolbar#/c/1' }))
      .toBe('88419e54d34aca4a85ae3703bac7c801f6d1f824')
  })
})

describe('wXBizMsgCrypt (reference §3.2)', () => {
  const echostr = '4j/AuRx71kQlxVlzbpsMWLiCcDCxs5BuLwGWZhASA+E7SlKP+zgjCvTRJ7iBiA/V1xAYAyXYuNJRcUU5+283MQ=='
  const base = { encodingAesKey: TEST_CALLBACK.encodingAesKey, receiveId: TEST_CORP_ID }

  it('reproduces the echostr and msg_signature vector', () => {
    const enc = encryptMessage({ ...base, message: 'echo-1700000000', random: Buffer.from('0123456789abcdef') })
    expect(enc).toBe(echostr)
    expect(msgSignature(TEST_CALLBACK.token, '1700000000', '1234567890', enc)).toBe('ddc5212c33eacfb2f6ee999aa8ef87a2b0e78637')
    expect(decryptMessage({ ...base, encrypt: echostr })).toBe('echo-1700000000')
    expect(verifyCallbackUrl({ ...base, token: TEST_CALLBACK.token, msgSignature: 'ddc5212c33eacfb2f6ee999aa8ef87a2b0e78637', timestamp: '1700000000', nonce: '1234567890', echostr }))
      .toBe('echo-1700000000')
  })

  it('round-trips UTF-8 XML and pads to 32-byte blocks', () => {
    for (const len of [0, 1, 11, 12, 13, 44, 100]) {
      const message = `<xml><Content><![CDATA[${'客'.repeat(len)}]]></Content></xml>`
      const enc = encryptMessage({ ...base, message })
      expect(Buffer.from(enc, 'base64').length % 32).toBe(0)
      expect(decryptMessage({ ...base, encrypt: enc })).toBe(message)
    }
  })

  it('rejects a wrong receiveid, a wrong signature and garbage', () => {
    expect(() => decryptMessage({ ...base, receiveId: 'ww0000000000000002', encrypt: echostr })).toThrow(CallbackCryptoError)
    expect(verifyMsgSignature('ddc5212c33eacfb2f6ee999aa8ef87a2b0e78630', TEST_CALLBACK.token, '1700000000', '1234567890', echostr)).toBe(false)
    expect(verifyMsgSignature('short', TEST_CALLBACK.token, '1700000000', '1234567890', echostr)).toBe(false)
    expect(() => decryptMessage({ ...base, encrypt: 'AAAA' })).toThrow(CallbackCryptoError)
    expect(() => decryptMessage({ ...base, encodingAesKey: 'short', encrypt: echostr })).toThrow(CallbackCryptoError)
  })

  it('extracts <Encrypt> from a callback body', () => {
    expect(extractEncrypt(`<xml><ToUserName><![CDATA[${TEST_CORP_ID}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${echostr}]]></Encrypt></xml>`)).toBe(echostr)
  })
})

describe('classifyErrcode (reference §2.9)', () => {
  it('maps the table', () => {
    expect(classifyErrcode(40014)).toBe('token')
    expect(classifyErrcode(42001)).toBe('token')
    expect(classifyErrcode(41001)).toBe('token')
    expect(classifyErrcode(45009)).toBe('rate_limit')
    expect(classifyErrcode(45033)).toBe('concurrency')
    expect(classifyErrcode(-1)).toBe('retryable')
    expect(classifyErrcode(40001)).toBe('config')
    expect(classifyErrcode(48002)).toBe('config')
    expect(classifyErrcode(60020)).toBe('config')
    expect(classifyErrcode(40029)).toBe('oauth')
    expect(classifyErrcode(84061)).toBe('not_found')
    expect(classifyErrcode(60111)).toBe('not_found')
    expect(classifyErrcode(40068)).toBe('client')
    expect(classifyErrcode(123456)).toBe('client')
  })
})
