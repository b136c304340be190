// The keyring's batch path on worker threads gives exactly what the calling thread gives, errors included.
import { afterAll, describe, expect, it } from 'vitest'
import { text } from '../../emulator/archive-chat.ts'
import { EmulatorArchive, generateArchiveKeyPair } from '../../emulator/archive.ts'
import { standInDecrypt } from './emulator-source.ts'
import { createArchiveKeyring } from './keys.ts'

describe('archive keyring batches', () => {
  const v1 = generateArchiveKeyPair(1)
  const v2 = generateArchiveKeyPair(2)
  const archive = new EmulatorArchive(() => 0, { keys: [v1] })
  archive.append(Array.from({ length: 40 }, (_, i) => text(`a${i}`, 'wmC', 'guide', i, `旧密钥第${i}条`)))
  archive.rotateKey(v2)
  archive.append(Array.from({ length: 40 }, (_, i) => text(`b${i}`, 'wmC', 'guide', 100 + i, `新密钥第${i}条`)))
  const { chatdata } = archive.getChatData({ seq: 0, limit: 1000 }) as { chatdata: { publickey_ver: number, encrypt_random_key: string, encrypt_chat_msg: string }[] }
  const requests = chatdata.map(c => ({ publickeyVer: c.publickey_ver, encryptRandomKey: c.encrypt_random_key }))
  // A version nobody holds, and a block that is not RSA output for its key, in the middle of the batch.
  requests.splice(10, 0, { publickeyVer: 9, encryptRandomKey: requests[0]!.encryptRandomKey }, { publickeyVer: 1, encryptRandomKey: requests[50]!.encryptRandomKey })
  const pooled = createArchiveKeyring(new Map([[1, v1.privateKeyPem], [2, v2.privateKeyPem]]), { threads: 2 })
  afterAll(() => pooled.close())

  it('opens old and new key versions in order on two threads, reporting each bad item in its place', async () => {
    const inline = createArchiveKeyring(new Map([[1, v1.privateKeyPem], [2, v2.privateKeyPem]]))
    const fromThreads = await pooled.openRandomKeys(requests)
    const onThisThread = await inline.openRandomKeys(requests)
    expect(fromThreads).toHaveLength(requests.length)
    expect(fromThreads.map(o => 'randomKey' in o ? o.randomKey : o.error.reason)).toEqual(onThisThread.map(o => 'randomKey' in o ? o.randomKey : o.error.reason))
    const reasons = fromThreads.flatMap((o, i) => 'error' in o ? [[i, o.error.reason]] : [])
    expect(reasons).toEqual([[10, 'unknown_key_version'], [11, 'bad_random_key']])
    const good = fromThreads.filter(o => 'randomKey' in o).map(o => (o as { randomKey: string }).randomKey)
    const contents = good.map((key, i) => JSON.parse(standInDecrypt(key, chatdata[i]!.encrypt_chat_msg)).text.content as string)
    expect(contents.slice(0, 2)).toEqual(['旧密钥第0条', '旧密钥第1条'])
    expect(contents.at(-1)).toBe('新密钥第39条')
  })

  it('serves a repeated batch from its cache once its threads stopped; a new keyring\'s threads open the same keys', async () => {
    const first = await pooled.openRandomKeys(requests)
    await pooled.close()
    const again = await pooled.openRandomKeys(requests)
    expect(again.map(o => 'randomKey' in o ? o.randomKey : o.error.reason)).toEqual(first.map(o => 'randomKey' in o ? o.randomKey : o.error.reason))
    await pooled.close()
    const fresh = createArchiveKeyring(new Map([[1, v1.privateKeyPem], [2, v2.privateKeyPem]]), { threads: 2 })
    const reopened = await fresh.openRandomKeys(requests.slice(40))
    await fresh.close()
    expect(reopened.map(o => 'randomKey' in o ? o.randomKey : o.error.reason)).toEqual(first.slice(40).map(o => 'randomKey' in o ? o.randomKey : o.error.reason))
  })
})
