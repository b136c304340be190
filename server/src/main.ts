// Production entry: configuration from the environment, PostgreSQL (DATABASE_URL) or one SQLite file,
// the real WeCom API. Stateless apart from the database, so several instances can run side by side.
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { connectDatabase } from './db/client.ts'
import { createWecomClientFromConfig } from './wecom/client.ts'
import { createDbCredentialStore } from './wecom/credential-store.ts'

const config = loadConfig()
const { port: database } = await connectDatabase(config)
const wecom = createWecomClientFromConfig(config.wecom, createDbCredentialStore(database.db, config.wecom.credentialsKey))
const app = await buildApp({ config, database, wecom })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(async () => database.close())
  })
}
await app.listen({ port: config.port, host: config.host })
