import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import type { CorpTagAdminClient } from './corp-admin.ts'
import { ApiError, CorpTagGroupParams, CorpTagMove, CorpTagNameBody, CorpTagParams, CorpTagTree, CreateCorpTagGroup, ManagedCorpTagTree, MemberTagEdit, MemberTagList, MemberTagsParams } from '@scrm/shared'
import { sessionOf } from '../plugins/session.ts'
import { addCorpTag, createCorpTagGroup, deleteCorpTag, deleteCorpTagGroup, managedCorpTagTree, moveCorpTag, moveCorpTagGroup, renameCorpTag, renameCorpTagGroup } from './corp-admin.ts'
import { corpTagTree, editMemberTags, listMemberTags } from './service.ts'

export const tagRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDb, wecom: CorpTagAdminClient, now: () => number }> = async (app, { db, wecom, now }) => {
  app.get('/api/tags/corp', { schema: { response: { 200: CorpTagTree } } }, async () => corpTagTree(db))

  app.get('/api/members/:memberId/tags', {
    schema: { params: MemberTagsParams, response: { 200: MemberTagList, 404: ApiError } },
  }, async request => ({ tags: await listMemberTags(db, sessionOf(request), request.params.memberId) }))

  app.post('/api/members/:memberId/tags', {
    schema: { params: MemberTagsParams, body: MemberTagEdit, response: { 200: MemberTagList, 400: ApiError, 403: ApiError, 404: ApiError } },
  }, async (request) => {
    const tags = await db.transaction(async tx => editMemberTags(tx, sessionOf(request), request.params.memberId, request.body, now()))
    return { tags }
  })

  // The corp tag library (admins): each change is made in WeCom, then stored; every answer is the whole library.
  const deps = { db, wecom, now }
  const refusals = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError }

  app.get('/api/corp-tags', {
    schema: { response: { 200: ManagedCorpTagTree, 403: ApiError } },
  }, async request => managedCorpTagTree(db, sessionOf(request)))

  app.post('/api/corp-tags/groups', {
    schema: { body: CreateCorpTagGroup, response: { 201: ManagedCorpTagTree, ...refusals } },
  }, async (request, reply) => reply.status(201).send(await createCorpTagGroup(deps, sessionOf(request), request.body)))

  app.patch('/api/corp-tags/groups/:groupId', {
    schema: { params: CorpTagGroupParams, body: CorpTagNameBody, response: { 200: ManagedCorpTagTree, ...refusals } },
  }, async request => renameCorpTagGroup(deps, sessionOf(request), request.params.groupId, request.body.name))

  app.delete('/api/corp-tags/groups/:groupId', {
    schema: { params: CorpTagGroupParams, response: { 200: ManagedCorpTagTree, ...refusals } },
  }, async request => deleteCorpTagGroup(deps, sessionOf(request), request.params.groupId))

  app.post('/api/corp-tags/groups/:groupId/move', {
    schema: { params: CorpTagGroupParams, body: CorpTagMove, response: { 200: ManagedCorpTagTree, ...refusals } },
  }, async request => moveCorpTagGroup(deps, sessionOf(request), request.params.groupId, request.body.direction))

  app.post('/api/corp-tags/groups/:groupId/tags', {
    schema: { params: CorpTagGroupParams, body: CorpTagNameBody, response: { 201: ManagedCorpTagTree, ...refusals } },
  }, async (request, reply) => reply.status(201).send(await addCorpTag(deps, sessionOf(request), request.params.groupId, request.body.name)))

  app.post('/api/corp-tags/tags/:tagId/move', {
    schema: { params: CorpTagParams, body: CorpTagMove, response: { 200: ManagedCorpTagTree, ...refusals } },
  }, async request => moveCorpTag(deps, sessionOf(request), request.params.tagId, request.body.direction))

  app.patch('/api/corp-tags/tags/:tagId', {
    schema: { params: CorpTagParams, body: CorpTagNameBody, response: { 200: ManagedCorpTagTree, ...refusals } },
  }, async request => renameCorpTag(deps, sessionOf(request), request.params.tagId, request.body.name))

  app.delete('/api/corp-tags/tags/:tagId', {
    schema: { params: CorpTagParams, response: { 200: ManagedCorpTagTree, ...refusals } },
  }, async request => deleteCorpTag(deps, sessionOf(request), request.params.tagId))
}
