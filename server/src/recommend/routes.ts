import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import type { TodayOptions } from './today.ts'
import { TodayList, TodayQuery } from '@scrm/shared'
import { sessionOf } from '../plugins/session.ts'
import { todayList } from './today.ts'

/**
 * 今日待联系 for the logged-in guide (their followers) or supervisor (their store's). It only reads, but ranks
 * every member the caller serves: `heavyReads` (Database.heavyReads) keeps that off the API thread.
 */
export const todayRoutes: FastifyPluginAsyncTypebox<{ heavyReads: AsyncDb } & TodayOptions> = async (app, { heavyReads, ...options }) => {
  app.get('/api/today', {
    schema: { querystring: TodayQuery, response: { 200: TodayList } },
  }, async (request) => {
    return todayList(heavyReads, sessionOf(request), { limit: request.query.limit ?? 20 }, options)
  })
}
