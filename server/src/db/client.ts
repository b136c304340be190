import type { Database as Port } from './port.ts'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres'
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { createPostgresDatabase, createSqliteDatabase } from './port.ts'
import { sqliteReadWorker } from './read-worker.ts'
import * as schema from './schema.ts'

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations')
/** PostgreSQL migrations, generated from the same schema (see README.md in this folder). */
export const postgresMigrationsFolder = resolve(migrationsFolder, 'postgres')

export type Db = ReturnType<typeof createDrizzle>
/** A drizzle handle or a transaction on it: repositories accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0]

function createDrizzle(sqlite: Database.Database) {
  return drizzle(sqlite, { schema })
}

export interface OpenedDatabase {
  /** Sync drizzle on the SQLite connection: only for code not yet moved to the async `port`. */
  db: Db
  sqlite: Database.Database
  path: string
  /** The async database port over the same connection (port.ts). */
  port: Port
  close: () => void
}

const SQLITE_MMAP_BYTES = 1024 * 1024 * 1024

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas the app relies on and applies
 * pending migrations. WAL lets readers run while the single writer commits.
 */
export function openDatabase(path: string, options: { migrate?: boolean } = {}): OpenedDatabase {
  if (path !== ':memory:')
    mkdirSync(dirname(resolve(path)), { recursive: true })
  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000')
  // Reads through a memory map instead of a read() per page. Alternating bench runs at 100k members: member
  // contexts 766 → 945 req/s on average (8–9 runs each; +9 % in the 4 quietest pairs), p99 ≤ 30 ms in every
  // run with it. The mapped pages are the OS page cache, counted in the process's RSS as they are touched
  // (at most this 1 GiB), and given back under memory pressure.
  sqlite.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`)
  const db = createDrizzle(sqlite)
  if (options.migrate !== false)
    migrate(db, { migrationsFolder })
  const close = () => sqlite.close()
  // A file can be opened again by a worker thread for long reads; an in-memory database cannot.
  const readWorker = path === ':memory:' ? undefined : sqliteReadWorker(path, SQLITE_MMAP_BYTES)
  return { db, sqlite, path, port: createSqliteDatabase(sqlite, { close, readWorker }), close }
}

/**
 * Opens the database the configuration names: PostgreSQL when `databaseUrl` is set (migrations applied
 * under an advisory lock, so instances starting together do not race), else the SQLite file. On SQLite
 * `legacy` is the sync handle for domains not yet converted to the port.
 */
export async function connectDatabase(options: { databaseUrl: string, databasePath: string, migrate?: boolean }): Promise<{ port: Port, legacy?: OpenedDatabase }> {
  if (!options.databaseUrl) {
    const legacy = openDatabase(options.databasePath, { migrate: options.migrate })
    return { port: legacy.port, legacy }
  }
  const pool = createPostgresPool(options.databaseUrl)
  try {
    if (options.migrate !== false)
      await migratePostgresUnderLock(pool)
  }
  catch (error) {
    await pool.end()
    throw error
  }
  return { port: createPostgresDatabase(pool) }
}

const INT8_OID = 20
const NUMERIC_OID = 1700

/**
 * A Pool whose bigint (epoch ms, ids, count(*)) and numeric (sum(), avg()) results arrive as JS numbers,
 * as they do from SQLite. Every value we store is far below 2^53.
 */
export function createPostgresPool(connectionString: string, options: { max?: number, onIdleError?: (error: Error) => void } = {}): pg.Pool {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID || oid === NUMERIC_OID)
        return (value: string) => Number(value)
      return pg.types.getTypeParser(oid, format)
    }) as typeof pg.types.getTypeParser,
  }
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, types })
  // An idle client's connection can die (server restart, failover, a dropped test database). The pool
  // discards that client and the next query connects afresh; without a listener the error would kill the process.
  pool.on('error', error => options.onIdleError?.(error))
  return pool
}

/** Any constant works; it only has to be the same for every instance of this app. */
const MIGRATION_LOCK_KEY = 7_240_517_001

/** Applies pending PostgreSQL migrations holding a session advisory lock: a second instance waits, then finds nothing to do. */
export async function migratePostgresUnderLock(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: postgresMigrationsFolder })
    }
    finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  }
  finally {
    client.release()
  }
}
