import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, count } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { openDatabase } from '../src/db/client.ts'
import { members, orders, sends } from '../src/db/schema.ts'
import { tablesInDependencyOrder } from '../testing/copy-database.ts'
import { describeEachDialect } from '../testing/dialects.ts'
import { generateDemoData, generateDemoDataStream } from './generator.ts'
import { seedDatabase, seedThroughPort } from './seed.ts'

describeEachDialect('seedThroughPort', ({ fresh }) => {
  it('writes the same rows as the SQLite seeding, ids included, and new rows get fresh ids', async () => {
    const { database } = await fresh()
    const dataset = generateDemoData({ seed: 6, members: 60 })
    const phases: string[] = []
    const counts = await seedThroughPort(database, dataset, { onProgress: p => void phases.push(p.phase) })
    expect(phases.at(-1)).toBe('done')
    const dir = mkdtempSync(join(tmpdir(), 'scrm-seed-port-'))
    const reference = openDatabase(join(dir, 'ref.db'))
    try {
      expect(counts).toEqual(seedDatabase(reference.db, dataset))
      for (const table of tablesInDependencyOrder()) {
        const [a] = await reference.port.db.select({ n: count() }).from(table)
        const [b] = await database.db.select({ n: count() }).from(table)
        expect(b).toEqual(a)
      }
      expect(await database.db.select().from(orders).orderBy(asc(orders.id)).limit(5)).toEqual(await reference.port.db.select().from(orders).orderBy(asc(orders.id)).limit(5))
      expect(await database.db.select().from(sends).orderBy(asc(sends.id)).limit(5)).toEqual(await reference.port.db.select().from(sends).orderBy(asc(sends.id)).limit(5))
    }
    finally {
      reference.close()
      rmSync(dir, { recursive: true, force: true })
    }
    const [added] = await database.db.insert(members).values({ name: '新会员' }).returning({ id: members.id })
    expect(added!.id).toBe(61)
    await expect(seedThroughPort(database, dataset)).rejects.toThrow(/already has data/)
  })

  it('seeds a stream chunk by chunk', async () => {
    const { database } = await fresh()
    const counts = await seedThroughPort(database, generateDemoDataStream({ seed: 7, members: 40 }), { totalMembers: 40 })
    expect(counts.members).toBe(40)
    const [n] = await database.db.select({ n: count() }).from(members)
    expect(n!.n).toBe(40)
  })
})
