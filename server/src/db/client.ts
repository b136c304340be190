import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import * as schema from './schema.ts'

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations')

export type Db = ReturnType<typeof createDrizzle>
/** A drizzle handle or a transaction on it: repositories accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0]

function createDrizzle(sqlite: Database.Database) {
  return drizzle(sqlite, { schema })
}

export interface OpenedDatabase {
  db: Db
  sqlite: Database.Database
  path: string
  close: () => void
}

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
  const db = createDrizzle(sqlite)
  if (options.migrate !== false)
    migrate(db, { migrationsFolder })
  return { db, sqlite, path, close: () => sqlite.close() }
}

/** Number of applied migrations (for /api/health). */
export function appliedMigrationCount(sqlite: Database.Database): number {
  const row = sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number } | undefined
  return row?.n ?? 0
}
