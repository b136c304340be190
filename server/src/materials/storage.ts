// Material files on disk, content-addressed: <dir>/<first two hex of the SHA-256>/<SHA-256>. The same file
// uploaded twice is stored once; a name never changes meaning, so writes need no locking.
import type { FileMaterialKind } from '@scrm/shared'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MEDIA_MIN_BYTES, mediaMaxBytes } from '@scrm/shared'
import { HttpError } from '../plugins/errors.ts'

export interface MaterialStorage {
  /** Stores the bytes; resolves with their SHA-256 (hex). */
  put: (bytes: Buffer) => Promise<string>
  get: (hash: string) => Promise<Buffer>
}

const HASH = /^[0-9a-f]{64}$/

export function createMaterialStorage(dir: string): MaterialStorage {
  const pathOf = (hash: string) => {
    if (!HASH.test(hash))
      throw new Error(`not a content hash: ${hash}`)
    return join(dir, hash.slice(0, 2), hash)
  }
  return {
    async put(bytes) {
      const hash = createHash('sha256').update(bytes).digest('hex')
      const path = pathOf(hash)
      if (!existsSync(path)) {
        await mkdir(join(dir, hash.slice(0, 2)), { recursive: true })
        // Written aside, then renamed: a reader never sees half a file.
        const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
        await writeFile(tmp, bytes)
        await rename(tmp, path)
      }
      return hash
    },
    get: async hash => readFile(pathOf(hash)),
  }
}

const MB = 1024 * 1024
const kindNames: Record<FileMaterialKind, string> = { image: '图片', video: '视频', file: '文件' }

/** What the bytes are by their magic numbers; a name or a declared type can lie. */
export function sniffFileType(bytes: Buffer): { ext: 'jpg' | 'png' | 'mp4', mime: string } | null {
  if (bytes.length >= 3 && bytes[0] === 0xFF && bytes[1] === 0xD8 && bytes[2] === 0xFF)
    return { ext: 'jpg', mime: 'image/jpeg' }
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])))
    return { ext: 'png', mime: 'image/png' }
  if (bytes.length >= 12 && bytes.subarray(4, 8).toString('latin1') === 'ftyp')
    return { ext: 'mp4', mime: 'video/mp4' }
  return null
}

/**
 * Checks an upload against WeCom's media/upload limits (image ≤ 10 MB JPG/PNG, video ≤ 10 MB MP4,
 * file ≤ 20 MB, all > 5 bytes) and returns the MIME type to store. Refusals are 413/415 in Chinese.
 */
export function checkUpload(kind: FileMaterialKind, bytes: Buffer, declaredMime: string): string {
  const max = mediaMaxBytes[kind]
  if (bytes.length > max)
    throw new HttpError(413, 'Payload Too Large', `${kindNames[kind]}不能超过 ${max / MB} MB（企业微信临时素材的上限），此文件 ${(bytes.length / MB).toFixed(1)} MB`)
  if (bytes.length < MEDIA_MIN_BYTES)
    throw new HttpError(400, 'Bad Request', `${kindNames[kind]}文件过小：企业微信要求大于 5 字节`)
  const sniffed = sniffFileType(bytes)
  if (kind === 'image') {
    if (sniffed?.ext !== 'jpg' && sniffed?.ext !== 'png')
      throw new HttpError(415, 'Unsupported Media Type', '图片只支持 JPG 或 PNG 格式（企业微信的要求）')
    return sniffed.mime
  }
  if (kind === 'video') {
    if (sniffed?.ext !== 'mp4')
      throw new HttpError(415, 'Unsupported Media Type', '视频只支持 MP4 格式（企业微信的要求）')
    return sniffed.mime
  }
  return sniffed?.mime ?? (declaredMime || 'application/octet-stream')
}

/** WeCom shows the file name in the chat; it may not start with `/` nor contain `\` or `:`. */
export function cleanFileName(name: string): string {
  const cleaned = [...name].filter(c => c.charCodeAt(0) >= 0x20).join('').replace(/[\\:/]/g, '_').trim().slice(-120)
  return cleaned || 'file'
}
