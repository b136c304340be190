import { readFileSync } from 'node:fs'
import { eq, sql } from 'drizzle-orm'
import Fastify from 'fastify'
import { describe, expect, inject, it } from 'vitest'
import { createPostgresTestDatabase, describeEachDialect } from '../../testing/dialects.ts'
import { healthRoutes } from '../health/routes.ts'
import { connectDatabase, createPostgresPool, postgresMigrationsFolder } from './client.ts'
import { postgresSchemaPath, renderPostgresSchema } from './pg-schema-codegen.ts'
import { changes, createPostgresDatabase, statementNamer } from './port.ts'
import { members, modelRuns, products, stores } from './schema.ts'

it('schema.pg.ts is what the codegen makes of schema.ts (run `pnpm db:generate`)', () => {
  expect(readFileSync(postgresSchemaPath, 'utf8')).toBe(renderPostgresSchema())
})

describe('statement names (PostgreSQL)', () => {
  it('names a text from its second run on, never transaction control, and at most `limit` texts', () => {
    const nameOf = statementNamer(2)
    const a = 'select 1 from "members" where "id" = $1'
    expect(nameOf(a)).toBeUndefined()
    const named = nameOf(a)
    expect(named).toMatch(/^scrm_\d+$/)
    expect(nameOf(a)).toBe(named)
    for (const control of ['begin', 'commit', 'rollback', 'savepoint sp1']) {
      nameOf(control)
      expect(nameOf(control)).toBeUndefined()
    }
    const b = 'update "members" set "name" = $1 where "id" = $2'
    nameOf(b)
    const namedB = nameOf(b)
    expect(namedB).toBeDefined()
    expect(namedB).not.toBe(named)
    // The limit reached: a third text stays unnamed however often it runs; the named ones keep their names.
    const c = 'delete from "members" where "id" = $1'
    for (let i = 0; i < 5; i++) expect(nameOf(c)).toBeUndefined()
    expect([nameOf(a), nameOf(b)]).toEqual([named, namedB])
  })
})

const product = { skuId: 'SKU1', spuId: 'SPU1', name: '羽绒服', categoryPath: '服装/外套/羽绒服', category: '外套', price: 129_900, imageUrl: '/a.png', linkUrl: '/a', launchedAt: 1_764_000_000_123 }

describeEachDialect('database port', ({ dialect, fresh }) => {
  it('fills defaults and ids, and returns epoch ms, JSON, booleans and blobs as JS values', async () => {
    const { database } = await fresh()
    const { db } = database
    const before = Date.now()
    await db.insert(stores).values({ id: 'S01', name: '南京西路店', city: '上海', wecomDepartmentId: 2 })
    const [a, b] = await db.insert(members).values([{ name: '王芳', homeStoreId: 'S01' }, { name: '李雷' }]).returning()
    expect(b!.id).toBe(a!.id + 1)
    expect(typeof a!.createdAt).toBe('number')
    expect(a!.createdAt).toBeGreaterThanOrEqual(before - 1000)
    expect(a!.gender).toBe(0)

    await db.insert(products).values({ ...product, consumable: true, attributes: { 材质: '鹅绒' } })
    expect(await db.select().from(products).get()).toMatchObject({ consumable: true, attributes: { 材质: '鹅绒' }, launchedAt: 1_764_000_000_123, status: 'on_sale', stock: 0 })

    const artifact = Buffer.from([0, 1, 2, 255])
    await db.insert(modelRuns).values({ kind: 'nbr', trainedAt: 1, params: { k: 3 }, artifact })
    const run = await db.select().from(modelRuns).get()
    expect(Buffer.compare(run!.artifact!, artifact)).toBe(0)
    expect(run!.metrics).toEqual({})

    const totals = await db.select({ n: sql<number>`count(*)`, sum: sql<number>`sum(${members.gender} + 2)` }).from(members).get()
    expect(totals).toEqual({ n: 2, sum: 4 })
    expect(database.dialect).toBe(dialect)
  })

  it('counts changed rows, upserts and uses the dialect helpers', async () => {
    const { database } = await fresh()
    const { db } = database
    await db.insert(stores).values([{ id: 'S01', name: 'a', city: '上海', wecomDepartmentId: 2 }, { id: 'S02', name: 'b', city: '上海', wecomDepartmentId: 3 }])
    expect(changes(await db.update(stores).set({ city: '杭州' }).where(eq(stores.city, '上海')))).toBe(2)
    await db.insert(stores).values({ id: 'S01', name: 'new', city: '北京', wecomDepartmentId: 2 }).onConflictDoUpdate({ target: stores.id, set: { name: sql`excluded.name` } })
    expect(await db.select({ name: stores.name, city: stores.city }).from(stores).where(eq(stores.id, 'S01')).get()).toEqual({ name: 'new', city: '杭州' })
    const row = await db.select({ g: database.sql.greatest(0, sql`min(${stores.wecomDepartmentId}) - 3`), names: database.sql.groupConcat(stores.id, ',') }).from(stores).where(database.sql.ilike(stores.city, '杭%')).get()
    expect(row?.g).toBe(0)
    expect(row?.names?.split(',').sort()).toEqual(['S01', 'S02'])
  })

  it('commits a transaction, rolls it back on error, and keeps other statements out of an open one', async () => {
    const { database } = await fresh()
    const { db } = database
    await db.transaction(async (tx) => {
      await tx.insert(stores).values({ id: 'S01', name: 'a', city: '上海', wecomDepartmentId: 2 })
    })
    await expect(db.transaction(async (tx) => {
      await tx.insert(stores).values({ id: 'S02', name: 'b', city: '上海', wecomDepartmentId: 3 })
      throw new Error('changed my mind')
    })).rejects.toThrow('changed my mind')
    expect((await db.select({ id: stores.id }).from(stores).all()).map(s => s.id)).toEqual(['S01'])

    // While one transaction awaits, another request's write must not land inside it (and roll back with it).
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    const failing = db.transaction(async (tx) => {
      await tx.insert(stores).values({ id: 'S03', name: 'c', city: '上海', wecomDepartmentId: 4 })
      await gate
      throw new Error('rolled back')
    })
    await new Promise(resolve => setTimeout(resolve, 20))
    const outside = db.insert(stores).values({ id: 'S04', name: 'd', city: '上海', wecomDepartmentId: 5 })
    release()
    await expect(failing).rejects.toThrow('rolled back')
    await outside
    expect((await db.select({ id: stores.id }).from(stores).all()).map(s => s.id).sort()).toEqual(['S01', 'S04'])
  })

  // PostgreSQL would just take another pooled connection; the single SQLite connection would deadlock.
  it.skipIf(dialect !== 'sqlite')('refuses the root db inside its own transaction, not inside another database\'s', async () => {
    const { database } = await fresh()
    const other = await fresh()
    await expect(database.db.transaction(async () => {
      await database.db.select().from(stores)
    })).rejects.toMatchObject({ cause: { message: expect.stringContaining('use the tx handed to the callback') } })
    await other.database.db.insert(stores).values({ id: 'S09', name: 'x', city: '上海', wecomDepartmentId: 9 })
    await database.db.transaction(async (tx) => {
      await tx.insert(stores).values(await other.database.db.select().from(stores))
    })
    expect(await database.db.select({ id: stores.id }).from(stores)).toEqual([{ id: 'S09' }])
  })

  it('reports the dialect and the applied migrations on /api/health', async () => {
    const { database } = await fresh()
    const app = Fastify()
    await app.register(healthRoutes, { database, version: 'test' })
    const response = await app.inject({ method: 'GET', url: '/api/health' })
    await app.close()
    expect(response.statusCode).toBe(200)
    const body = response.json() as { database: { dialect: string, migrations: number } }
    expect(body.database.dialect).toBe(dialect)
    expect(body.database.migrations).toBeGreaterThan(0)
  })
})

// Skipped only when SCRM_TEST_PG=0 (no PostgreSQL on this machine); CI always runs it.
describe.skipIf(!inject('postgresUrl'))('migrations on PostgreSQL', () => {
  it('a pool survives its idle connections being killed (server restart, failover)', async () => {
    const errors: Error[] = []
    const pool = createPostgresPool(inject('postgresUrl'), { onIdleError: error => errors.push(error) })
    try {
      const pid = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
      const killer = createPostgresPool(inject('postgresUrl'))
      await killer.query('select pg_terminate_backend($1)', [pid])
      await killer.end()
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(errors.map(error => (error as Error & { code?: string }).code)).toEqual(['57P01'])
      expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }])
    }
    finally {
      await pool.end()
    }
  })

  it('runs repeated statements as prepared ones, prepared again on a connection that replaced a killed one', async () => {
    const created = await createPostgresTestDatabase()
    const pool = createPostgresPool(created.url, { max: 1, onIdleError: () => {} })
    const { db } = createPostgresDatabase(pool)
    const read = async (name: string) => (await db.select({ n: sql<number>`count(*)` }).from(members).where(eq(members.name, name)).get())?.n
    try {
      for (let i = 0; i < 3; i++) expect(await read(`nobody ${i}`)).toBe(0)
      const prepared = async () => (await pool.query<{ name: string, statement: string }>('select name, statement from pg_prepared_statements')).rows
      expect((await prepared()).filter(p => p.statement.includes('"members"."name" = $1')).map(p => p.name)).toEqual([expect.stringMatching(/^scrm_\d+$/)])
      const pid = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
      const killer = createPostgresPool(inject('postgresUrl'))
      await killer.query('select pg_terminate_backend($1)', [pid])
      await killer.end()
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(await read('nobody again')).toBe(0)
      expect((await prepared()).some(p => p.statement.includes('"members"."name" = $1'))).toBe(true)
    }
    finally {
      await pool.end()
      await created.drop()
    }
  })

  it('are applied once when two instances start together (advisory lock)', async () => {
    const created = await createPostgresTestDatabase()
    try {
      const instances = await Promise.all([1, 2].map(async () => connectDatabase({ databaseUrl: created.url, databasePath: '' })))
      const journal = JSON.parse(readFileSync(`${postgresMigrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }
      for (const { port } of instances) {
        expect(port.dialect).toBe('postgres')
        expect(await port.migrationCount()).toBe(journal.entries.length)
        await port.close()
      }
    }
    finally {
      await created.drop()
    }
  })
})
