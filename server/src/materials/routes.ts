import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FileMaterialKind } from '@scrm/shared'
import type { MaterialDeps } from './service.ts'
import multipart from '@fastify/multipart'
import { ApiError, ChatMessage, CreateCardMaterial, fileMaterialKindList, IdParams, Material, MaterialGroup, MaterialGroupInput, MaterialList, MaterialListQuery, MaterialSend, MaterialSettings, mediaMaxBytes, MemberIdQuery, MemberMaterialSends, ProductCardQuery, SendMaterialRequest, StoreRef, UpdateMaterial } from '@scrm/shared'
import { asc, eq } from 'drizzle-orm'
import Type from 'typebox'
import { stores } from '../db/schema.ts'
import { badRequest, HttpError } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { archiveMaterial, createCardMaterial, createFileMaterial, deleteMaterialGroup, getMaterial, listMaterialGroups, listMaterials, materialFile, memberMaterialSends, openLink, productCard, saveMaterialGroup, sendMaterial, updateMaterial } from './service.ts'
import { checkUpload, cleanFileName } from './storage.ts'

const MAX_UPLOAD_BYTES = Math.max(...Object.values(mediaMaxBytes))
const MB = 1024 * 1024
const isFileKind = (kind: string): kind is FileMaterialKind => (fileMaterialKindList as readonly string[]).includes(kind)

/** The material routes that need a session (registered inside the session gate). */
export const materialRoutes: FastifyPluginAsyncTypebox<MaterialDeps> = async (app, deps) => {
  const { database, now } = deps
  const db = database.db
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 4096 } })

  app.get('/api/materials/product-card', {
    schema: { querystring: ProductCardQuery, response: { 200: ChatMessage, 404: ApiError } },
  }, async request => productCard(db, request.query.skuId, deps.productCardsAsMiniprogram ? deps.miniprogramAppid : null))

  // The stores a material or reply may be limited to (the console's visibility picker).
  app.get('/api/materials/stores', { schema: { response: { 200: Type.Array(StoreRef), 403: ApiError } } }, async (request) => {
    const session = sessionOf(request)
    if (session.role === 'guide')
      throw new HttpError(403, 'Forbidden', '只有管理员和店长可以管理素材')
    return db.select({ id: stores.id, name: stores.name }).from(stores).where(session.role === 'admin' ? undefined : eq(stores.id, session.storeId ?? '')).orderBy(asc(stores.id)).all()
  })

  app.get('/api/materials/settings', { schema: { response: { 200: MaterialSettings } } }, async () => ({ miniprogramAppid: deps.miniprogramAppid || null, productCards: deps.productCardsAsMiniprogram && deps.miniprogramAppid ? 'miniprogram' as const : 'link' as const }))

  app.get('/api/materials', {
    schema: { querystring: MaterialListQuery, response: { 200: MaterialList, 400: ApiError } },
  }, async request => listMaterials(db, sessionOf(request), request.query))

  app.get('/api/materials/:id', {
    schema: { params: IdParams, response: { 200: Material, 404: ApiError } },
  }, async request => getMaterial(db, sessionOf(request), request.params.id))

  app.get('/api/materials/:id/file', { schema: { params: IdParams } }, async (request, reply) => {
    const file = await materialFile(deps, sessionOf(request), request.params.id)
    return reply
      .header('Content-Type', file.mimeType)
      .header('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
      .header('Cache-Control', 'private, max-age=3600')
      .send(file.bytes)
  })

  // A file material: multipart with the fields first (kind, title, description?, groupId?, storeIds? comma-separated), then `file`.
  app.post('/api/materials/upload', {
    schema: { response: { 201: Material, 400: ApiError, 403: ApiError, 413: ApiError, 415: ApiError } },
  }, async (request, reply) => {
    const session = sessionOf(request)
    if (!request.isMultipart())
      throw new HttpError(415, 'Unsupported Media Type', '请用 multipart/form-data 上传文件')
    const fields: Record<string, string> = {}
    let file: { bytes: Buffer, fileName: string, mimeType: string } | undefined
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field')
          fields[part.fieldname] = String(part.value)
        else
          file = { bytes: await part.toBuffer(), fileName: part.filename, mimeType: part.mimetype }
      }
    }
    catch (error) {
      if (error instanceof app.multipartErrors.RequestFileTooLargeError)
        throw new HttpError(413, 'Payload Too Large', `文件不能超过 ${MAX_UPLOAD_BYTES / MB} MB（企业微信临时素材的上限）`)
      if (error instanceof app.multipartErrors.FilesLimitError)
        throw badRequest('一次只能上传一个文件')
      throw error
    }
    const kind = fields.kind ?? ''
    if (!isFileKind(kind))
      throw badRequest(`kind 必须是 ${fileMaterialKindList.join(' / ')} 之一`)
    if (!file)
      throw badRequest('缺少文件（表单字段 file）')
    const title = (fields.title ?? '').trim()
    if (!title || title.length > 128)
      throw badRequest('标题不能为空，最多 128 个字')
    const description = (fields.description ?? '').trim()
    if (description.length > 512)
      throw badRequest('描述最多 512 个字')
    const groupId = fields.groupId ? Number(fields.groupId) : null
    if (groupId !== null && !(Number.isSafeInteger(groupId) && groupId > 0))
      throw badRequest('groupId 必须是正整数')
    const storeIds = fields.storeIds === undefined ? undefined : fields.storeIds.split(',').map(s => s.trim()).filter(Boolean)
    // Type and size before anything is stored: a refused upload leaves nothing behind.
    const mimeType = checkUpload(kind, file.bytes, file.mimeType)
    const contentHash = await deps.storage.put(file.bytes)
    const id = await createFileMaterial(database, session, { kind, title, description, groupId, storeIds, fileName: cleanFileName(file.fileName), mimeType, contentHash, sizeBytes: file.bytes.length }, now())
    return reply.status(201).send(await getMaterial(db, session, id))
  })

  app.post('/api/materials', {
    schema: { body: CreateCardMaterial, response: { 201: Material, 400: ApiError, 403: ApiError } },
  }, async (request, reply) => {
    const session = sessionOf(request)
    const id = await createCardMaterial(deps, session, request.body, now())
    return reply.status(201).send(await getMaterial(db, session, id))
  })

  app.patch('/api/materials/:id', {
    schema: { params: IdParams, body: UpdateMaterial, response: { 200: Material, 400: ApiError, 403: ApiError, 404: ApiError } },
  }, async (request) => {
    const session = sessionOf(request)
    await updateMaterial(database, session, request.params.id, request.body, now())
    return getMaterial(db, session, request.params.id)
  })

  app.delete('/api/materials/:id', {
    schema: { params: IdParams, response: { 204: Type.Null(), 403: ApiError, 404: ApiError } },
  }, async (request, reply) => {
    await archiveMaterial(database, sessionOf(request), request.params.id, now())
    return reply.status(204).send(null)
  })

  app.post('/api/materials/:id/send', {
    schema: { params: IdParams, body: SendMaterialRequest, response: { 200: MaterialSend, 201: MaterialSend, 400: ApiError, 404: ApiError, 409: ApiError } },
  }, async (request, reply) => {
    const { send, created } = await sendMaterial(deps, sessionOf(request), request.params.id, request.body)
    return reply.status(created ? 201 : 200).send(send)
  })

  app.get('/api/materials/sends', {
    schema: { querystring: MemberIdQuery, response: { 200: MemberMaterialSends, 404: ApiError } },
  }, async request => memberMaterialSends(db, sessionOf(request), request.query.memberId))

  app.get('/api/material-groups', { schema: { response: { 200: Type.Array(MaterialGroup) } } }, async request => listMaterialGroups(db, sessionOf(request)))

  app.post('/api/material-groups', {
    schema: { body: MaterialGroupInput, response: { 201: MaterialGroup, 403: ApiError, 409: ApiError } },
  }, async (request, reply) => reply.status(201).send(await saveMaterialGroup(database, sessionOf(request), null, request.body, now())))

  app.put('/api/material-groups/:id', {
    schema: { params: IdParams, body: MaterialGroupInput, response: { 200: MaterialGroup, 403: ApiError, 404: ApiError, 409: ApiError } },
  }, async request => saveMaterialGroup(database, sessionOf(request), request.params.id, request.body, now()))

  app.delete('/api/material-groups/:id', {
    schema: { params: IdParams, response: { 204: Type.Null(), 403: ApiError, 404: ApiError, 409: ApiError } },
  }, async (request, reply) => {
    await deleteMaterialGroup(database, sessionOf(request), request.params.id)
    return reply.status(204).send(null)
  })
}

/** The link redirect a customer's WeChat opens: public (no session), authenticated by the signed token. */
export const materialLinkRoutes: FastifyPluginAsyncTypebox<Pick<MaterialDeps, 'database' | 'linkKey' | 'now'>> = async (app, deps) => {
  app.get('/api/materials/open/:token', {
    schema: { params: Type.Object({ token: Type.String({ minLength: 10, maxLength: 100 }) }) },
  }, async (request, reply) => {
    const target = await openLink(deps, request.params.token)
    if (!target)
      return reply.status(404).type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><title>链接已失效</title><p>这个链接无效或已失效。</p>')
    return reply.header('Cache-Control', 'no-store').redirect(target, 302)
  })
}
