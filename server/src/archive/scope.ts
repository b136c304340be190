// Who sees which part of the archive: an admin all of it, a supervisor their store's conversations,
// a guide none (the archive is for audit; guides are refused with 403 before any query).
import type { SQL } from 'drizzle-orm'
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { Session } from '../plugins/session.ts'
import { eq, sql } from 'drizzle-orm'
import { forbidden } from '../plugins/errors.ts'

export function requireArchiveReader(session: Session): void {
  if (session.role === 'guide')
    throw forbidden('the conversation archive is for supervisors and admins')
}

/** A WHERE condition limiting rows by their store column to what `session` may see. */
export function archiveScope(session: Session, storeIdColumn: AnySQLiteColumn): SQL | undefined {
  if (session.role === 'admin')
    return undefined
  if (session.role === 'supervisor' && session.storeId)
    return eq(storeIdColumn, session.storeId)
  return sql`1 = 0`
}
