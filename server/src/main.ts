// Production entry: configuration from the environment, PostgreSQL (DATABASE_URL) or one SQLite file,
// the real WeCom API. Stateless apart from the database, so several instances can run side by side.
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { connectDatabase } from './db/client.ts'
import { createWecomClientFromConfig } from './wecom/client.ts'
import { createDbCredentialStore } from './wecom/credential-store.ts'

const config = loadConfig()
const { port, legacy } = await connectDatabase(config)
if (!legacy) {
  // Migrations are applied (under the advisory lock); some domains still use the sync SQLite handle.
  await port.close()
  throw new ConfigError('DATABASE_URL: PostgreSQL is ready (migrations applied), but not every domain repository is converted yet to the async port (issue 7); unset DATABASE_URL to run on SQLite')
}
const database = legacy
const wecom = createWecomClientFromConfig(config.wecom, createDbCredentialStore(database.port.db, config.wecom.credentialsKey))
const app = await buildApp({ config, database, wecom })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => database.close())
  })
}
await app.listen({ port: config.port, host: config.host })
