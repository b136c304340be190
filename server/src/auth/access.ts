import type { SQL } from 'drizzle-orm'
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { follows, members, staff } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { notFound } from '../plugins/errors.ts'

/**
 * Who may see which member, in one place: a guide the members they actively follow,
 * a supervisor the members followed by any guide of their store, an admin everyone.
 * Returns a condition on `memberIdColumn` to put in a WHERE clause.
 */
export function memberScope(session: Session, memberIdColumn: AnySQLiteColumn): SQL | undefined {
  const memberId = qualified(memberIdColumn)
  if (session.role === 'admin')
    return undefined
  if (session.role === 'guide') {
    return sql`exists (select 1 from ${follows} where ${qualified(follows.memberId)} = ${memberId} and ${qualified(follows.guideUserid)} = ${session.userid} and ${qualified(follows.status)} = 'active')`
  }
  return sql`exists (select 1 from ${follows} join ${staff} on ${qualified(staff.userid)} = ${qualified(follows.guideUserid)} where ${qualified(follows.memberId)} = ${memberId} and ${qualified(staff.storeId)} = ${session.storeId ?? ''} and ${qualified(follows.status)} = 'active')`
}

/** The subset of `memberIds` the session may see. */
export async function accessibleMemberIds(db: AsyncDbOrTx, session: Session, memberIds: number[]): Promise<Set<number>> {
  if (memberIds.length === 0)
    return new Set()
  // An admin may see every member that exists; a made-up id is "not found", not a foreign-key failure later.
  const rows = session.role === 'admin'
    ? await db.select({ id: members.id }).from(members).where(inArray(members.id, memberIds)).all()
    : session.role === 'guide'
      ? await db.select({ id: follows.memberId }).from(follows).where(and(eq(follows.guideUserid, session.userid), eq(follows.status, 'active'), inArray(follows.memberId, memberIds))).all()
      : await db.select({ id: follows.memberId }).from(follows).innerJoin(staff, eq(staff.userid, follows.guideUserid)).where(and(eq(staff.storeId, session.storeId ?? ''), eq(follows.status, 'active'), inArray(follows.memberId, memberIds))).all()
  return new Set(rows.map(r => r.id))
}

// One member at a time (the member context, her orders) is the sidebar's hot path: prepared statements.
const memberExists = preparedPerHandle(db => db.select({ id: members.id }).from(members).where(eq(members.id, sql.placeholder('memberId'))).prepare())
const followedByGuide = preparedPerHandle(db => db.select({ id: follows.memberId }).from(follows).where(and(eq(follows.guideUserid, sql.placeholder('userid')), eq(follows.status, 'active'), eq(follows.memberId, sql.placeholder('memberId')))).limit(1).prepare())
const followedInStore = preparedPerHandle(db => db.select({ id: follows.memberId }).from(follows).innerJoin(staff, eq(staff.userid, follows.guideUserid)).where(and(eq(staff.storeId, sql.placeholder('storeId')), eq(follows.status, 'active'), eq(follows.memberId, sql.placeholder('memberId')))).limit(1).prepare())

/** Whether the session may see this one member: the same rule as `accessibleMemberIds`. */
export async function canSeeMember(db: AsyncDbOrTx, session: Session, memberId: number): Promise<boolean> {
  const row = session.role === 'admin'
    ? await memberExists(db).get({ memberId })
    : session.role === 'guide'
      ? await followedByGuide(db).get({ userid: session.userid, memberId })
      : await followedInStore(db).get({ storeId: session.storeId ?? '', memberId })
  return row !== undefined
}

/** Throws 404 (never 403) so a caller cannot tell "exists but not yours" from "does not exist". */
export async function requireMemberAccess(db: AsyncDbOrTx, session: Session, memberId: number): Promise<void> {
  if (!(await canSeeMember(db, session, memberId)))
    throw notFound('member not found among the customers you serve')
}
