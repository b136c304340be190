import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import { ApiError, CreateNoteRequest, MemberNotesQuery, Note, NoteFeed, NoteFeedQuery, NoteIdParams, NoteList, UpdateNoteRequest } from '@scrm/shared'
import { sessionOf } from '../plugins/session.ts'
import { createNote, deleteNote, listMemberNotes, noteFeed, updateNote } from './service.ts'

export const noteRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDb, now: () => number }> = async (app, { db, now }) => {
  app.get('/api/notes', {
    schema: { querystring: MemberNotesQuery, response: { 200: NoteList, 404: ApiError } },
  }, async request => listMemberNotes(db, sessionOf(request), request.query.memberId))

  app.post('/api/notes', {
    schema: { body: CreateNoteRequest, response: { 201: Note, 400: ApiError, 404: ApiError } },
  }, async (request, reply) => reply.status(201).send(await createNote(db, sessionOf(request), request.body, now())))

  app.patch('/api/notes/:id', {
    schema: { params: NoteIdParams, body: UpdateNoteRequest, response: { 200: Note, 400: ApiError, 403: ApiError, 404: ApiError } },
  }, async request => updateNote(db, sessionOf(request), request.params.id, request.body, now()))

  app.delete('/api/notes/:id', {
    schema: { params: NoteIdParams },
  }, async (request, reply) => {
    await deleteNote(db, sessionOf(request), request.params.id)
    return reply.status(204).send()
  })

  app.get('/api/notes/feed', {
    schema: { querystring: NoteFeedQuery, response: { 200: NoteFeed, 403: ApiError } },
  }, async request => noteFeed(db, sessionOf(request), request.query))
}
