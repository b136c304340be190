// `pnpm --filter @scrm/server import:samples [--out DIR]`: writes one sample export per platform for the
// members and catalog of the database at DATABASE_PATH / DATABASE_URL (the demo's), to import in the console.
import { isAbsolute, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadDatabaseConfig } from '../config.ts'
import { connectDatabase } from '../db/client.ts'
import { writeImportSamples } from './samples.ts'

const { values } = parseArgs({ options: { out: { type: 'string', default: 'import-samples' } } })
const base = process.env.INIT_CWD ?? process.cwd()
const out = isAbsolute(values.out) ? values.out : resolve(base, values.out)
const { port: database } = await connectDatabase(loadDatabaseConfig())
try {
  const samples = await writeImportSamples(database, out, Date.now())
  for (const [platform, names] of Object.entries(samples.files))
    console.error(`${platform}: ${names.map(n => resolve(out, n)).join(' + ')} (${samples.orders.filter(o => o.platform === platform).length} orders)`)
  console.log(JSON.stringify({ dir: out, orders: samples.orders.length }))
}
finally {
  await database.close()
}
