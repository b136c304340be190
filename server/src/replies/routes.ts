import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Database } from '../db/port.ts'
import multipart from '@fastify/multipart'
import { ApiError, IdParams, ManagedReply, ManagedReplyList, replyCsvEncodingList, ReplyExportQuery, ReplyGroup, ReplyGroupInput, ReplyGroupsQuery, ReplyImportReport, ReplyInput, ReplyListQuery, ReplyPreview, ReplyPreviewRequest } from '@scrm/shared'
import Type from 'typebox'
import { badRequest, HttpError } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { createReply, deleteReplyGroup, getManagedReply, listManagedReplies, listReplyGroups, previewReply, retireReply, saveReplyGroup, updateReply } from './service.ts'
import { exportReplies, importReplies, readReplySheet } from './sheet.ts'

const MAX_SHEET_BYTES = 5 * 1024 * 1024
const ImportQuery = Type.Object({ encoding: Type.Optional(Type.Enum(replyCsvEncodingList)) })

export const replyRoutes: FastifyPluginAsyncTypebox<{ database: Database, now: () => number }> = async (app, { database, now }) => {
  const db = database.db
  await app.register(multipart, { limits: { fileSize: MAX_SHEET_BYTES, files: 1, fields: 5 } })

  app.get('/api/replies', {
    schema: { querystring: ReplyListQuery, response: { 200: ManagedReplyList, 403: ApiError } },
  }, async request => listManagedReplies(db, sessionOf(request), request.query))

  app.get('/api/replies/export', {
    schema: { querystring: ReplyExportQuery },
  }, async (request, reply) => {
    const file = await exportReplies(database, sessionOf(request), request.query.format ?? 'xlsx', request.query.encoding ?? 'utf-8')
    return reply
      .header('Content-Type', file.contentType)
      .header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
      .send(file.bytes)
  })

  // One file (multipart field `file`): XLSX, or CSV in UTF-8/GBK (detected unless ?encoding= says). 200 when
  // applied; 422 with the row-by-row report when any row is wrong (then nothing was written).
  app.post('/api/replies/import', {
    schema: { querystring: ImportQuery, response: { 200: ReplyImportReport, 400: ApiError, 403: ApiError, 413: ApiError, 422: ReplyImportReport } },
  }, async (request, reply) => {
    const session = sessionOf(request)
    if (!request.isMultipart())
      throw new HttpError(415, 'Unsupported Media Type', '请用 multipart/form-data 上传 XLSX 或 CSV 文件')
    let file
    try {
      file = await request.file()
      if (!file)
        throw badRequest('缺少文件（表单字段 file）')
      const bytes = await file.toBuffer()
      const { rows } = await readReplySheet(bytes, file.filename, request.query.encoding)
      const report = await importReplies(database, session, rows, now())
      return reply.status(report.applied ? 200 : 422).send(report)
    }
    catch (error) {
      if (error instanceof app.multipartErrors.RequestFileTooLargeError)
        throw new HttpError(413, 'Payload Too Large', `导入文件不能超过 ${MAX_SHEET_BYTES / 1024 / 1024} MB`)
      throw error
    }
  })

  app.post('/api/replies/preview', {
    schema: { body: ReplyPreviewRequest, response: { 200: ReplyPreview, 400: ApiError, 404: ApiError } },
  }, async request => previewReply(db, sessionOf(request), request.body))

  app.get('/api/replies/:id', {
    schema: { params: IdParams, response: { 200: ManagedReply, 404: ApiError } },
  }, async request => getManagedReply(db, sessionOf(request), request.params.id))

  app.post('/api/replies', {
    schema: { body: ReplyInput, response: { 201: ManagedReply, 400: ApiError, 403: ApiError } },
  }, async (request, reply) => {
    const session = sessionOf(request)
    const id = await createReply(database, session, request.body, now())
    return reply.status(201).send(await getManagedReply(db, session, id))
  })

  app.put('/api/replies/:id', {
    schema: { params: IdParams, body: ReplyInput, response: { 200: ManagedReply, 400: ApiError, 403: ApiError, 404: ApiError } },
  }, async (request) => {
    const session = sessionOf(request)
    await updateReply(database, session, request.params.id, request.body)
    return getManagedReply(db, session, request.params.id)
  })

  app.delete('/api/replies/:id', {
    schema: { params: IdParams, response: { 204: Type.Null(), 403: ApiError, 404: ApiError } },
  }, async (request, reply) => {
    await retireReply(database, sessionOf(request), request.params.id, now())
    return reply.status(204).send(null)
  })

  app.get('/api/reply-groups', {
    schema: { querystring: ReplyGroupsQuery, response: { 200: Type.Array(ReplyGroup) } },
  }, async request => listReplyGroups(db, sessionOf(request), request.query))

  app.post('/api/reply-groups', {
    schema: { body: ReplyGroupInput, response: { 201: ReplyGroup, 403: ApiError, 409: ApiError } },
  }, async (request, reply) => reply.status(201).send(await saveReplyGroup(database, sessionOf(request), null, request.body)))

  app.put('/api/reply-groups/:id', {
    schema: { params: IdParams, body: ReplyGroupInput, response: { 200: ReplyGroup, 403: ApiError, 404: ApiError, 409: ApiError } },
  }, async request => saveReplyGroup(database, sessionOf(request), request.params.id, request.body))

  app.delete('/api/reply-groups/:id', {
    schema: { params: IdParams, response: { 204: Type.Null(), 403: ApiError, 404: ApiError, 409: ApiError } },
  }, async (request, reply) => {
    await deleteReplyGroup(database, sessionOf(request), request.params.id)
    return reply.status(204).send(null)
  })
}
