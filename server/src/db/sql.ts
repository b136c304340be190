import type { SQL } from 'drizzle-orm'
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import { getTableName, sql } from 'drizzle-orm'

/**
 * `"table"."column"` for correlated subqueries: drizzle renders columns unqualified in
 * single-table queries, where a bare `"id"` inside a subquery would bind to the inner table.
 */
export function qualified(column: AnySQLiteColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`
}
