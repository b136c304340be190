import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateTaobaoExport } from './bench/import.ts'
import { connectDatabase } from './src/db/client.ts'
import { runImport } from './src/imports/service.ts'
const dir = mkdtempSync(join(tmpdir(), 'p-'))
const f = generateTaobaoExport(dir, 30000)
const { port } = await connectDatabase({ databaseUrl: '', databasePath: join(dir, 'x.db') })
for (let run = 0; run < 2; run++) {
  const t = performance.now()
  let parsedAt = 0
  await runImport(port, { ordersPath: f.ordersPath, itemsPath: f.itemsPath }, { onProgress: (x) => { if (x >= 0.6 && !parsedAt) parsedAt = performance.now() } })
  console.log('run', run, 'parse', Math.round(parsedAt - t), 'write', Math.round(performance.now() - parsedAt))
}
