import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import { ApiError, CorpTagTree, MemberTagEdit, MemberTagList, MemberTagsParams } from '@scrm/shared'
import { sessionOf } from '../plugins/session.ts'
import { corpTagTree, editMemberTags, listMemberTags } from './service.ts'

export const tagRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDb, now: () => number }> = async (app, { db, now }) => {
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
}
