import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDb } from '../db/port.ts'
import type { TransferClient } from './service.ts'
import { ApiError, CreateHandoverRequest, HandoverCustomerList, HandoverCustomersQuery, HandoverDetail, HandoverIdParams, HandoverList, HandoverStaffList, UnassignedGuideList } from '@scrm/shared'
import { sessionOf } from '../plugins/session.ts'
import { createHandover, getHandover, listHandoverCustomers, listHandovers, listHandoverStaff, unassignedCustomers } from './service.ts'

export const handoverRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDb, wecom: TransferClient, now: () => number }> = async (app, { db, wecom, now }) => {
  app.get('/api/handover/staff', {
    schema: { response: { 200: HandoverStaffList, 403: ApiError } },
  }, async request => listHandoverStaff(db, sessionOf(request)))

  app.get('/api/handover/customers', {
    schema: { querystring: HandoverCustomersQuery, response: { 200: HandoverCustomerList, 403: ApiError } },
  }, async request => listHandoverCustomers(db, sessionOf(request), request.query.fromUserid))

  app.get('/api/handover/unassigned', {
    schema: { response: { 200: UnassignedGuideList, 403: ApiError } },
  }, async request => unassignedCustomers(db, sessionOf(request), wecom))

  app.get('/api/handovers', {
    schema: { response: { 200: HandoverList, 403: ApiError } },
  }, async request => listHandovers(db, sessionOf(request)))

  app.get('/api/handovers/:id', {
    schema: { params: HandoverIdParams, response: { 200: HandoverDetail, 403: ApiError, 404: ApiError } },
  }, async request => getHandover(db, sessionOf(request), request.params.id))

  app.post('/api/handovers', {
    schema: { body: CreateHandoverRequest, response: { 201: HandoverDetail, 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError } },
  }, async (request, reply) => {
    // The submit job is queued in the same transaction as the handover: WeCom is called by a worker.
    return reply.status(201).send(await createHandover(db, sessionOf(request), request.body, now(), wecom))
  })
}
