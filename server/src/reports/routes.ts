import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDbOrTx } from '../db/port.ts'
import { ApiError, ConversionQuery, ConversionReport } from '@scrm/shared'
import { badRequest } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { conversionReport } from './service.ts'

const DAY_MS = 86_400_000

export const reportRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDbOrTx, now: () => number }> = async (app, { db, now }) => {
  app.get('/api/reports/conversion', {
    schema: { querystring: ConversionQuery, response: { 200: ConversionReport, 400: ApiError, 403: ApiError } },
  }, async (request) => {
    const to = request.query.to ?? now()
    const from = request.query.from ?? to - 30 * DAY_MS
    if (from >= to)
      throw badRequest('from must be before to')
    return conversionReport(db, sessionOf(request), { from, to })
  })
}
