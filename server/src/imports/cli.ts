// `pnpm import:orders --platform NAME --file PATH [--items PATH]`: imports a platform's order export into
// the database of DATABASE_URL / DATABASE_PATH (a fresh one is migrated first). Progress on stderr; the
// last stdout line is one JSON object:
//   {platform, encoding, orders, itemLines, paidFen, closedOrders, imported, updated, unchanged, rejected: [{line, reason}]}
// A refused file prints {error, line} and exits 1 (nothing written). Relative paths resolve against the
// directory the command was started in.
import type { Platform } from '@scrm/shared'
import { isAbsolute, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { platformList } from '@scrm/shared'
import cliProgress from 'cli-progress'
import { loadDatabaseConfig } from '../config.ts'
import { connectDatabase } from '../db/client.ts'
import { ImportRefused } from './read.ts'
import { runImport } from './service.ts'

const usage = `usage: pnpm import:orders [--platform ${platformList.join('|')}] --file PATH [--items PATH]`
const { values } = parseArgs({
  options: { platform: { type: 'string' }, file: { type: 'string' }, items: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: false,
})
if (values.help || !values.file) {
  console.error(usage)
  process.exit(values.help ? 0 : 2)
}
if (values.platform && !(platformList as readonly string[]).includes(values.platform)) {
  console.error(`--platform: unknown platform ${values.platform}; ${usage}`)
  process.exit(2)
}
const base = process.env.INIT_CWD ?? process.cwd()
const path = (p: string) => (isAbsolute(p) ? p : resolve(base, p))

const { port: database } = await connectDatabase(loadDatabaseConfig())
const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'import [{bar}] {percentage}% | {phase}', hideCursor: true }, cliProgress.Presets.shades_classic)
bar.start(100, 0, { phase: 'reading' })
try {
  const report = await runImport(database, { platform: values.platform as Platform | undefined, ordersPath: path(values.file), itemsPath: values.items ? path(values.items) : undefined }, {
    onProgress: fraction => bar.update(Math.round(fraction * 100), { phase: fraction < 0.6 ? 'reading' : 'writing' }),
  })
  bar.update(100, { phase: 'done' })
  bar.stop()
  if (report.unmappedItems.length > 0)
    console.error(`${report.unmappedItems.length} item codes not in the catalog (kept as unmapped items), e.g. ${report.unmappedItems.slice(0, 5).map(i => i.outerId || i.title).join(', ')}`)
  console.error(`${report.matchedOrders} orders linked to members, ${report.unmatchedOrders} wait in the unmatched queue`)
  const { platform, encoding, orders, itemLines, paidFen, closedOrders, imported, updated, unchanged, rejected } = report
  console.log(JSON.stringify({ platform, encoding, orders, itemLines, paidFen, closedOrders, imported, updated, unchanged, rejected }))
}
catch (error) {
  bar.stop()
  if (!(error instanceof ImportRefused))
    throw error
  console.error(`refused: ${error.message}`)
  console.log(JSON.stringify({ error: error.message, line: error.line }))
  process.exitCode = 1
}
finally {
  await database.close()
}
