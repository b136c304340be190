// Temporary media in the emulator (官方文档「上传临时素材」): POST /cgi-bin/media/upload?type=image|voice|video|file,
// multipart field `media` with filename and content type → {type, media_id, created_at (seconds, a string)}.
// Every file must be larger than 5 bytes; image ≤ 10 MB JPG/PNG, voice ≤ 2 MB AMR, video ≤ 10 MB MP4,
// file ≤ 20 MB. A media id is valid for 3 days. The control API shows what was uploaded, so tests can check
// that a media id the sidebar sent exists, is unexpired and carries the material's bytes:
//   GET /__emulator/media/<media_id> → {mediaId, type, fileName, contentType, size, sha256, createdAt, expiresAt, expired}
//   GET /__emulator/media/<media_id>/content → the bytes (the demo's chat window shows sent images with it)
import type { ApiReply, EmulatorState } from './state.ts'
import { createHash, randomBytes } from 'node:crypto'
import { fail } from './state.ts'

export const MEDIA_TTL_MS = 3 * 86_400_000
const MB = 1024 * 1024
type MediaType = 'image' | 'voice' | 'video' | 'file'
const maxBytes: Record<MediaType, number> = { image: 10 * MB, voice: 2 * MB, video: 10 * MB, file: 20 * MB }

interface StoredMedia {
  mediaId: string
  type: MediaType
  fileName: string
  contentType: string
  size: number
  sha256: string
  createdAt: number
  expiresAt: number
  bytes: Uint8Array
}

/** What the bytes are, by their magic numbers (WeCom checks the content, not the name). */
function sniff(bytes: Uint8Array): 'jpg' | 'png' | 'mp4' | 'amr' | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (b.length >= 3 && b[0] === 0xFF && b[1] === 0xD8 && b[2] === 0xFF)
    return 'jpg'
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])))
    return 'png'
  if (b.length >= 12 && b.subarray(4, 8).toString('latin1') === 'ftyp')
    return 'mp4'
  if (b.subarray(0, 6).toString('latin1') === '#!AMR\n')
    return 'amr'
  return null
}

const accepted: Record<MediaType, (kind: ReturnType<typeof sniff>) => boolean> = {
  image: kind => kind === 'jpg' || kind === 'png',
  voice: kind => kind === 'amr',
  video: kind => kind === 'mp4',
  file: () => true,
}

const stores = new WeakMap<EmulatorState, Map<string, StoredMedia>>()

function mediaOf(state: EmulatorState): Map<string, StoredMedia> {
  let media = stores.get(state)
  if (!media) {
    media = new Map()
    stores.set(state, media)
  }
  return media
}

/** Handles media/upload; `contentType` is the request's multipart header. */
export async function uploadMedia(query: URLSearchParams, body: Buffer, contentType: string | undefined, state: EmulatorState): Promise<ApiReply> {
  const type = query.get('type') as MediaType | null
  if (!type || !(type in maxBytes))
    return fail(40004, 'invalid media type')
  if (!contentType?.startsWith('multipart/form-data'))
    return fail(44001, 'empty media data: expected multipart/form-data')
  let file: ReturnType<FormData['get']>
  try {
    file = (await new Request('http://emulator.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData()).get('media')
  }
  catch {
    return fail(44001, 'empty media data: unreadable multipart body')
  }
  if (!file || typeof file === 'string')
    return fail(44001, 'empty media data: no `media` file part')
  const bytes = new Uint8Array(await file.arrayBuffer())
  if (bytes.byteLength <= 5 || bytes.byteLength > maxBytes[type])
    return fail(40006, `invalid file size ${bytes.byteLength} for ${type}`)
  if (!accepted[type](sniff(bytes)))
    return fail(40005, `invalid file type for ${type}`)
  const createdAt = state.now()
  const media: StoredMedia = {
    mediaId: `3${randomBytes(24).toString('base64url')}`,
    type,
    fileName: file.name,
    contentType: file.type,
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    createdAt,
    expiresAt: createdAt + MEDIA_TTL_MS,
    bytes,
  }
  mediaOf(state).set(media.mediaId, media)
  return { errcode: 0, type, media_id: media.mediaId, created_at: String(Math.floor(createdAt / 1000)) }
}

/** The control API's view of one media id, or undefined when it was never uploaded. */
export function describeMedia(state: EmulatorState, mediaId: string): (Omit<StoredMedia, 'bytes'> & { expired: boolean }) | undefined {
  const media = mediaOf(state).get(mediaId)
  if (!media)
    return undefined
  const { bytes: _bytes, ...described } = media
  return { ...described, expired: state.now() >= media.expiresAt }
}

/** An uploaded media's bytes and content type, or undefined. */
export function mediaContent(state: EmulatorState, mediaId: string): { bytes: Uint8Array, contentType: string } | undefined {
  const media = mediaOf(state).get(mediaId)
  return media && { bytes: media.bytes, contentType: media.contentType }
}
