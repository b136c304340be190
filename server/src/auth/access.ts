import type { Role } from '@scrm/shared'
import type { Placeholder, SQL } from 'drizzle-orm'
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { roleList } from '@scrm/shared'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { follows, members, staff } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { forbidden, notFound } from '../plugins/errors.ts'

/** The caller's ids in a scope condition: values, or placeholders in a prepared statement. */
interface ScopeIds { userid: string | Placeholder, storeId: string | Placeholder }

/**
 * Who may see which member, in one place: a guide the members they actively follow,
 * a supervisor the members followed by any guide of their store, an admin everyone.
 * The follows that grant it, as `from … where …` to select from (undefined for an admin: no restriction).
 */
function grantingFollows(role: Role, ids: ScopeIds): SQL | undefined {
  if (role === 'admin')
    return undefined
  if (role === 'guide')
    return sql`from ${follows} where ${qualified(follows.guideUserid)} = ${ids.userid} and ${qualified(follows.status)} = 'active'`
  return sql`from ${follows} join ${staff} on ${qualified(staff.userid)} = ${qualified(follows.guideUserid)} where ${qualified(staff.storeId)} = ${ids.storeId} and ${qualified(follows.status)} = 'active'`
}

/** A condition on `memberIdColumn` tested row by row: one index probe per row. */
function scopeCondition(role: Role, memberIdColumn: AnySQLiteColumn, ids: ScopeIds): SQL | undefined {
  const granting = grantingFollows(role, ids)
  return granting && sql`exists (select 1 ${granting} and ${qualified(follows.memberId)} = ${qualified(memberIdColumn)})`
}

/** The members `session` may see, as a condition on `memberIdColumn` tested row by row (rows of another table). */
export function memberScope(session: Session, memberIdColumn: AnySQLiteColumn): SQL | undefined {
  return scopeCondition(session.role, memberIdColumn, scopeParams(session))
}

/**
 * `memberScope` for a query over the members themselves (lists, segments): the same rule, written `id in (the
 * caller's members)`. SQLite then starts from the caller's follows and looks each member up, instead of testing
 * every member of the brand against them: a guide's today list (3,300 of 100k members) 116 → 25 ms, and the gap
 * grows with the brand. Not for one member (a point lookup would read her whole list first) nor for a query
 * driven by another table (a feed of notes ordered by time).
 */
export function memberListScope(session: Session, memberIdColumn: AnySQLiteColumn): SQL | undefined {
  const granting = grantingFollows(session.role, scopeParams(session))
  return granting && sql`${qualified(memberIdColumn)} in (select ${qualified(follows.memberId)} ${granting})`
}

/**
 * `memberScope` for prepared statements: the caller's ids are the placeholders `:userid` and `:storeId`
 * (fill them with `scopeParams(session)`), so one statement per role serves every session.
 */
export function preparedMemberScope(role: Role, memberIdColumn: AnySQLiteColumn): SQL | undefined {
  return scopeCondition(role, memberIdColumn, { userid: sql.placeholder('userid'), storeId: sql.placeholder('storeId') })
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

/** The values of `preparedMemberScope`'s placeholders. */
export function scopeParams(session: Session): { userid: string, storeId: string } {
  return { userid: session.userid, storeId: session.storeId ?? '' }
}

/** One prepared statement per role, built by `build(role)` once per database handle. */
export function preparedPerRole<T>(build: (db: AsyncDbOrTx, role: Role) => T): (db: AsyncDbOrTx, role: Role) => T {
  const byRole = new Map(roleList.map(role => [role, preparedPerHandle(db => build(db, role))]))
  return (db, role) => byRole.get(role)!(db)
}

// One member at a time (the member context, her orders) is the sidebar's hot path: prepared statements.
const visibleMemberId = preparedPerRole((db, role) => db.select({ id: members.id }).from(members).where(and(eq(members.id, sql.placeholder('memberId')), preparedMemberScope(role, members.id))).prepare())

/** Whether the session may see this one member: the same rule as `accessibleMemberIds`. */
export async function canSeeMember(db: AsyncDbOrTx, session: Session, memberId: number): Promise<boolean> {
  return (await visibleMemberId(db, session.role).get({ memberId, ...scopeParams(session) })) !== undefined
}

/** Throws 404 (never 403) so a caller cannot tell "exists but not yours" from "does not exist". */
export async function requireMemberAccess(db: AsyncDbOrTx, session: Session, memberId: number): Promise<void> {
  if (!(await canSeeMember(db, session, memberId)))
    throw notFound('member not found among the customers you serve', { reason: 'member_not_yours' })
}

/** Refuses (403) anyone but an admin, with `refusal` as the message the caller reads. */
export function requireAdmin(session: Session, refusal: string): void {
  if (session.role !== 'admin')
    throw forbidden(refusal)
}
