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
 * How a limiter counts, chosen per limiter (`app.createRateLimit({ …, counting })`, plugins/security.ts):
 * `shared` in the database, so every instance counts against one limit; `process` in this process only,
 * for a limit whose database write would cost more than the request it guards (with N instances a client
 * gets at most N times the limit). @fastify/rate-limit hands a limiter's options to the store's `child()`.
 */
export type RateLimitCounting = 'shared' | 'process'

declare module '@fastify/rate-limit' {
  interface CreateRateLimitOptions {
    /** Where this limiter's counters live (default `shared`); read by `databaseRateLimitStore`. */
    counting?: RateLimitCounting
  }
}

/** Counters in this process's memory, with the database store's window semantics. */
function processCounters(now: () => number) {
  const counters = new Map<string, { count: number, resetAt: number }>()
  return (key: string, windowMs: number) => {
    const at = now()
    let entry = counters.get(key)
    if (!entry || entry.resetAt <= at) {
      if (counters.size > 100_000) {
        for (const [k, e] of counters) {
          if (e.resetAt <= at)
            counters.delete(k)
        }
      }
      entry = { count: 0, resetAt: at + windowMs }
      counters.set(key, entry)
    }
    entry.count++
    return { current: entry.count, ttl: Math.max(0, entry.resetAt - at) }
  }
}

/**
 * An @fastify/rate-limit store class: counters in the database, or in the process for limiters created
 * with `counting: 'process'`. Keys are already namespaced by the limiter (plugins/security.ts), so every
 * limiter shares the one table.
 */
export function databaseRateLimitStore(database: Database, now: () => number = Date.now): FastifyRateLimitStoreCtor {
  const hitProcess = processCounters(now)
  const processStore: FastifyRateLimitStore = {
    incr(key, callback, timeWindow) {
      callback(null, hitProcess(key, timeWindow))
    },
    child: () => processStore,
  }
  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number) {
      const at = now()
      hitRateLimit(database, key, timeWindow, at).then(
        ({ count, resetAt }) => callback(null, { current: count, ttl: Math.max(0, resetAt - at) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      )
    }

    child(options: Parameters<FastifyRateLimitStore['child']>[0] & { counting?: RateLimitCounting }): FastifyRateLimitStore {
      return options.counting === 'process' ? processStore : this
    }
  }
  return DatabaseRateLimitStore
}
