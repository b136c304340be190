import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { count } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { generateDemoData } from '../demo/generator.ts'
import { seedDatabase } from '../demo/seed.ts'
import { openDatabase } from '../src/db/client.ts'
import { members, orders, sends } from '../src/db/schema.ts'
import { copyDatabase } from './copy-database.ts'
import { describeEachDialect } from './dialects.ts'

describeEachDialect('copyDatabase', ({ fresh }) => {
  it('copies the seeded demo data with ids intact, and new rows get fresh ids', async () => {
    const target = await fresh()
    // Demo seeding is sync SQLite code: seed a SQLite file, then copy it through the port.
    const dir = mkdtempSync(join(tmpdir(), 'scrm-copy-'))
    const seeded = openDatabase(join(dir, 'seed.db'))
    try {
      seedDatabase(seeded.db, generateDemoData({ seed: 2, members: 30 }))
      const copied = await copyDatabase(seeded.port, target.database)
      expect(copied.members).toBe(30)
      for (const table of [members, orders, sends]) {
        const [a] = await seeded.port.db.select({ n: count() }).from(table)
        const [b] = await target.database.db.select({ n: count() }).from(table)
        expect(b).toEqual(a)
      }
      expect(await target.database.db.select().from(orders).orderBy(orders.id).limit(3)).toEqual(await seeded.port.db.select().from(orders).orderBy(orders.id).limit(3))
      const [added] = await target.database.db.insert(members).values({ name: '新会员' }).returning({ id: members.id })
      expect(added!.id).toBe(31)
    }
    finally {
      seeded.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
