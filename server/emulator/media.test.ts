import type { RunningEmulator } from './index.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderPng } from '../src/lib/png.ts'
import { startEmulator } from './index.ts'
import { MEDIA_TTL_MS } from './media.ts'
import { makeTestFixtures, TEST_CORP_ID, TEST_FIXTURE_SECRETS } from './test-fixtures.ts'

let em: RunningEmulator
let token: string

async function freshToken(): Promise<void> {
  const r = await (await fetch(`${em.url}/cgi-bin/gettoken?corpid=${TEST_CORP_ID}&corpsecret=${TEST_FIXTURE_SECRETS.app}`)).json() as { access_token: string }
  token = r.access_token
}

beforeAll(async () => {
  em = await startEmulator({ fixtures: makeTestFixtures() })
  await freshToken()
})
afterAll(async () => em?.close())

function upload(type: string, bytes: Uint8Array, name: string, contentType = 'application/octet-stream') {
  const form = new FormData()
  form.append('media', new Blob([bytes], { type: contentType }), name)
  return fetch(`${em.url}/cgi-bin/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form }).then(async r => r.json() as Promise<Record<string, unknown>>)
}

describe('emulator media/upload', () => {
  it('stores a JPG/PNG image for 3 days and answers with a media id and created_at in seconds (a string)', async () => {
    const png = renderPng(3, 3, () => [10, 20, 30])
    const r = await upload('image', png, '海报.png', 'image/png')
    expect(r).toMatchObject({ errcode: 0, type: 'image' })
    expect(typeof r.created_at).toBe('string')
    const media = await (await fetch(`${em.url}/__emulator/media/${encodeURIComponent(String(r.media_id))}`)).json() as { fileName: string, size: number, expired: boolean, expiresAt: number, createdAt: number }
    expect(media).toMatchObject({ fileName: '海报.png', size: png.length, expired: false })
    expect(media.expiresAt - media.createdAt).toBe(MEDIA_TTL_MS)
    const content = Buffer.from(await (await fetch(`${em.url}/__emulator/media/${encodeURIComponent(String(r.media_id))}/content`)).arrayBuffer())
    expect(content.equals(png)).toBe(true)

    await fetch(`${em.url}/__emulator/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds: MEDIA_TTL_MS / 1000 }) })
    expect(await (await fetch(`${em.url}/__emulator/media/${encodeURIComponent(String(r.media_id))}`)).json()).toMatchObject({ expired: true })
  })

  it('refuses what WeCom refuses: a GIF as an image, a non-MP4 video, 5 bytes or less, an unknown type', async () => {
    // The previous test moved the clock 3 days: the token lapsed with it.
    await freshToken()
    expect((await upload('image', Buffer.from('GIF89a-----'), 'x.gif')).errcode).toBe(40005)
    expect((await upload('video', renderPng(2, 2, () => [0, 0, 0]), 'x.mp4')).errcode).toBe(40005)
    expect((await upload('file', Buffer.from('12345'), 'x.txt')).errcode).toBe(40006)
    expect((await upload('file', Buffer.from('123456'), 'x.txt')).errcode).toBe(0)
    expect((await upload('sticker', Buffer.from('123456'), 'x.txt')).errcode).toBe(40004)
    expect((await fetch(`${em.url}/cgi-bin/media/upload?access_token=${token}&type=file`, { method: 'POST', body: '{}' }).then(async r => r.json() as Promise<{ errcode: number }>)).errcode).toBe(44001)
  })
})
