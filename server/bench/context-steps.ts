// In-process timing of each step of the member context (no HTTP), to find where a request's time goes:
// `tsx bench/context-steps.ts [--members 100000] [--seed 42] [--samples 2000]` on the cached bench database.
import type { Session } from '../src/plugins/session.ts'
import { parseArgs } from 'node:util'
import { eq } from 'drizzle-orm'
import { accessibleMemberIds } from '../src/auth/access.ts'
import { openDatabase } from '../src/db/client.ts'
import { members } from '../src/db/schema.ts'
import { listMemberOrders, memberOrderTotals } from '../src/members/orders.ts'
import { getMemberContext } from '../src/members/service.ts'
import { createPrecomputedProvider } from '../src/recommend/precomputed.ts'
import { guideAndPurchaseValues } from '../src/replies/service.ts'
import { benchDatabasePath } from './bench-db.ts'

const { values } = parseArgs({ options: { members: { type: 'string', default: '100000' }, seed: { type: 'string', default: '42' }, samples: { type: 'string', default: '2000' } } })
const database = openDatabase(benchDatabasePath(Number(values.members), Number(values.seed)))
const db = database.port.db
const pairs = database.sqlite.prepare(`select f.guide_userid as guide, m.external_userid as contact, m.id as id
  from members m join follows f on f.member_id = m.id and f.status = 'active'
  where m.external_userid is not null order by random() limit ?`).all(Number(values.samples)) as { guide: string, contact: string, id: number }[]

const totals = new Map<string, number>()
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await fn()
  totals.set(name, (totals.get(name) ?? 0) + performance.now() - started)
  return result
}
const provider = createPrecomputedProvider({ now: Date.now })
for (const round of ['warm-up', 'measured']) {
  totals.clear()
  for (const p of pairs) {
    const session = { userid: p.guide, role: 'guide', storeId: null } as unknown as Session
    await step('member by external id', () => db.select().from(members).where(eq(members.externalUserid, p.contact)).get())
    await step('access check', () => accessibleMemberIds(db, session, [p.id]))
    await step('recommendations provider', () => provider(db, p.id, session))
    await step('order totals', () => memberOrderTotals(db, p.id))
    await step('orders (5) with lines', () => listMemberOrders(db, p.id, { limit: 5 }))
    await step('reply variables', () => guideAndPurchaseValues(db, p.guide, p.id))
    await step('whole context', () => getMemberContext(db, session, { externalUserId: p.contact, orderLimit: 5 }, provider))
  }
  if (round === 'measured') {
    for (const [name, ms] of totals)
      process.stdout.write(`${name.padEnd(28)} ${(ms / pairs.length).toFixed(3)} ms/request\n`)
  }
}
database.close()
