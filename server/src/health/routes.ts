import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { OpenedDatabase } from '../db/client.ts'
import { Health } from '@scrm/shared'
import { appliedMigrationCount } from '../db/client.ts'

/** Public: load balancers and the demo launcher poll it until the server can serve. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ database: OpenedDatabase, version: string }> = async (app, { database, version }) => {
  app.get('/api/health', { schema: { response: { 200: Health } } }, async () => {
    database.sqlite.prepare('select 1').get()
    return {
      status: 'ok' as const,
      version,
      database: { dialect: 'sqlite', ok: true, migrations: appliedMigrationCount(database.sqlite) },
    }
  })
}
