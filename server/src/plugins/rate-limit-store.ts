// Rate-limit counters in the database (`rate_limits`), so every instance behind the load balancer counts
// against the same limit (issue 12 finding 6). One atomic upsert per hit: a row whose window has ended
// restarts at 1, otherwise it counts up; the window's end comes back with the count, so Retry-After is
// the same on every instance. Expired rows are deleted by the `purge-sessions` job (jobs/maintenance.ts).
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import { lte, sql } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { rateLimits } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'

type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void

/** Counts one hit on `key` in a window of `windowMs`; returns the count so far and the window's end. */
export async function hitRateLimit(database: Database, key: string, windowMs: number, now: number): Promise<{ count: number, resetAt: number }> {
  // Typed parameters: untyped ones alone in a CASE branch would be text on PostgreSQL.
  const at = sql`cast(${now} as bigint)`
  const expired = sql`${qualified(rateLimits.resetAt)} <= ${at}`
  const [row] = await database.db.insert(rateLimits).values({ key, count: 1, resetAt: now + windowMs }).onConflictDoUpdate({
    target: rateLimits.key,
    set: {
      count: sql`case when ${expired} then 1 else ${qualified(rateLimits.count)} + 1 end`,
      resetAt: sql`case when ${expired} then cast(${now + windowMs} as bigint) else ${qualified(rateLimits.resetAt)} end`,
    },
  }).returning({ count: rateLimits.count, resetAt: rateLimits.resetAt })
  return row!
}

/** Deletes counters whose window ended before `now` (a later hit would restart them at 1 anyway). */
export async function purgeRateLimits(db: AsyncDbOrTx, now: number): Promise<number> {
  return changes(await db.delete(rateLimits).where(lte(rateLimits.resetAt, now)).run())
}

/**
 * Key prefixes counted in this process only: the per-session limit on every API read (`api:s:…`). It
 * guards against a runaway client, not an attacker (the session was signed by us), and a database write
 * on every sidebar request would cost more than the request itself; with N instances a client gets at
 * most N times the limit. Logins, callbacks, sends and requests without a valid session stay shared.
 */
const LOCAL_PREFIXES = ['api:s:']

/**
 * An @fastify/rate-limit store class over the database. Keys are already namespaced by the limiter
 * (plugins/security.ts), so route children share the one table.
 */
export function databaseRateLimitStore(database: Database, now: () => number = Date.now): FastifyRateLimitStoreCtor {
  const local = new Map<string, { count: number, resetAt: number }>()
  const hitLocal = (key: string, windowMs: number, at: number) => {
    let entry = local.get(key)
    if (!entry || entry.resetAt <= at) {
      if (local.size > 100_000) {
        for (const [k, e] of local) {
          if (e.resetAt <= at)
            local.delete(k)
        }
      }
      entry = { count: 0, resetAt: at + windowMs }
      local.set(key, entry)
    }
    entry.count++
    return entry
  }
  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number) {
      const at = now()
      if (LOCAL_PREFIXES.some(prefix => key.startsWith(prefix))) {
        const { count, resetAt } = hitLocal(key, timeWindow, at)
        callback(null, { current: count, ttl: Math.max(0, resetAt - at) })
        return
      }
      hitRateLimit(database, key, timeWindow, at).then(
        ({ count, resetAt }) => callback(null, { current: count, ttl: Math.max(0, resetAt - at) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      )
    }

    child() {
      return this
    }
  }
  return DatabaseRateLimitStore
}
