import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import { ApiError, SavedSegment, SaveSegmentRequest, SegmentDefinition, SegmentIdParams, SegmentList, SegmentOptions, SegmentPreview } from '@scrm/shared'
import Type from 'typebox'
import { sessionOf } from '../plugins/session.ts'
import { deleteSegment, listSegments, previewSegment, saveSegment, segmentOptions } from './service.ts'

/** `heavyReads` counts and samples segments (every member, seconds at a brand's size) off the API thread. */
export const segmentRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDb, heavyReads: AsyncDb, now: () => number }> = async (app, { db, heavyReads, now }) => {
  const refusals = { 400: ApiError, 403: ApiError }
  app.get('/api/segments/options', { schema: { response: { 200: SegmentOptions, 403: ApiError } } }, async request => segmentOptions(db, sessionOf(request)))

  app.post('/api/segments/preview', { schema: { body: SegmentDefinition, response: { 200: SegmentPreview, ...refusals } } }, async request =>
    previewSegment(heavyReads, sessionOf(request), request.body, now()))

  app.get('/api/segments', { schema: { response: { 200: SegmentList, 403: ApiError } } }, async request =>
    ({ items: await listSegments(heavyReads, sessionOf(request), now()) }))

  app.post('/api/segments', { schema: { body: SaveSegmentRequest, response: { 201: SavedSegment, ...refusals } } }, async (request, reply) =>
    reply.status(201).send(await saveSegment(db, heavyReads, sessionOf(request), request.body.name, request.body.definition, now())))

  app.delete('/api/segments/:id', { schema: { params: SegmentIdParams, response: { 204: Type.Null(), 403: ApiError, 404: ApiError } } }, async (request, reply) => {
    await deleteSegment(db, sessionOf(request), request.params.id)
    return reply.status(204).send(null)
  })
}
