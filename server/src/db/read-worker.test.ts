import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from './client.ts'
import { stores } from './schema.ts'

describe('heavy reads on a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrm-read-worker-'))
  const opened = openDatabase(join(dir, 'app.db'))
  const { db, heavyReads } = opened.port
  beforeAll(async () => {
    await db.insert(stores).values([{ id: 'S01', name: '静安店', city: '上海', wecomDepartmentId: 11 }, { id: 'S02', name: '徐汇店', city: '上海', wecomDepartmentId: 12 }])
  })
  afterAll(async () => {
    await opened.port.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // A counting read long enough to be a real statement, not a cached answer.
  const longRead = sql<number>`(with recursive n(x) as (select 1 union all select x + 1 from n where x < 200000) select count(*) from n)`

  it('answer as the API connection does, including what it committed just before', async () => {
    const read = (handle: typeof db) => handle.select({ id: stores.id, name: stores.name }).from(stores).orderBy(stores.id).all()
    expect(await read(heavyReads)).toEqual(await read(db))
    await db.update(stores).set({ name: '静安嘉里店' }).where(eq(stores.id, 'S01'))
    expect((await heavyReads.select({ name: stores.name }).from(stores).where(eq(stores.id, 'S01')).get())?.name).toBe('静安嘉里店')
    expect((await heavyReads.select({ n: longRead }).from(stores).limit(1).get())?.n).toBe(200000)
  })

  it('run off the API thread: its event loop turns while one runs, and not while the API connection runs it', async () => {
    const turnedDuring = async (handle: typeof db) => {
      let turned = false
      setImmediate(() => (turned = true))
      await handle.select({ n: longRead }).from(stores).limit(1).get()
      const answer = turned
      await new Promise(resolve => setImmediate(resolve))
      return answer
    }
    expect(await turnedDuring(heavyReads)).toBe(true)
    expect(await turnedDuring(db)).toBe(false)
  })

  it('refuse writes and transactions, naming why, and leave the data as it was', async () => {
    await expect(heavyReads.update(stores).set({ name: 'x' }).where(eq(stores.id, 'S02'))).rejects.toThrow()
    await expect(heavyReads.transaction(async () => {})).rejects.toThrow(/heavyReads is for reads/)
    expect((await db.select({ name: stores.name }).from(stores).where(eq(stores.id, 'S02')).get())?.name).toBe('徐汇店')
  })

  it('report a broken statement as an error and keep serving', async () => {
    await expect(heavyReads.select({ n: sql<number>`no_such_function(1)` }).from(stores).get()).rejects.toThrow(/no_such_function/)
    expect(await heavyReads.select({ id: stores.id }).from(stores).orderBy(stores.id).all()).toEqual([{ id: 'S01' }, { id: 'S02' }])
  })
})
