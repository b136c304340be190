// Copies every table of one database into another through the port, parents before children, so the
// integration suite can seed PostgreSQL with the demo generator's SQLite seeding (demo/seed.ts is sync
// SQLite code): seed a temp SQLite file, then copy it into a fresh PostgreSQL database.
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Database } from '../src/db/port.ts'
import { getTableName, is, sql } from 'drizzle-orm'
import { getTableConfig, SQLiteTable as SQLiteTableClass } from 'drizzle-orm/sqlite-core'
import * as schema from '../src/db/schema.ts'

/** The schema's tables ordered so every table comes after the tables it references. */
export function tablesInDependencyOrder(): SQLiteTable[] {
  const tables: SQLiteTable[] = []
  for (const value of Object.values(schema)) {
    if (is(value, SQLiteTableClass))
      tables.push(value)
  }
  const ordered: SQLiteTable[] = []
  const visit = (table: SQLiteTable, path: Set<SQLiteTable>) => {
    if (ordered.includes(table) || path.has(table))
      return
    path.add(table)
    for (const fk of getTableConfig(table).foreignKeys)
      visit(fk.reference().foreignTable as SQLiteTable, path)
    ordered.push(table)
  }
  for (const table of tables)
    visit(table, new Set())
  return ordered
}

/** Copies all rows (the target must be migrated and empty); returns rows copied per table. */
export async function copyDatabase(from: Database, to: Database): Promise<Record<string, number>> {
  const copied: Record<string, number> = {}
  await to.db.transaction(async (tx) => {
    for (const table of tablesInDependencyOrder()) {
      const rows = await from.db.select().from(table).all()
      // PostgreSQL takes at most 65,535 parameters per statement.
      const perStatement = Math.max(1, Math.floor(30_000 / getTableConfig(table).columns.length))
      for (let i = 0; i < rows.length; i += perStatement)
        await tx.insert(table).values(rows.slice(i, i + perStatement))
      copied[getTableName(table)] = rows.length
      const identity = getTableConfig(table).columns.find(column => column.primary && (column as { autoIncrement?: boolean }).autoIncrement)
      if (to.dialect === 'postgres' && identity && rows.length > 0) {
        // Rows came with their ids: move the identity sequence past them.
        const name = getTableName(table)
        await tx.run(sql`select setval(pg_get_serial_sequence(${name}, ${identity.name}), (select max(${sql.identifier(identity.name)}) from ${sql.identifier(name)}))`)
      }
    }
  })
  return copied
}
