// pnpm eval:nbr --tafeng DIR [--keyset N] [--history-only]
// pnpm eval:nbr --baskets FILE.csv [--keysets K0.json,K1.json] [--split-seed N]
// Prints one JSON object on stdout; progress goes to stderr.

import type { Keyset, NbrDataset } from './nbr-data.ts'
import { parseArgs } from 'node:util'
import { CliError, runCli, userPath } from './cli-support.ts'
import { loadBasketCsv, loadKeyset, loadTafengDir, splitUsers } from './nbr-data.ts'
import { evaluateNbr } from './nbr-eval.ts'

const { values } = parseArgs({
  options: {
    'tafeng': { type: 'string' },
    'baskets': { type: 'string' },
    'keysets': { type: 'string' },
    'split-seed': { type: 'string', default: '0' },
    'no-tune': { type: 'boolean', default: false },
    'history-only': { type: 'boolean', default: false },
    'keyset': { type: 'string' },
  },
})

function log(msg: string): void {
  process.stderr.write(`${msg}\n`)
}

runCli(() => {
  let data: NbrDataset
  let keysets: Keyset[]
  if (values.tafeng) {
    const loaded = loadTafengDir(userPath(values.tafeng))
    data = loaded.data
    keysets = loaded.keysets
    if (keysets.length === 0)
      throw new CliError(`no tafeng_keyset_*.json in ${values.tafeng}`)
    if (values.keyset !== undefined) {
      // One keyset while iterating (the full run is five times the CPU).
      const only = keysets[Number(values.keyset)]
      if (!/^\d+$/.test(values.keyset) || !only)
        throw new CliError(`--keyset must be 0-${keysets.length - 1}, got ${values.keyset}`)
      keysets = [only]
    }
  }
  else if (values.baskets) {
    const file = userPath(values.baskets)
    try {
      data = loadBasketCsv(file).data
    }
    catch (error) {
      // csv-parse and the column check name the row or column at fault; say it without a stack.
      throw new CliError(`${values.baskets}: ${error instanceof Error ? error.message : String(error)}`)
    }
    keysets = values.keysets
      ? values.keysets.split(',').map(f => loadKeyset(userPath(f.trim())))
      : [splitUsers([...data.target.keys()], Number(values['split-seed']))]
  }
  else {
    log('usage: eval:nbr [--history-only] --tafeng DIR [--keyset N] | --baskets FILE.csv [--keysets a.json,b.json] [--split-seed N]')
    process.exit(2)
  }
  log(`users ${data.history.size}, keysets ${keysets.length}`)
  const result = evaluateNbr(data, keysets, { log, noTune: values['no-tune'], mode: values['history-only'] ? 'history-only' : 'protocol' })
  process.stdout.write(`${JSON.stringify(result)}\n`)
})
