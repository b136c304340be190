// The database port: one async drizzle query builder (the SQLite dialect of schema.ts, driven through
// drizzle's sqlite-proxy) executed either by better-sqlite3 or by a node-postgres Pool. Repositories are
// written once against `Database['db']`; see README.md in this folder for why and for the recipe.
import type { SQLChunk } from 'drizzle-orm'
import type { SQLiteInsertConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { AsyncBatchRemoteCallback, AsyncRemoteCallback, SqliteRemoteDatabase, SqliteRemoteResult } from 'drizzle-orm/sqlite-proxy'
import type { Pool, PoolClient } from 'pg'
import type { ReadWorker } from './read-worker.ts'
import type { ExecuteMethod } from './sqlite-executor.ts'
import { AsyncLocalStorage } from 'node:async_hooks'
import { Column, createTableRelationsHelpers, extractTablesRelationalConfig, getTableColumns, is, Param, SQL, sql } from 'drizzle-orm'
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core'
import { SqliteRemoteDatabase as RemoteDatabase, SQLiteRemoteSession } from 'drizzle-orm/sqlite-proxy'
import * as schema from './schema.ts'
import { sqliteExecutor } from './sqlite-executor.ts'

export type Dialect = 'sqlite' | 'postgres'
export type AsyncDb = SqliteRemoteDatabase<typeof schema>
/** What `db.transaction(async tx => …)` hands to its callback; repositories accept either. */
export type AsyncTx = Parameters<Parameters<AsyncDb['transaction']>[0]>[0]
export type AsyncDbOrTx = AsyncDb | AsyncTx

/** The SQL that differs between SQLite and PostgreSQL; repositories use these instead of dialect functions. */
export interface DialectSql {
  /** Largest of the arguments (SQLite scalar `max(a, b)`, PostgreSQL `greatest`). */
  greatest: (...values: (SQL | number)[]) => SQL<number>
  /** Smallest of the arguments (SQLite scalar `min(a, b)`, PostgreSQL `least`). */
  least: (...values: (SQL | number)[]) => SQL<number>
  /** The database clock in epoch ms as an integer. Prefer the app clock (`now()`) passed as a value. */
  nowMs: () => SQL<number>
  /** Case-insensitive LIKE (SQLite LIKE already ignores ASCII case; PostgreSQL needs ILIKE). */
  ilike: (value: SQL.Aliased | SQL | SQLWrapperLike, pattern: string) => SQL<boolean>
  /** Concatenates a group's values with a separator (`group_concat` / `string_agg`). */
  groupConcat: (value: SQL | SQLWrapperLike, separator: string) => SQL<string | null>
  /** Appended to a claim subquery: `for update skip locked` on PostgreSQL, nothing on SQLite (one writer). */
  skipLocked: () => SQL
}

interface SQLWrapperLike { getSQL: () => SQL }

export interface Database {
  dialect: Dialect
  /** Async drizzle over the schema in schema.ts. `db.transaction(async tx => …)` is the only way to a transaction. */
  db: AsyncDb
  /**
   * For reads that may take seconds (a segment counted over every member), never for writes or transactions.
   * On a SQLite file they run on a worker thread's own read-only connection (read-worker.ts), so the API
   * thread keeps answering meanwhile; on PostgreSQL (a pool, already off the thread) and in-memory SQLite this
   * is `db`.
   */
  heavyReads: AsyncDb
  sql: DialectSql
  /** Applied migration count, for /api/health. */
  migrationCount: () => Promise<number>
  close: () => Promise<void>
}

/** Rows changed by an `update`/`delete`/`insert` run without `returning()`. */
export function changes(result: SqliteRemoteResult): number {
  return (result as SqliteRemoteResult & { rowsAffected?: number }).rowsAffected ?? 0
}

/** A limit that means "no limit" on both dialects (SQLite needs LIMIT before OFFSET, PostgreSQL rejects -1). */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER

type Executor = (query: string, params: unknown[], method: ExecuteMethod) => Promise<{ rows: unknown } & { rowsAffected?: number }>

const relational = (() => {
  const config = extractTablesRelationalConfig(schema, createTableRelationsHelpers)
  return { fullSchema: schema, schema: config.tables, tableNamesMap: config.tableNamesMap }
})()

/**
 * The SQLite dialect's query text, adjusted for PostgreSQL: `$n` placeholders, and `default` for columns an
 * insert leaves out (SQLite's renderer inlines SQL defaults such as `unixepoch(…)` and `null` for the
 * autoincrement id; the PostgreSQL DDL generated from the same schema carries the equivalent defaults).
 */
class PostgresTextDialect extends SQLiteAsyncDialect {
  override escapeParam(num: number): string {
    return `$${num + 1}`
  }

  override buildInsertQuery(config: SQLiteInsertConfig): SQL {
    if (!Array.isArray(config.values))
      return super.buildInsertQuery(config)
    const columns = getTableColumns(config.table as SQLiteTable)
    const values = config.values.map((row) => {
      const filled: Record<string, Param | SQL> = { ...row }
      for (const [key, column] of Object.entries(columns)) {
        const value = row[key]
        const missing = value === undefined || (is(value, Param) && value.value === undefined)
        if (missing && column.defaultFn === undefined && column.onUpdateFn === undefined)
          filled[key] = sql`default`
      }
      return filled
    })
    return super.buildInsertQuery({ ...config, values, onConflict: config.onConflict?.map(unqualifyConflictTarget) })
  }
}

/**
 * SQLite accepts `on conflict ("t"."col")`; PostgreSQL wants bare column names in the conflict target,
 * the only place the insert builder puts columns in a list.
 */
function unqualifyConflictTarget(chunk: SQL): SQL {
  const visit = (part: unknown): unknown => {
    if (Array.isArray(part))
      return part.map(item => is(item, Column) ? sql.identifier(item.name) : visit(item))
    if (is(part, SQL))
      return new SQL(part.queryChunks.map(visit) as SQLChunk[])
    return part
  }
  return visit(chunk) as SQL
}

function remoteDatabase(dialect: SQLiteAsyncDialect, execute: Executor): AsyncDb {
  const batch: AsyncBatchRemoteCallback = async queries => Promise.all(queries.map(q => execute(q.sql, q.params, q.method) as Promise<{ rows: unknown[] }>))
  const session = new SQLiteRemoteSession(execute as AsyncRemoteCallback, dialect, relational, batch)
  return new RemoteDatabase('async', dialect, session, relational) as AsyncDb
}

/** The connection lock whose transaction the current async context runs in (SQLite). */
const inTransaction = new AsyncLocalStorage<object>()

function outsideTransaction(lock: object) {
  if (inTransaction.getStore() === lock) {
    // On the single SQLite connection this would wait for the lock its own transaction holds.
    throw new Error('query on the root db inside db.transaction(): use the tx handed to the callback')
  }
}

/** One-at-a-time lock for the single SQLite connection: a transaction holds it across its awaits. */
class Mutex {
  private tail: Promise<void> = Promise.resolve()
  private held = false

  get locked() {
    return this.held
  }

  async acquire(): Promise<() => void> {
    let release!: () => void
    const next = new Promise<void>(resolve => (release = resolve))
    const previous = this.tail
    this.tail = previous.then(() => next)
    await previous
    this.held = true
    return () => {
      this.held = false
      release()
    }
  }
}

// --- SQLite -------------------------------------------------------------------------------------

type BetterSqlite = import('better-sqlite3').Database

export function sqliteDialectSql(): DialectSql {
  return {
    greatest: (...values) => sql<number>`max(${sql.join(values.map(v => sql`${v}`), sql`, `)})`,
    least: (...values) => sql<number>`min(${sql.join(values.map(v => sql`${v}`), sql`, `)})`,
    nowMs: () => sql<number>`cast(unixepoch('subsec') * 1000 as integer)`,
    ilike: (value, pattern) => sql<boolean>`${value} like ${pattern}`,
    groupConcat: (value, separator) => sql<string | null>`group_concat(${value}, ${separator})`,
    skipLocked: () => sql``,
  }
}

/**
 * The port over one better-sqlite3 connection (the caller opened it and applied migrations). Statements
 * outside a transaction wait while one is open, so another request's awaits never land inside it.
 */
export function createSqliteDatabase(connection: BetterSqlite, options: { close?: () => void, readWorker?: ReadWorker } = {}): Database {
  const execute = sqliteExecutor(connection)
  const mutex = new Mutex()
  const dialect = new SQLiteAsyncDialect()
  const root = remoteDatabase(dialect, async (text, params, method) => {
    outsideTransaction(mutex)
    if (!mutex.locked)
      return execute(text, params, method)
    const release = await mutex.acquire()
    try {
      return execute(text, params, method)
    }
    finally {
      release()
    }
  })
  const bound = remoteDatabase(dialect, async (text, params, method) => execute(text, params, method))

  const transaction: AsyncDb['transaction'] = async (callback, config) => {
    outsideTransaction(mutex)
    const release = await mutex.acquire()
    try {
      // IMMEDIATE takes the write lock up front: no upgrade deadlock with another process's reader.
      return await inTransaction.run(mutex, () => bound.transaction(callback, { behavior: 'immediate', ...config }))
    }
    finally {
      release()
    }
  }
  root.transaction = transaction
  const { readWorker } = options
  let heavyReads = root
  if (readWorker) {
    heavyReads = remoteDatabase(dialect, async (text, params, method) => readWorker.call({ text, params, method }))
    heavyReads.transaction = async () => {
      throw new Error('heavyReads is for reads: open transactions on db')
    }
  }

  return {
    dialect: 'sqlite',
    db: root,
    heavyReads,
    sql: sqliteDialectSql(),
    migrationCount: async () => {
      const row = connection.prepare(`select count(*) as n from sqlite_master where name = '__drizzle_migrations'`).get() as { n: number }
      if (row.n === 0)
        return 0
      return (connection.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n
    },
    close: async () => {
      await readWorker?.close()
      ;(options.close ?? (() => connection.close()))()
    },
  }
}

// --- PostgreSQL ---------------------------------------------------------------------------------

export function postgresDialectSql(): DialectSql {
  return {
    greatest: (...values) => sql<number>`greatest(${sql.join(values.map(v => sql`${v}`), sql`, `)})`,
    least: (...values) => sql<number>`least(${sql.join(values.map(v => sql`${v}`), sql`, `)})`,
    nowMs: () => sql<number>`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`,
    ilike: (value, pattern) => sql<boolean>`${value} ilike ${pattern}`,
    groupConcat: (value, separator) => sql<string | null>`string_agg(cast(${value} as text), ${separator})`,
    skipLocked: () => sql` for update skip locked`,
  }
}

/** Statement texts run as named (server-side prepared) statements at most, per pool and so per connection. */
export const MAX_NAMED_STATEMENTS = 300
/** A text is named from its this-many-th run on: one-off texts (bulk inserts, long id lists) stay unnamed. */
const NAME_FROM_RUN = 2

/**
 * Names for the statement texts this process runs often. An unnamed statement is parsed and planned on every
 * run; for the member context's reads PostgreSQL spent longer in parse and bind (planning) than in execute:
 * 100k-member bench, 2,811 contexts, parse 1.2 s + bind 3.9 s against execute 3.1 s. node-postgres prepares a
 * named statement once per connection and PostgreSQL then reuses its plan. Bounded, because a connection keeps
 * every statement it prepared: texts that vary with their input (an `in (…)` list) would otherwise grow without end.
 */
export function statementNamer(limit = MAX_NAMED_STATEMENTS): (text: string) => string | undefined {
  const runs = new Map<string, number>()
  const names = new Map<string, string>()
  return (text) => {
    const name = names.get(text)
    if (name !== undefined || names.size >= limit || !/^(?:select|insert|update|delete|with)\b/i.test(text))
      return name
    const seen = (runs.get(text) ?? 0) + 1
    if (seen < NAME_FROM_RUN) {
      // Counting stops at the limit's worth of texts too: one-off texts must not grow this map either.
      if (runs.size < limit * 4)
        runs.set(text, seen)
      return undefined
    }
    runs.delete(text)
    const named = `scrm_${names.size + 1}`
    names.set(text, named)
    return named
  }
}

/** One namer per pool: two ports over one pool must not give one name to two texts on a shared connection. */
const namerOfPool = new WeakMap<Pool, (text: string) => string | undefined>()

/** The port over a node-postgres Pool (see client.ts for its type parsers); each transaction holds one client. */
export function createPostgresDatabase(pool: Pool): Database {
  let nameOf = namerOfPool.get(pool)
  if (!nameOf) {
    nameOf = statementNamer()
    namerOfPool.set(pool, nameOf)
  }
  const executeOn = (client: Pool | PoolClient): Executor => async (text, params, method) => {
    // SQLite's `begin immediate` has no PostgreSQL meaning: every PostgreSQL write takes row locks anyway.
    const query = /^begin\b/i.test(text) ? 'begin' : text
    const name = nameOf(query)
    if (method === 'run') {
      const result = await client.query({ name, text: query, values: params })
      return { rows: [], rowsAffected: result.rowCount ?? 0 }
    }
    const result = await client.query({ name, text: query, values: params, rowMode: 'array' })
    return { rows: method === 'get' ? result.rows[0] : result.rows }
  }
  const dialect = new PostgresTextDialect()
  const root = remoteDatabase(dialect, executeOn(pool))
  const transaction: AsyncDb['transaction'] = async (callback, config) => {
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      const bound = remoteDatabase(dialect, executeOn(client))
      return await bound.transaction(callback, config)
    }
    catch (error) {
      // A failed rollback leaves the connection unusable; the pool must discard it.
      if (error instanceof Error && /connection|terminat/i.test(error.message))
        broken = error
      throw error
    }
    finally {
      client.release(broken)
    }
  }
  root.transaction = transaction
  return {
    dialect: 'postgres',
    db: root,
    heavyReads: root,
    sql: postgresDialectSql(),
    migrationCount: async () => {
      const result = await pool.query<{ n: number }>(`select count(*)::int as n from drizzle.__drizzle_migrations`)
      return result.rows[0]?.n ?? 0
    },
    close: async () => pool.end(),
  }
}
