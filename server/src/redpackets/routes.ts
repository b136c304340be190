import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RedPacketDeps } from './service.ts'
import { ApiError, CreateRedPacketRequest, ExportQuery, MemberRedPackets, MemberRedPacketsQuery, RedPacketIdParams, RedPacketRecord, RedPacketSettings, RedPacketSettingsPage, RedPacketSpend, SpendQuery, UpdateStoreBudgetsRequest } from '@scrm/shared'
import Type from 'typebox'
import { sessionOf } from '../plugins/session.ts'
import { reconciliation, reconciliationCsvGbk, reconciliationXlsx, redPacketSpend } from './report.ts'
import { createRedPacket, getRedPacket, memberRedPackets } from './service.ts'
import { settingsPage, updateSettings, updateStoreBudgets } from './settings.ts'

const refusals = { 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiError, 503: ApiError }

export const redPacketRoutes: FastifyPluginAsyncTypebox<{ deps: RedPacketDeps }> = async (app, { deps }) => {
  const { db, now } = deps

  app.get('/api/red-packets', {
    schema: { querystring: MemberRedPacketsQuery, response: { 200: MemberRedPackets, ...refusals } },
  }, async request => memberRedPackets(deps, sessionOf(request), request.query.memberId))

  app.post('/api/red-packets', {
    schema: { body: CreateRedPacketRequest, response: { 200: RedPacketRecord, 201: RedPacketRecord, ...refusals } },
  }, async (request, reply) => {
    const { record, created } = await createRedPacket(deps, sessionOf(request), request.body)
    return reply.status(created ? 201 : 200).send(record)
  })

  app.get('/api/red-packets/:id', {
    schema: { params: RedPacketIdParams, response: { 200: RedPacketRecord, ...refusals } },
  }, async request => getRedPacket(deps, sessionOf(request), request.params.id))

  app.get('/api/red-packets/settings', {
    schema: { response: { 200: RedPacketSettingsPage, ...refusals } },
  }, async request => settingsPage(db, sessionOf(request)))

  app.put('/api/red-packets/settings', {
    schema: { body: RedPacketSettings, response: { 200: RedPacketSettingsPage, ...refusals } },
  }, async request => updateSettings(db, sessionOf(request), request.body, now()))

  app.put('/api/red-packets/store-budgets', {
    schema: { body: UpdateStoreBudgetsRequest, response: { 200: RedPacketSettingsPage, ...refusals } },
  }, async request => db.transaction(async tx => updateStoreBudgets(tx, sessionOf(request), request.body)))

  app.get('/api/red-packets/spend', {
    schema: { querystring: SpendQuery, response: { 200: RedPacketSpend, ...refusals } },
  }, async request => redPacketSpend(db, sessionOf(request), request.query))

  app.get('/api/red-packets/export', {
    // 200 is a file (Buffer): Fastify sends Buffers as they are, without the serializer.
    schema: { querystring: ExportQuery, response: { 200: Type.Unsafe<Buffer>({}), 400: ApiError, 403: ApiError, 404: ApiError } },
  }, async (request, reply) => {
    const { storeId, month, format } = request.query
    const report = await reconciliation(db, sessionOf(request), storeId, month)
    const name = `red-packets-${storeId}-${month}`
    if (format === 'xlsx') {
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}.xlsx"`)
        .send(await reconciliationXlsx(report, `${storeId} ${month}`))
    }
    return reply
      .header('content-type', 'text/csv; charset=GBK')
      .header('content-disposition', `attachment; filename="${name}.csv"`)
      .send(reconciliationCsvGbk(report))
  })
}
