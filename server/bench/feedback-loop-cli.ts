// npx tsx bench/feedback-loop-cli.ts [--members 1200] [--rounds 6] [--seeds 1,2,3,4,5] [--sample 250] [--k 3]
//   [--max-p 0.5] [--gamma 2] [--fatigue 1] [--organic 0.1] [--arms on,off,rotation,…]
// Closed-loop feedback simulation (bench/feedback-loop.ts): progress on stderr; the arms table and
// one JSON line with everything on stdout.
import type { ArmName } from './feedback-loop.ts'
import { parseArgs } from 'node:util'
import { formatFeedbackLoop, LOOP_ARMS, runFeedbackLoop } from './feedback-loop.ts'

const { values } = parseArgs({
  options: {
    'members': { type: 'string', default: '1200' },
    'rounds': { type: 'string', default: '6' },
    'seeds': { type: 'string', default: '1,2,3,4,5' },
    'sample': { type: 'string', default: '250' },
    'k': { type: 'string', default: '3' },
    'max-p': { type: 'string' },
    'gamma': { type: 'string' },
    'fatigue': { type: 'string' },
    'organic': { type: 'string' },
    'arms': { type: 'string' },
  },
})
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
const response = Object.fromEntries(Object.entries({ maxP: num(values['max-p']), gamma: num(values.gamma), fatigue: num(values.fatigue), organicRate: num(values.organic) }).filter(([, v]) => v !== undefined))
const arms = values.arms?.split(',').map(a => a.trim())
const unknown = arms?.filter(a => !(a in LOOP_ARMS))
if (unknown?.length) {
  process.stderr.write(`unknown arm(s): ${unknown.join(', ')}; choose from ${Object.keys(LOOP_ARMS).join(', ')}\n`)
  process.exit(2)
}

const result = await runFeedbackLoop({
  members: Number(values.members),
  rounds: Number(values.rounds),
  seeds: values.seeds.split(',').map(Number),
  sample: Number(values.sample),
  k: Number(values.k),
  response,
  arms: arms as ArmName[] | undefined,
  log: line => process.stderr.write(`${line}\n`),
})

for (const line of formatFeedbackLoop(result)) console.log(line)
console.log(JSON.stringify(result))
