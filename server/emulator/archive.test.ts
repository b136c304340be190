// The emulator's archive surface behaves like the SDK it stands in for (reference §4.3–§4.5, §6.4).
import { createHash, privateDecrypt, randomBytes, constants as rsa } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { standInDecrypt } from '../src/archive/emulator-source.ts'
import { createArchiveKeyring } from '../src/archive/keys.ts'
import { text } from './archive-chat.ts'
import { EmulatorArchive, generateArchiveKeyPair, MAX_CHAT_DATA_LIMIT, MEDIA_CHUNK_BYTES } from './archive.ts'

describe('emulator archive', () => {
  const pair = generateArchiveKeyPair(1)

  it('serves seq-ordered chatdata after a seq, refusing limit > 1000 with 10000', () => {
    const archive = new EmulatorArchive(() => 0, { keys: [pair] })
    archive.append([1, 2, 3].map(n => text(`m${n}`, 'wmC', 'guide', n, `第${n}条`)))
    const page = archive.getChatData({ seq: 1, limit: 10 }) as { errcode: number, chatdata: { seq: number, msgid: string, publickey_ver: number }[] }
    expect(page.errcode).toBe(0)
    expect(page.chatdata.map(c => [c.seq, c.msgid, c.publickey_ver])).toEqual([[2, 'm2', 1], [3, 'm3', 1]])
    expect(archive.getChatData({ seq: 0, limit: MAX_CHAT_DATA_LIMIT + 1 })).toMatchObject({ errcode: 10000 })
    archive.addFault(10001, 1)
    expect(archive.getChatData({ seq: 0, limit: 1 })).toMatchObject({ errcode: 10001 })
    expect(archive.getChatData({ seq: 0, limit: 1 })).toMatchObject({ errcode: 0 })
  })

  it('encrypts each random key with RSA PKCS#1 v1.5 for its publickey_ver; our keyring opens old and new', async () => {
    const archive = new EmulatorArchive(() => 0, { keys: [pair] })
    archive.append([text('old', 'wmC', 'guide', 1, '旧密钥')])
    const next = generateArchiveKeyPair(2)
    archive.rotateKey(next)
    archive.append([text('new', 'wmC', 'guide', 2, '新密钥')])
    const { chatdata } = archive.getChatData({ seq: 0, limit: 10 }) as { chatdata: { publickey_ver: number, encrypt_random_key: string, encrypt_chat_msg: string }[] }
    expect(chatdata.map(c => c.publickey_ver)).toEqual([1, 2])
    // The raw RSA block is a v1.5 type-2 block.
    const block = privateDecrypt({ key: pair.privateKeyPem, padding: rsa.RSA_NO_PADDING }, Buffer.from(chatdata[0]!.encrypt_random_key, 'base64'))
    expect([...block.subarray(0, 2)]).toEqual([0, 2])
    const keyring = createArchiveKeyring(new Map([[1, pair.privateKeyPem], [2, next.privateKeyPem]]))
    const opened = await keyring.openRandomKeys(chatdata.map(c => ({ publickeyVer: c.publickey_ver, encryptRandomKey: c.encrypt_random_key })))
    const contents = opened.map((o, i) => 'randomKey' in o ? JSON.parse(standInDecrypt(o.randomKey, chatdata[i]!.encrypt_chat_msg)).text.content : o.error.message)
    expect(contents).toEqual(['旧密钥', '新密钥'])
    const openOne = async (pem: string, publickeyVer: number, encryptRandomKey: string) => {
      const [outcome] = await createArchiveKeyring(new Map([[1, pem]])).openRandomKeys([{ publickeyVer, encryptRandomKey }])
      return outcome && 'error' in outcome ? outcome.error.message : 'opened'
    }
    // A keyring without version 2 says so.
    expect(await openOne(pair.privateKeyPem, 2, chatdata[1]!.encrypt_random_key)).toMatch(/publickey_ver 2/)
    // The wrong private key for a version is reported, not decoded into garbage.
    expect(await openOne(next.privateKeyPem, 1, chatdata[0]!.encrypt_random_key)).toMatch(/PKCS#1|RSA/)
  })

  it('serves media in chunks of at most 512 KB until is_finish', () => {
    const archive = new EmulatorArchive(() => 0, { keys: [pair] })
    const data = randomBytes(MEDIA_CHUNK_BYTES * 2 + 7)
    archive.putMedia('f1', data)
    const parts: Buffer[] = []
    let indexbuf = ''
    for (let finished = 0; !finished;) {
      const chunk = archive.getMediaData({ sdkfileid: 'f1', indexbuf }) as { data: string, outindexbuf: string, is_finish: number }
      const bytes = Buffer.from(chunk.data, 'base64')
      expect(bytes.length).toBeLessThanOrEqual(MEDIA_CHUNK_BYTES)
      parts.push(bytes)
      indexbuf = chunk.outindexbuf
      finished = chunk.is_finish
    }
    expect(parts).toHaveLength(3)
    expect(createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'))
    expect(archive.getMediaData({ sdkfileid: 'nope', indexbuf: '' })).toMatchObject({ errcode: 10005 })
  })

  it('answers check_single_agree with WeCom\'s spelling and Default_Agree for unknown pairs', () => {
    const archive = new EmulatorArchive(() => 5000, { keys: [pair] })
    archive.setAgree('guide', 'wmC', 'Disagree')
    expect(archive.checkSingleAgree({ info: [{ userid: 'guide', exteranalopenid: 'wmC' }, { userid: 'guide', exteranalopenid: 'wmD' }] })).toEqual({
      errcode: 0,
      agreeinfo: [
        { userid: 'guide', exteranalopenid: 'wmC', agree_status: 'Disagree', status_change_time: 5 },
        { userid: 'guide', exteranalopenid: 'wmD', agree_status: 'Default_Agree', status_change_time: 0 },
      ],
    })
    expect(archive.checkSingleAgree({ info: [] })).toMatchObject({ errcode: 40058 })
  })
})
