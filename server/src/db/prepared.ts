// Statements on the hot read paths, built once per database handle instead of on every request: drizzle's
// query building (walking the builder, naming and escaping every column) cost more than SQLite's own work
// for the member context (profiled with bench/context-steps.ts). Values go in as `sql.placeholder(name)`.
import type { AsyncDbOrTx } from './port.ts'

/**
 * `build(db)` once per handle (the app's root handle in practice; a transaction's handle gets its own,
 * dropped with it).
 */
export function preparedPerHandle<T>(build: (db: AsyncDbOrTx) => T): (db: AsyncDbOrTx) => T {
  const byHandle = new WeakMap<AsyncDbOrTx, T>()
  return (db) => {
    let prepared = byHandle.get(db)
    if (prepared === undefined) {
      prepared = build(db)
      byHandle.set(db, prepared)
    }
    return prepared
  }
}
