// The sidebar's 7- and 30-day purchase probabilities, checked against what members of generated
// demo data actually did: train with a cut-off 31 days before the data ends (nothing later is
// read), then compare each member's stored probability with whether she bought in the next 7 / 30 days.
import type { OpenedDatabase } from '../../db/client.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDemoData } from '../../../demo/generator.ts'
import { seedDatabase } from '../../../demo/seed.ts'
import { openDatabase } from '../../db/client.ts'
import { shanghaiDay, shanghaiDayStart } from '../../lib/china-time.ts'
import { calibration } from '../eval/propensity-eval.ts'
import { trainModels } from '../training.ts'
import { auc } from './events.ts'

let dir: string
let database: OpenedDatabase
let cutDay: number
let scores: { id: number, p7: number, p30: number }[]
const firstDayAfterCut = new Map<number, number>()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scrm-calibration-'))
  database = openDatabase(join(dir, 'scrm.db'))
  const dataset = generateDemoData({ seed: 5, members: 2000 })
  seedDatabase(database.db, dataset)
  cutDay = shanghaiDay(dataset.meta.now) - 31
  // The last instant of the cut-off day (Asia/Shanghai), so that whole day is history.
  const cut = shanghaiDayStart(cutDay + 1) - 1
  await trainModels(database.port, { now: cut })
  scores = database.sqlite.prepare(`select member_id id, p_buy_7 p7, p_buy_30 p30 from member_scores where sufficiency = 'ok'`).all() as typeof scores
  // Purchases as training counts them: not cancelled, not fully refunded.
  const later = database.sqlite.prepare(`select member_id id, paid_at paidAt from orders where member_id is not null and status != 'cancelled' and refunded_amount < paid_amount and paid_at > ?`).all(cut) as { id: number, paidAt: number }[]
  for (const o of later) {
    const day = shanghaiDay(o.paidAt)
    firstDayAfterCut.set(o.id, Math.min(firstDayAfterCut.get(o.id) ?? Number.POSITIVE_INFINITY, day))
  }
}, 120_000)

afterAll(() => {
  database?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('sidebar purchase probabilities on demo data (holdout: the 30 days after the cut-off)', () => {
  it.each([[7, 'p7'], [30, 'p30']] as const)('%i days: predicted matches the share who bought, decile by decile', (days, key) => {
    expect(scores.length).toBeGreaterThan(1000)
    const p = scores.map(s => s[key])
    const bought = scores.map(s => (firstDayAfterCut.get(s.id) ?? Number.POSITIVE_INFINITY) <= cutDay + days)
    const mean = p.reduce((a, b) => a + b, 0) / p.length
    const rate = bought.filter(Boolean).length / bought.length
    expect(Math.abs(mean - rate)).toBeLessThan(0.04)
    // Measured 0.033 / 0.049; the logistic classifiers this replaced: 0.035 / 0.118.
    const cal = calibration(p, bought)
    expect(cal.ece).toBeLessThan(0.06)
    for (const d of cal.deciles) expect(Math.abs(d.predicted - d.actual)).toBeLessThan(0.15)
    expect(auc(p, bought)).toBeGreaterThan(0.7)
  })
})
