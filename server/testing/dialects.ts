// Runs a suite once per database dialect: SQLite (a temp file) and PostgreSQL (a fresh database in the
// throwaway cluster of test/pg/global-setup.ts). Everything opened through the context closes after the suite.
import type { Database, Dialect } from '../src/db/port.ts'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, inject } from 'vitest'
import { TEMPLATE_DATABASE } from '../../test/pg/global-setup.ts'
import { connectDatabase, createPostgresPool } from '../src/db/client.ts'
import { createPostgresDatabase } from '../src/db/port.ts'

export interface TestDatabase {
  database: Database
  /** Where a worker thread connects to the same database (as config.ts names it). */
  connection: { databaseUrl: string, databasePath: string }
  /**
   * Another handle on the same data, as a second server instance would have: its own Pool on PostgreSQL;
   * on SQLite the same connection (one process owns a SQLite file).
   */
  another: () => Promise<Database>
}

export interface DialectContext {
  dialect: Dialect
  /** A new, migrated, empty database. */
  fresh: () => Promise<TestDatabase>
}

export const dialects: Dialect[] = ['sqlite', 'postgres']

/** `postgres://…/name` of a new migrated, empty database in the test cluster (a copy of the template). */
export async function createPostgresTestDatabase(): Promise<{ url: string, drop: () => Promise<void> }> {
  const adminUrl = inject('postgresUrl')
  const name = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${TEMPLATE_DATABASE}`)
        break
      }
      catch (error) {
        // 55006: another file's CREATE DATABASE is copying the template right now.
        if ((error as { code?: string }).code !== '55006' || attempt >= 50)
          throw error
        await new Promise(resolve => setTimeout(resolve, 50 * attempt))
      }
    }
  }
  finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      }
      finally {
        await client.end()
      }
    },
  }
}

function context(dialect: Dialect, cleanups: (() => Promise<void> | void)[]): DialectContext {
  return {
    dialect,
    fresh: async () => {
      if (dialect === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'scrm-dialect-'))
        const connection = { databaseUrl: '', databasePath: join(dir, 'scrm.db') }
        const { port } = await connectDatabase(connection)
        cleanups.push(async () => {
          await port.close()
          rmSync(dir, { recursive: true, force: true })
        })
        return { database: port, connection, another: async () => port }
      }
      const created = await createPostgresTestDatabase()
      const handles: Database[] = []
      cleanups.push(async () => {
        await Promise.all(handles.map(async handle => handle.close()))
        await created.drop()
      })
      const { port } = await connectDatabase({ databaseUrl: created.url, databasePath: '' })
      handles.push(port)
      return {
        database: port,
        connection: { databaseUrl: created.url, databasePath: '' },
        another: async () => {
          const handle = createPostgresDatabase(createPostgresPool(created.url))
          handles.push(handle)
          return handle
        },
      }
    },
  }
}

/** `describe` per dialect; the PostgreSQL one is skipped (saying why) only when SCRM_TEST_PG=0. */
export function describeEachDialect(name: string, suite: (context: DialectContext) => void) {
  for (const dialect of dialects) {
    const off = dialect === 'postgres' && !inject('postgresUrl')
    // Skipped only on request (SCRM_TEST_PG=0, no PostgreSQL on this machine); CI always runs it.
    describe.skipIf(off)(`${name} [${dialect}]`, () => {
      const cleanups: (() => Promise<void> | void)[] = []
      afterAll(async () => {
        for (const cleanup of cleanups.reverse())
          await cleanup()
      })
      suite(context(dialect, cleanups))
    })
  }
}
