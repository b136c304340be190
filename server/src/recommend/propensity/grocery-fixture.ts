import type { CustomerCbs } from './events.ts'
// Test helper: the BTYDplus grocery cohort from /work/shared/data when present (never shipped).
import { existsSync, readFileSync } from 'node:fs'
import { buildCbs, dayIndex, groupPurchaseDays } from './events.ts'

export const GROCERY_CSV = '/work/shared/data/grocery-btydplus/groceryElog.csv'
export const hasGrocery = existsSync(GROCERY_CSV)

export function loadGrocery(): { days: Map<string, number[]>, cbs: CustomerCbs[], cal: number, hold: number } {
  const lines = readFileSync(GROCERY_CSV, 'utf8').trim().split('\n').slice(1)
  const days = groupPurchaseDays(lines.map((l) => {
    const [c, d] = l.replaceAll('"', '').split(',')
    return { customerId: c!, date: d! }
  }))
  const cal = dayIndex('2006-12-31')
  const hold = dayIndex('2007-12-30')
  return { days, cbs: buildCbs(days, cal, hold), cal, hold }
}
