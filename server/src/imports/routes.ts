import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import type { Database } from '../db/port.ts'
import type { JobQueue } from '../jobs/queue.ts'
import type { Session } from '../plugins/session.ts'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ApiError, AssignUnmatched, IdentityResolution, IdentityResolutionList, ImportIdParams, ImportList, ImportStarted, ImportSummary, MemberSearchQuery, MemberSearchResult, MergeMembers, MergePreview, MergePreviewQuery, ResolutionIdParams, StartImport, UnmatchedList, UnmatchedQuery, UploadedFile, UploadQuery } from '@scrm/shared'
import { requireAdmin } from '../auth/access.ts'
import { badRequest, HttpError, notFound } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { assignUnmatched, listResolutions, listUnmatched, mergeMembers, undoResolution } from './identity.ts'
import { enqueueImport } from './jobs.ts'
import { previewMerge, searchMembers } from './member-lookup.ts'
import { createImportRecord, listImports, setImportJob } from './service.ts'

export interface ImportRoutesOptions {
  database: Database
  queue: JobQueue
  now: () => number
  importDir: string
  importMaxBytes: number
}

const tooLarge = (maxBytes: number) => new HttpError(413, 'Payload Too Large', `file too large: at most ${Math.floor(maxBytes / 1024 / 1024)} MB per upload`)

/** The caller's session, refused (403) unless an admin; `what` completes "only admins …". */
function adminSession(request: FastifyRequest, what: string): Session {
  const session = sessionOf(request)
  requireAdmin(session, `only admins ${what}`)
  return session
}

/**
 * Order imports for admins: upload the export's bytes (raw body, streamed to disk, size-limited), start the
 * import (a job), watch it and read its report; resolve the unmatched queue, merge members, undo. Behind the
 * session gate.
 */
export const importRoutes: FastifyPluginAsyncTypebox<ImportRoutesOptions> = async (app, options) => {
  const { database, queue, now, importDir, importMaxBytes } = options
  // Uploads arrive as raw bytes of any declared type (CSV, XLSX; also text/plain or JSON, which Fastify's own
  // parsers would read whole into memory): in this scope every body stays a stream, written straight to disk.
  const uploadScope: FastifyPluginAsyncTypebox = async (uploads) => {
    uploads.removeAllContentTypeParsers()
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload))

    uploads.post('/api/admin/import-files', {
      schema: { querystring: UploadQuery, response: { 201: UploadedFile, 400: ApiError, 403: ApiError, 413: ApiError } },
      bodyLimit: Number.MAX_SAFE_INTEGER,
    }, async (request, reply) => {
      adminSession(request, 'upload order exports')
      const declared = Number(request.headers['content-length'] ?? Number.NaN)
      if (declared > importMaxBytes)
        throw tooLarge(importMaxBytes)
      const body = request.body as Readable | undefined
      if (!body || typeof (body as Readable).pipe !== 'function')
        throw badRequest('the request body must be the file\'s bytes')
      await mkdir(importDir, { recursive: true })
      const fileId = randomBytes(16).toString('hex')
      const path = join(importDir, `${fileId}.upload`)
      let bytes = 0
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length
          callback(bytes > importMaxBytes ? tooLarge(importMaxBytes) : null, chunk)
        },
      })
      try {
        await pipeline(body, limit, createWriteStream(path))
      }
      catch (error) {
        await rm(path, { force: true })
        throw error instanceof HttpError ? error : badRequest(`upload interrupted: ${(error as Error).message}`)
      }
      if (bytes === 0) {
        await rm(path, { force: true })
        throw badRequest('the uploaded file is empty')
      }
      await writeFile(`${path}.name`, request.query.name)
      return reply.status(201).send({ fileId, name: request.query.name, bytes })
    })
  }
  await app.register(uploadScope)

  async function uploaded(fileId: string, what: string) {
    const path = join(importDir, `${fileId}.upload`)
    try {
      await stat(path)
      return { path, name: await readFile(`${path}.name`, 'utf8') }
    }
    catch {
      throw badRequest(`${what}: no uploaded file ${fileId} (upload it first; uploads are used once)`)
    }
  }

  app.post('/api/admin/imports', { schema: { body: StartImport, response: { 202: ImportStarted, 400: ApiError, 403: ApiError } } }, async (request, reply) => {
    const session = adminSession(request, 'import orders')
    const { platform, fileId, itemsFileId } = request.body
    if (itemsFileId && platform && platform !== 'taobao')
      throw badRequest('itemsFileId: only Taobao exports come with a separate item file')
    const file = await uploaded(fileId, 'fileId')
    const items = itemsFileId ? await uploaded(itemsFileId, 'itemsFileId') : null
    const importId = await createImportRecord(database, {
      platform: platform ?? null,
      fileName: file.name,
      filePath: file.path,
      itemsFileName: items?.name ?? null,
      itemsFilePath: items?.path ?? null,
      createdBy: session.userid,
      now: now(),
    })
    await Promise.all([rm(`${file.path}.name`, { force: true }), items && rm(`${items.path}.name`, { force: true })])
    const jobId = await enqueueImport(queue, importId)
    await setImportJob(database, importId, jobId)
    return reply.status(202).send({ importId, jobId })
  })

  app.get('/api/admin/imports', { schema: { response: { 200: ImportList, 403: ApiError } } }, async (request) => {
    adminSession(request, 'see imports')
    return { imports: await listImports(database) }
  })

  app.get('/api/admin/imports/:id', { schema: { params: ImportIdParams, response: { 200: ImportSummary, 403: ApiError, 404: ApiError } } }, async (request) => {
    adminSession(request, 'see imports')
    const [found] = await listImports(database, 1, request.params.id)
    if (!found)
      throw notFound(`import ${request.params.id} not found`)
    return found
  })

  app.get('/api/admin/unmatched-orders', { schema: { querystring: UnmatchedQuery, response: { 200: UnmatchedList, 400: ApiError, 403: ApiError } } }, async (request) => {
    adminSession(request, 'see unmatched orders')
    return listUnmatched(database, request.query)
  })

  app.post('/api/admin/unmatched-orders/assign', { schema: { body: AssignUnmatched, response: { 201: IdentityResolution, 403: ApiError, 404: ApiError, 409: ApiError } } }, async (request, reply) => {
    const session = adminSession(request, 'resolve unmatched orders')
    return reply.status(201).send(await assignUnmatched(database, { ...request.body, by: session.userid, now: now() }))
  })

  // Every member, not only the caller's customers (GET /api/members): a merge partner may have no WeCom contact.
  app.get('/api/admin/member-search', { schema: { querystring: MemberSearchQuery, response: { 200: MemberSearchResult, 400: ApiError, 403: ApiError } } }, async (request) => {
    adminSession(request, 'search members to merge')
    return { members: await searchMembers(database, request.query.q) }
  })

  app.get('/api/admin/member-merges/preview', { schema: { querystring: MergePreviewQuery, response: { 200: MergePreview, 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError } } }, async (request) => {
    adminSession(request, 'merge members')
    return previewMerge(database, request.query)
  })

  app.post('/api/admin/member-merges', { schema: { body: MergeMembers, response: { 201: IdentityResolution, 403: ApiError, 404: ApiError, 409: ApiError } } }, async (request, reply) => {
    const session = adminSession(request, 'merge members')
    return reply.status(201).send(await mergeMembers(database, { ...request.body, by: session.userid, now: now() }))
  })

  app.get('/api/admin/identity-resolutions', { schema: { response: { 200: IdentityResolutionList, 403: ApiError } } }, async (request) => {
    adminSession(request, 'see identity decisions')
    return { resolutions: await listResolutions(database) }
  })

  app.post('/api/admin/identity-resolutions/:id/undo', { schema: { params: ResolutionIdParams, response: { 200: IdentityResolution, 403: ApiError, 404: ApiError, 409: ApiError } } }, async (request) => {
    adminSession(request, 'undo identity decisions')
    return undoResolution(database, { id: request.params.id, now: now() })
  })
}
