import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Database } from '../db/port.ts'
import { Health } from '@scrm/shared'
import { sql } from 'drizzle-orm'

/** Public: load balancers and the demo launcher poll it until the server can serve. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ database: Database, version: string }> = async (app, { database, version }) => {
  app.get('/api/health', { schema: { response: { 200: Health } } }, async () => {
    await database.db.run(sql`select 1`)
    return {
      status: 'ok' as const,
      version,
      database: { dialect: database.dialect, ok: true, migrations: await database.migrationCount() },
    }
  })
}
