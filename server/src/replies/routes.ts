import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AsyncDbOrTx } from '../db/port.ts'
import { ReplyTemplates } from '@scrm/shared'
import { listReplyTemplates } from './service.ts'

/**
 * The quick replies as templates: the same for every member, so the sidebar loads them once and fills
 * them per chat with the member context's `replyVariables` (they were a third of every context response).
 */
export const replyRoutes: FastifyPluginAsyncTypebox<{ db: AsyncDbOrTx }> = async (app, { db }) => {
  app.get('/api/replies', { schema: { response: { 200: ReplyTemplates } } }, async () => listReplyTemplates(db))
}
