// Bulk statements for imports of 100,000 orders: the rows travel as ONE JSON parameter, expanded by the
// database (SQLite json_each, PostgreSQL json_array_elements), instead of one bound parameter per value —
// building drizzle SQL per value and binding millions of parameters dominated the import's time.
import type { AsyncTx, Dialect } from '../db/port.ts'
import { sql } from 'drizzle-orm'

export type ColumnType = 'text' | 'bigint'

export interface BulkColumn {
  name: string
  type: ColumnType
}

/** `value ->> i` cast for the dialect; `source` is the JSON array element. */
function element(dialect: Dialect, index: number, type: ColumnType): string {
  if (dialect === 'sqlite')
    return `value ->> ${index}`
  return type === 'bigint' ? `(value ->> ${index})::bigint` : `(value ->> ${index})`
}

function rowsSource(dialect: Dialect): string {
  return dialect === 'sqlite' ? 'json_each(?)' : 'json_array_elements(?::json) as value'
}

/** `items` in runs of at most `size`: one statement per run keeps the JSON parameter bounded. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size))
  return result
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * `insert into table (columns) select … from <rows>`; `returning` names columns to return (rows come back
 * as value arrays). Table and column names are ours (code), never input.
 */
export async function bulkInsert(tx: AsyncTx, dialect: Dialect, table: string, columns: BulkColumn[], rows: unknown[][], returning: string[] = []): Promise<unknown[][]> {
  if (rows.length === 0)
    return []
  const select = columns.map((c, i) => element(dialect, i, c.type)).join(', ')
  const back = returning.length > 0 ? ` returning ${returning.map(quote).join(', ')}` : ''
  const text = `insert into ${quote(table)} (${columns.map(c => quote(c.name)).join(', ')}) select ${select} from ${rowsSource(dialect)}${back}`
  return tx.all<unknown[]>(sqlWithParams(text, [JSON.stringify(rows)]))
}

/**
 * `update table set columns from <rows> where key = row's first value`: each row is [key, ...values in
 * `columns` order]. SQLite (3.33+) and PostgreSQL both read UPDATE … FROM.
 */
export async function bulkUpdate(tx: AsyncTx, dialect: Dialect, table: string, key: BulkColumn, columns: BulkColumn[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0)
    return
  const set = columns.map((c, i) => `${quote(c.name)} = ${element(dialect, i + 1, c.type)}`).join(', ')
  const text = `update ${quote(table)} set ${set} from ${rowsSource(dialect)} where ${quote(table)}.${quote(key.name)} = ${element(dialect, 0, key.type)}`
  await tx.run(sqlWithParams(text, [JSON.stringify(rows)]))
}

/** `select columns from table where key in <values>` with the values as one JSON parameter, plus one more equality. */
export async function selectWhereIn(tx: AsyncTx, dialect: Dialect, query: { table: string, columns: string[], key: string, keyType: ColumnType, values: (string | number)[], also?: { column: string, value: string } }): Promise<unknown[][]> {
  if (query.values.length === 0)
    return []
  const list = dialect === 'sqlite' ? 'select value from json_each(?)' : `select value${query.keyType === 'bigint' ? '::bigint' : ''} from json_array_elements_text(?::json) as value`
  const also = query.also ? ` and ${quote(query.also.column)} = ?` : ''
  const text = `select ${query.columns.map(quote).join(', ')} from ${quote(query.table)} where ${quote(query.key)} in (${list})${also}`
  return tx.all<unknown[]>(sqlWithParams(text, [JSON.stringify(query.values), ...(query.also ? [query.also.value] : [])]))
}

/** Query text whose `?` marks are filled, in order, by `params` (the port numbers them for PostgreSQL). */
function sqlWithParams(text: string, params: unknown[]) {
  const parts = text.split('?')
  if (parts.length !== params.length + 1)
    throw new Error('bulk query: placeholder count does not match the parameters')
  return sql.join(parts.flatMap((part, i) => (i < params.length ? [sql.raw(part), sql`${params[i]}`] : [sql.raw(part)])))
}
