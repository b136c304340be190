import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { JobQueue } from './queue.ts'
import { AdminJobs } from '@scrm/shared'
import { requireAdmin } from '../auth/access.ts'
import { sessionOf } from '../plugins/session.ts'

/** Admins watch the job queue: counts, progress, failures and schedules. Registered behind the session gate. */
export const jobRoutes: FastifyPluginAsyncTypebox<{ queue: JobQueue }> = async (app, { queue }) => {
  app.get('/api/admin/jobs', { schema: { response: { 200: AdminJobs } } }, async (request) => {
    requireAdmin(sessionOf(request), 'only admins see the job queue')
    return queue.overview()
  })
}
