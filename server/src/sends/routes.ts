import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import { ApiError, CompleteSendRequest, CreateSendRequest, MemberSendsQuery, MemberSendsToday, SendIdParams, SendRecord } from '@scrm/shared'
import { sessionOf } from '../plugins/session.ts'
import { markRecommendationsStale } from '../recommend/precomputed.ts'
import { completeSend, createSend, memberSendsToday } from './service.ts'

export const sendRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDb, now: () => number }> = async (app, { db, now }) => {
  app.post('/api/sends', {
    schema: { body: CreateSendRequest, response: { 200: SendRecord, 201: SendRecord, 400: ApiError, 404: ApiError, 409: ApiError } },
  }, async (request, reply) => {
    const { record, created } = await db.transaction(async tx => createSend(tx, sessionOf(request), request.body, now()))
    return reply.status(created ? 201 : 200).send(record)
  })

  app.post('/api/sends/:id/complete', {
    schema: { params: SendIdParams, body: CompleteSendRequest, response: { 200: SendRecord, 404: ApiError, 409: ApiError } },
  }, async (request) => {
    return db.transaction(async (tx) => {
      const record = await completeSend(tx, sessionOf(request), request.params.id, request.body, now())
      // What she was sent is now held back / counted: her precomputed list is re-scored by a job.
      if (record.status === 'sent')
        await markRecommendationsStale(tx, [record.memberId], now())
      return record
    })
  })

  app.get('/api/sends', {
    schema: { querystring: MemberSendsQuery, response: { 200: MemberSendsToday, 400: ApiError, 404: ApiError } },
  }, async (request) => {
    return memberSendsToday(db, sessionOf(request), request.query.memberId, now())
  })
}
