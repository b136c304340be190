import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { JobQueue } from '../jobs/queue.ts'
import { ApiError, JobEnqueued } from '@scrm/shared'
import { requireAdmin } from '../auth/access.ts'
import { sessionOf } from '../plugins/session.ts'
import { enqueueContactSync } from './jobs.ts'

/** Admins start a full contact sync; it runs as a job (watch it at GET /api/admin/jobs). Behind the session gate. */
export const contactRoutes: FastifyPluginAsyncTypebox<{ queue: JobQueue }> = async (app, { queue }) => {
  app.post('/api/admin/contacts/sync', { schema: { response: { 202: JobEnqueued, 403: ApiError } } }, async (request, reply) => {
    requireAdmin(sessionOf(request), 'only admins start a contact sync')
    const jobId = await enqueueContactSync(queue)
    return reply.status(202).send({ jobId, alreadyQueued: jobId === null })
  })
}
