// npx tsx bench/feedback-loop-cli.ts [--members 3000] [--rounds 8] [--seed 42] [--sample 600] [--k 3]
//   [--max-p 0.5] [--gamma 2] [--fatigue 0.5] [--keep]
// Closed-loop feedback simulation (bench/feedback-loop.ts): progress on stderr; a per-round table,
// the summary and one JSON line with everything on stdout.
import { parseArgs } from 'node:util'
import { formatFeedbackLoop, runFeedbackLoop } from './feedback-loop.ts'

const { values } = parseArgs({
  options: {
    'members': { type: 'string', default: '3000' },
    'rounds': { type: 'string', default: '8' },
    'seed': { type: 'string', default: '42' },
    'sample': { type: 'string', default: '600' },
    'k': { type: 'string', default: '3' },
    'max-p': { type: 'string' },
    'gamma': { type: 'string' },
    'fatigue': { type: 'string' },
    'keep': { type: 'boolean', default: false },
  },
})
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
const response = Object.fromEntries(Object.entries({ maxP: num(values['max-p']), gamma: num(values.gamma), fatigue: num(values.fatigue) }).filter(([, v]) => v !== undefined))

const result = await runFeedbackLoop({
  members: Number(values.members),
  rounds: Number(values.rounds),
  seed: Number(values.seed),
  sample: Number(values.sample),
  k: Number(values.k),
  response,
  keep: values.keep,
  log: line => process.stderr.write(`${line}\n`),
})

for (const line of formatFeedbackLoop(result)) console.log(line)
console.log(JSON.stringify(result))
