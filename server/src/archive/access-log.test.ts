// The access log is append-only in the database itself (migrations 0015 / postgres 0011): UPDATE and DELETE
// are refused by triggers on both dialects (and TRUNCATE on PostgreSQL), while INSERT, as logAccess does it, works.
import type { Session } from '../plugins/session.ts'
import { eq, sql } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { archiveAccessLog } from '../db/schema.ts'
import { logAccess } from './service.ts'

const admin: Session = { userid: 'admin1', role: 'admin', storeId: null, exp: 0 }
const context = { ip: '10.0.0.1', userAgent: 'vitest' }
/** Drizzle wraps the database's error ("Failed query: …"); the trigger's message is its cause. */
const refusedWith = (text: string) => ({ cause: { message: expect.stringContaining(`archive_access_log is append-only: ${text} refused`) } })

describeEachDialect('archive access log is append-only', ({ dialect, fresh }) => {
  it('inserts rows, and refuses to update or delete them', async () => {
    const { database } = await fresh()
    const { db } = database
    await logAccess(db, admin, context, 'search', 'q=退款', 1000)
    await logAccess(db, admin, context, 'view_transcript', 'conversation:1', 2000)
    const rows = await db.select().from(archiveAccessLog).orderBy(archiveAccessLog.id)
    expect(rows.map(r => [r.action, r.target, r.at])).toEqual([['search', 'q=退款', 1000], ['view_transcript', 'conversation:1', 2000]])

    await expect(db.update(archiveAccessLog).set({ target: 'nothing to see' }).where(eq(archiveAccessLog.id, rows[0]!.id)).run()).rejects.toMatchObject(refusedWith('UPDATE'))
    await expect(db.delete(archiveAccessLog).where(eq(archiveAccessLog.id, rows[0]!.id)).run()).rejects.toMatchObject(refusedWith('DELETE'))
    // A DELETE without WHERE too (SQLite's truncate shortcut is off when a table has triggers).
    await expect(db.delete(archiveAccessLog).run()).rejects.toMatchObject(refusedWith('DELETE'))
    if (dialect === 'postgres')
      await expect(db.run(sql`truncate ${archiveAccessLog}`)).rejects.toMatchObject(refusedWith('TRUNCATE'))

    expect(await db.select().from(archiveAccessLog).orderBy(archiveAccessLog.id)).toEqual(rows)
    // Refusals leave the table writable: the next look is logged as usual.
    await logAccess(db, admin, context, 'export_search', 'q=投诉', 3000)
    expect((await db.select().from(archiveAccessLog)).length).toBe(3)
  })

  it('refuses an update inside a transaction, rolling back the rest of that transaction', async () => {
    const { database } = await fresh()
    await logAccess(database.db, admin, context, 'search', 'q=微信', 1000)
    await expect(database.db.transaction(async (tx) => {
      await logAccess(tx, admin, context, 'search', 'q=红包', 2000)
      await tx.update(archiveAccessLog).set({ userid: 'someone_else' }).run()
    })).rejects.toMatchObject(refusedWith('UPDATE'))
    expect((await database.db.select({ target: archiveAccessLog.target, userid: archiveAccessLog.userid }).from(archiveAccessLog))).toEqual([{ target: 'q=微信', userid: 'admin1' }])
  })
})
