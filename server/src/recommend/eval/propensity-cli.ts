// pnpm eval:propensity --events FILE.csv --calibration-end YYYY-MM-DD --holdout-end YYYY-MM-DD [--id-column NAME]
// CSV: a customer id column (customer_id, or cust as in the BTYDplus grocery log) and `date`.
// Prints one JSON object on stdout; progress goes to stderr.

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parse } from 'csv-parse/sync'
import { CliError, runCli, userPath } from './cli-support.ts'
import { evaluatePropensity } from './propensity-eval.ts'

const { values } = parseArgs({
  options: {
    'events': { type: 'string' },
    'calibration-end': { type: 'string' },
    'holdout-end': { type: 'string' },
    'id-column': { type: 'string' },
    'date-column': { type: 'string', default: 'date' },
  },
})
runCli(() => {
  if (!values.events || !values['calibration-end'] || !values['holdout-end']) {
    process.stderr.write('usage: eval:propensity --events FILE.csv --calibration-end YYYY-MM-DD --holdout-end YYYY-MM-DD [--id-column NAME]\n')
    process.exit(2)
  }
  const file = userPath(values.events)
  let rows: Record<string, string>[]
  try {
    rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[]
  }
  catch (error) {
    throw new CliError(`${values.events}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const header = Object.keys(rows[0] ?? {})
  const idCol = values['id-column'] ?? ['customer_id', 'cust', 'customer', 'member_id'].find(c => header.includes(c))
  const dateCol = values['date-column']!
  if (!idCol || !header.includes(idCol) || !header.includes(dateCol))
    throw new CliError(`CSV needs an id column (customer_id or cust, or --id-column) and '${dateCol}'; got ${header.join(',')}`)
  for (const flag of ['calibration-end', 'holdout-end'] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values[flag]!))
      throw new CliError(`--${flag} must be YYYY-MM-DD, got ${values[flag]}`)
  }
  const events = rows.map(r => ({ customerId: r[idCol]!, date: r[dateCol]! }))
  const bad = events.findIndex(e => !e.customerId || Number.isNaN(Date.parse(`${e.date.slice(0, 10)}T00:00:00Z`)))
  if (bad >= 0)
    throw new CliError(`row ${bad + 2}: needs an id and a YYYY-MM-DD ${dateCol}, got '${events[bad]!.customerId}','${events[bad]!.date}'`)
  process.stderr.write(`${events.length} events\n`)
  const result = evaluatePropensity(events, values['calibration-end'], values['holdout-end'])
  process.stdout.write(`${JSON.stringify(result)}\n`)
})
