// Media (reference §4.5): GetMediaData chunk by chunk (≤ 512 KB each) until is_finish, MD5 checked against
// the message's md5sum, then stored once by content: <dir>/<sha256[0..2]>/<sha256>, written to a temporary
// name and renamed, so a crash never leaves a half file under a content address.
import type { Database } from '../db/port.ts'
import type { ArchiveSource } from './source.ts'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { archiveMedia, archiveMessages } from '../db/schema.ts'
import { decodeMessage } from './message-body.ts'
import { ArchiveSourceError } from './source.ts'

const BATCH = 20
/** More chunks than this for one file means the source is looping: 2 GB at 512 KB. */
const MAX_CHUNKS = 4096

export function mediaPath(dir: string, sha256: string): string {
  return join(dir, sha256.slice(0, 2), sha256)
}

async function download(source: ArchiveSource, sdkfileid: string): Promise<Buffer> {
  const parts: Buffer[] = []
  let indexBuf = ''
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const part = await source.getMediaData(sdkfileid, indexBuf)
    parts.push(part.data)
    if (part.finished)
      return Buffer.concat(parts)
    indexBuf = part.outIndexBuf
  }
  throw new ArchiveSourceError(10002, `media ${sdkfileid} did not finish within ${MAX_CHUNKS} chunks`)
}

export interface MediaOptions {
  database: Database
  source: ArchiveSource
  dir: string
  now: () => number
}

/** Fetches pending media; returns how many were stored / failed. Retryable source faults are thrown (the job retries). */
export async function fetchPendingMedia(options: MediaOptions, signal?: AbortSignal): Promise<{ stored: number, failed: number }> {
  const { database: { db }, source, dir, now } = options
  const counts = { stored: 0, failed: 0 }
  for (;;) {
    signal?.throwIfAborted()
    const pending = await db.select({ id: archiveMessages.id, sdkfileid: archiveMessages.mediaSdkfileid, md5: archiveMessages.mediaMd5, body: archiveMessages.body })
      .from(archiveMessages)
      .where(eq(archiveMessages.mediaStatus, 'pending'))
      .orderBy(archiveMessages.id)
      .limit(BATCH)
    if (pending.length === 0)
      return counts
    for (const message of pending) {
      let data: Buffer | undefined
      let error = ''
      // A mismatching MD5 happens (reference §4.5): fetch the whole file once more before giving up.
      for (let attempt = 0; attempt < 2 && !data; attempt++) {
        try {
          const fetched = await download(source, message.sdkfileid!)
          if (message.md5 && createHash('md5').update(fetched).digest('hex') !== message.md5.toLowerCase())
            error = 'md5 mismatch'
          else
            data = fetched
        }
        catch (caught) {
          if (caught instanceof ArchiveSourceError && !caught.retryable) {
            error = caught.message
            break
          }
          throw caught
        }
      }
      if (!data) {
        await db.update(archiveMessages).set({ mediaStatus: 'failed', mediaError: error }).where(eq(archiveMessages.id, message.id))
        counts.failed++
        continue
      }
      const sha256 = createHash('sha256').update(data).digest('hex')
      const path = mediaPath(dir, sha256)
      if (!existsSync(path)) {
        await mkdir(join(dir, sha256.slice(0, 2)), { recursive: true })
        const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`
        await writeFile(temporary, data)
        await rename(temporary, path)
      }
      const ext = decodeMessage(message.body).media?.ext ?? 'bin'
      await db.transaction(async (tx) => {
        await tx.insert(archiveMedia).values({ sha256, size: data.length, ext, storedAt: now() }).onConflictDoNothing()
        await tx.update(archiveMessages).set({ mediaStatus: 'stored', mediaSha256: sha256, mediaError: null }).where(eq(archiveMessages.id, message.id))
      })
      counts.stored++
    }
  }
}
