import type { Role } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { sessions, staff } from '../db/schema.ts'

/** A live session joined with the staff row as it is now: role, store and status are never cached. */
export interface ActiveSession {
  userid: string
  role: Role
  storeId: string | null
  /** WeCom member status; only 1 (active) may use the app. */
  staffStatus: number
  /** Epoch ms. */
  expiresAt: number
}

/** Session persistence behind a narrow interface (the session plugin needs nothing else). */
export interface SessionRepository {
  create: (session: { tokenHash: string, userid: string, createdAt: number, expiresAt: number }) => Promise<void>
  /** The unrevoked, unexpired session with this token hash, or null. */
  findActive: (tokenHash: string, now: number) => Promise<ActiveSession | null>
  revoke: (tokenHash: string, now: number) => Promise<void>
}

// Runs on every API request: one primary-key lookup joined to staff by its primary key.
const activeSession = preparedPerHandle(db => db.select({ userid: staff.userid, role: staff.role, storeId: staff.storeId, staffStatus: staff.status, expiresAt: sessions.expiresAt })
  .from(sessions)
  .innerJoin(staff, eq(staff.userid, sessions.userid))
  .where(and(eq(sessions.tokenHash, sql.placeholder('tokenHash')), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql.placeholder('now'))))
  .prepare())

export function createSessionRepository(db: AsyncDbOrTx): SessionRepository {
  return {
    async create(session) {
      await db.insert(sessions).values(session).run()
    },
    async findActive(tokenHash, now) {
      return (await activeSession(db).get({ tokenHash, now })) ?? null
    },
    async revoke(tokenHash, now) {
      await db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt))).run()
    },
  }
}
