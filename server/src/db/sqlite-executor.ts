// How a statement text runs on one better-sqlite3 connection, for the port (port.ts) and for the read
// worker's own connection (read-worker.ts): each text prepared once (the last 500 kept), rows as arrays,
// as drizzle's sqlite-proxy expects them.
import type { Database as BetterSqlite, Statement } from 'better-sqlite3'

export type ExecuteMethod = 'run' | 'all' | 'values' | 'get'
export interface ExecuteResult { rows: unknown, rowsAffected?: number }

const KEPT_STATEMENTS = 500

export function sqliteExecutor(connection: BetterSqlite): (text: string, params: unknown[], method: ExecuteMethod) => ExecuteResult {
  const statements = new Map<string, Statement>()
  const prepare = (text: string): Statement => {
    let statement = statements.get(text)
    if (!statement) {
      statement = connection.prepare(text)
      if (statements.size > KEPT_STATEMENTS)
        statements.delete(statements.keys().next().value!)
      statements.set(text, statement)
    }
    return statement
  }
  return (text, params, method) => {
    const statement = prepare(text)
    if (!statement.reader) {
      const result = statement.run(...params)
      return { rows: [], rowsAffected: result.changes }
    }
    statement.raw(true)
    if (method === 'get')
      return { rows: statement.get(...params) }
    const rows = statement.all(...params)
    return { rows, rowsAffected: method === 'run' ? rows.length : undefined }
  }
}
