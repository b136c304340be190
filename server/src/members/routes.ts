import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../db/client.ts'
import type { AsyncDb } from '../db/port.ts'
import type { RecommendationProvider } from './service.ts'
import { ApiError, MemberContext, MemberContextQuery, MemberList, MemberListQuery, OrderPage, OrdersQuery } from '@scrm/shared'
import { requireMemberAccess } from '../auth/access.ts'
import { sessionOf } from '../plugins/session.ts'
import { listMemberOrders } from './orders.ts'
import { getMemberContext, listMembers } from './service.ts'

export const memberRoutes: FastifyPluginAsyncTypebox<{ db: Db, port: AsyncDb, recommend: RecommendationProvider }> = async (app, { db, port, recommend }) => {
  app.get('/api/members/context', {
    schema: { querystring: MemberContextQuery, response: { 200: MemberContext, 404: ApiError } },
  }, async (request) => {
    const { externalUserId, orderLimit = 10 } = request.query
    return getMemberContext(db, sessionOf(request), { externalUserId, orderLimit }, recommend, port)
  })

  app.get('/api/members', {
    schema: { querystring: MemberListQuery, response: { 200: MemberList } },
  }, async (request) => {
    const { q, limit = 30, offset = 0 } = request.query
    return listMembers(db, sessionOf(request), { q, limit, offset })
  })

  app.get('/api/orders', {
    schema: { querystring: OrdersQuery, response: { 200: OrderPage, 404: ApiError } },
  }, async (request) => {
    const { memberId, cursor, limit = 10 } = request.query
    requireMemberAccess(db, sessionOf(request), memberId)
    return listMemberOrders(db, memberId, { cursor, limit })
  })
}
