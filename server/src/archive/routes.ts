import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Database } from '../db/port.ts'
import type { AccessContext } from './service.ts'
import { createReadStream, existsSync } from 'node:fs'
import { AccessLogPage, AccessLogQuery, Alert, AlertList, AlertListQuery, AlertTransition, ApiError, ArchiveSearchQuery, ArchiveSearchResult, ArchiveStatus, ConversationList, ConversationListQuery, Dashboard, DashboardQuery, Rule, RuleInput, Transcript, TranscriptQuery } from '@scrm/shared'
import { stringify } from 'csv-stringify/sync'
import Type from 'typebox'
import { badRequest, forbidden, notFound } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { createRule, listAlerts, listRules, transitionAlert, updateRule } from './alerts.ts'
import { mediaPath } from './media.ts'
import { decodeMessage } from './message-body.ts'
import { requireArchiveReader } from './scope.ts'
import { archiveStatus, dashboard, listConversations, logAccess, messageFor, readAccessLog, searchArchive, transcript } from './service.ts'

const DAY_MS = 86_400_000
const EXPORT_ROWS = 1000
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError }
const MEDIA_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif', amr: 'audio/amr', mp4: 'video/mp4', pdf: 'application/pdf' }

export interface ArchiveRouteOptions {
  database: Database
  now: () => number
  sourceName: string
  mediaDir: string
}

/**
 * A query for the access log (what was asked, not what came back), as JSON: readable as it is in the console
 * and the CSV export, unambiguous, and still readable when logAccess cuts a long one short.
 */
function describeQuery(query: object): string {
  return JSON.stringify(query)
}

function accessContext(request: FastifyRequest): AccessContext {
  return { ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '') }
}

export const archiveRoutes: FastifyPluginAsyncTypebox<ArchiveRouteOptions> = async (app, { database, now, sourceName, mediaDir }) => {
  const db = database.db
  /** The session, refused (403) for guides: the archive is for audit. */
  const reader = (request: FastifyRequest) => {
    const session = sessionOf(request)
    requireArchiveReader(session)
    return session
  }

  app.get('/api/archive/status', { schema: { response: { 200: ArchiveStatus, ...errors } } }, async (request) => {
    reader(request)
    return archiveStatus(db, sourceName)
  })

  app.get('/api/archive/conversations', { schema: { querystring: ConversationListQuery, response: { 200: ConversationList, ...errors } } }, async (request) => {
    const session = reader(request)
    const list = await listConversations(db, session, request.query)
    await logAccess(db, session, accessContext(request), 'view_conversations', describeQuery(request.query), now())
    return list
  })

  app.get('/api/archive/conversations/:id', { schema: { params: IdParams, querystring: TranscriptQuery, response: { 200: Transcript, ...errors } } }, async (request) => {
    const session = reader(request)
    const result = await transcript(db, session, request.params.id, request.query)
    const shown = result.messages.length ? `messages ${result.messages[0]!.id}–${result.messages.at(-1)!.id}` : 'no messages'
    await logAccess(db, session, accessContext(request), 'view_transcript', `conversation:${request.params.id} ${shown}`, now())
    return result
  })

  app.get('/api/archive/messages/:id/media', { schema: { params: IdParams } }, async (request, reply) => {
    const session = reader(request)
    const message = await messageFor(db, session, request.params.id)
    if (message.mediaStatus !== 'stored' || !message.mediaSha256)
      throw notFound(`media of message ${message.id} is ${message.mediaStatus === 'none' ? 'absent (not a media message)' : message.mediaStatus}`)
    const path = mediaPath(mediaDir, message.mediaSha256)
    if (!existsSync(path))
      throw notFound('media file is missing from storage')
    await logAccess(db, session, accessContext(request), 'view_media', `message:${message.id}`, now())
    const ext = decodeMessage(message.body).media?.ext ?? ''
    return reply.type(MEDIA_TYPES[ext] ?? 'application/octet-stream').header('Cache-Control', 'private, no-store').send(createReadStream(path))
  })

  app.get('/api/archive/search', { schema: { querystring: ArchiveSearchQuery, response: { 200: ArchiveSearchResult, ...errors } } }, async (request) => {
    const session = reader(request)
    const result = await searchArchive(db, session, request.query)
    await logAccess(db, session, accessContext(request), 'search', describeQuery(request.query), now())
    return result
  })

  app.get('/api/archive/search/export', { schema: { querystring: ArchiveSearchQuery } }, async (request, reply) => {
    const session = reader(request)
    const result = await searchArchive(db, session, { ...request.query, limit: Math.min(request.query.limit ?? EXPORT_ROWS, EXPORT_ROWS) })
    await logAccess(db, session, accessContext(request), 'export_search', describeQuery(request.query), now())
    const csv = stringify([
      ['message_id', 'time', 'store', 'guide', 'member', 'from', 'type', 'content'],
      ...result.hits.map(hit => [hit.message.id, new Date(hit.message.msgtime).toISOString(), hit.conversation.storeName ?? '', hit.conversation.guideName ?? '', hit.conversation.memberName ?? '', hit.message.fromName ?? hit.message.from, hit.message.msgtype, hit.message.content]),
    ])
    return reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="archive-search.csv"').send(`\uFEFF${csv}`)
  })

  /** An admin reads everyone's looks; a supervisor only her own (what she viewed, searched, exported). */
  const accessLogQueryFor = (request: FastifyRequest, query: AccessLogQuery): AccessLogQuery => {
    const session = reader(request)
    if (session.role === 'admin')
      return query
    if (query.userid !== undefined && query.userid !== session.userid)
      throw forbidden('a supervisor reads only her own entries in the archive access log')
    return { ...query, userid: session.userid }
  }

  app.get('/api/archive/access-log', { schema: { querystring: AccessLogQuery, response: { 200: AccessLogPage, ...errors } } }, async (request) => {
    const session = sessionOf(request)
    const page = await readAccessLog(db, accessLogQueryFor(request, request.query))
    await logAccess(db, session, accessContext(request), 'view_access_log', describeQuery(request.query), now())
    return page
  })

  app.get('/api/archive/access-log/export', { schema: { querystring: AccessLogQuery } }, async (request, reply) => {
    const session = sessionOf(request)
    const query = accessLogQueryFor(request, request.query)
    const page = await readAccessLog(db, { ...query, limit: query.limit ?? 1000 })
    await logAccess(db, session, accessContext(request), 'export_access_log', describeQuery(request.query), now())
    const csv = stringify([
      ['id', 'at', 'userid', 'role', 'action', 'target', 'ip', 'user_agent'],
      ...page.entries.map(e => [e.id, new Date(e.at).toISOString(), e.userid, e.role, e.action, e.target, e.ip, e.userAgent]),
    ])
    return reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="archive-access-log.csv"').send(`\uFEFF${csv}`)
  })

  app.get('/api/archive/rules', { schema: { response: { 200: Type.Array(Rule), ...errors } } }, async (request) => {
    return listRules(db, reader(request))
  })

  app.post('/api/archive/rules', { schema: { body: RuleInput, response: { 200: Rule, ...errors } } }, async (request) => {
    return createRule(db, reader(request), request.body, now())
  })

  app.put('/api/archive/rules/:id', { schema: { params: IdParams, body: RuleInput, response: { 200: Rule, ...errors } } }, async (request) => {
    return updateRule(db, reader(request), request.params.id, request.body, now())
  })

  app.get('/api/archive/alerts', { schema: { querystring: AlertListQuery, response: { 200: AlertList, ...errors } } }, async (request) => {
    return listAlerts(db, reader(request), request.query)
  })

  app.post('/api/archive/alerts/:id/transition', { schema: { params: IdParams, body: AlertTransition, response: { 200: Alert, 409: ApiError, ...errors } } }, async (request) => {
    return transitionAlert(database, reader(request), request.params.id, request.body, now())
  })

  app.get('/api/archive/dashboard', { schema: { querystring: DashboardQuery, response: { 200: Dashboard, ...errors } } }, async (request) => {
    const session = reader(request)
    const to = request.query.to ?? now()
    const from = request.query.from ?? to - 30 * DAY_MS
    if (from >= to)
      throw badRequest('from must be before to')
    return dashboard(db, session, { from, to })
  })
}
