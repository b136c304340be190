// Writes a generated demo world into the database (through drizzle, chunk by chunk, one transaction
// per chunk) and derives the WeCom emulator's fixtures from the same world.
import type Database from 'better-sqlite3'
import type { Column } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { EmulatorExternalContact, EmulatorFollow, EmulatorUser, WecomFixtures } from '../emulator/fixtures.ts'
import type { Db } from '../src/db/client.ts'
import type { AsyncDbOrTx, Database as PortDatabase } from '../src/db/port.ts'
import type { DemoChunk, DemoDataset, DemoMemberData, DemoStaticData } from './generator.ts'
import { getTableColumns, getTableName, is, Param, Placeholder, sql } from 'drizzle-orm'
import { follows, followTags, memberIdentities, members, orderLines, orders, products, recommendations, replies, replyGroups, sends, staff, stores, tagGroups, tags } from '../src/db/schema.ts'
import { groupBy } from '../src/lib/collections.ts'
import { CORP_NAME } from './catalog.ts'

export interface SeedCounts {
  stores: number
  staff: number
  products: number
  tagGroups: number
  tags: number
  replyGroups: number
  replies: number
  members: number
  memberIdentities: number
  follows: number
  followTags: number
  orders: number
  orderLines: number
  recommendations: number
  sends: number
}

export interface SeedProgress {
  phase: 'static' | 'members' | 'indexes' | 'done'
  membersDone: number
  /** Known when seeding a dataset or when the caller passes `totalMembers`. */
  membersTotal: number | undefined
  rows: number
}

export interface SeedOptions {
  /** Wipe every data table first instead of refusing a non-empty database. */
  reset?: boolean
  onProgress?: (p: SeedProgress) => void
  /** For progress reporting when seeding a stream. */
  totalMembers?: number
  /** Rows per INSERT statement (default 500). */
  batchSize?: number
  /**
   * Bulk mode for big seeds (default: on for streams): no journal, synchronous=OFF and a big page
   * cache while seeding, and secondary indexes of the member/order tables dropped and rebuilt once at the end.
   * Settings are restored afterwards. A crash mid-seed leaves a half-filled file to re-seed with reset.
   */
  bulk?: boolean
}

const STATIC_TABLES = ['stores', 'staff', 'products', 'tagGroups', 'tags', 'replyGroups', 'replies'] as const satisfies readonly (keyof DemoStaticData)[]
const MEMBER_TABLES = ['members', 'memberIdentities', 'follows', 'followTags', 'orders', 'orderLines', 'recommendations', 'sends'] as const satisfies readonly (keyof DemoMemberData)[]

const TABLES: { [K in keyof SeedCounts]: SQLiteTable } = {
  stores,
  staff,
  products,
  tagGroups,
  tags,
  replyGroups,
  replies,
  members,
  memberIdentities,
  follows,
  followTags,
  orders,
  orderLines,
  recommendations,
  sends,
}

/** SQL names of the tables whose secondary indexes are rebuilt after a bulk seed. */
const BULK_INDEX_TABLES = ['members', 'member_identities', 'follows', 'follow_tags', 'orders', 'order_lines', 'recommendations', 'sends']

function isDataset(input: DemoDataset | Iterable<DemoChunk>): input is DemoDataset {
  return 'meta' in input && 'hidden' in input && Array.isArray((input as DemoDataset).members)
}

function* datasetChunks(d: DemoDataset, chunkMembers = 5000): Generator<DemoChunk> {
  yield { kind: 'static', meta: d.meta, data: d }
  // Split by member id so progress moves; rows of one member stay in one chunk.
  const byMember = <T extends { memberId: number | null }>(rows: T[], from: number, to: number, orphansToo: boolean): T[] =>
    rows.filter(r => r.memberId === null ? orphansToo : r.memberId >= from && r.memberId <= to)
  const ids = d.members.map(m => m.id)
  const maxId = ids.length ? Math.max(...ids) : 0
  for (let from = 1; from <= Math.max(1, maxId); from += chunkMembers) {
    const to = from + chunkMembers - 1
    const first = from === 1
    const chunkOrders = byMember(d.orders, from, to, first)
    const orderIds = new Set(chunkOrders.map(o => o.id))
    yield {
      kind: 'members',
      firstMemberId: from,
      lastMemberId: Math.min(to, maxId),
      data: {
        members: d.members.filter(m => m.id >= from && m.id <= to),
        memberIdentities: byMember(d.memberIdentities, from, to, false),
        follows: byMember(d.follows, from, to, false),
        followTags: byMember(d.followTags, from, to, false),
        orders: chunkOrders,
        orderLines: d.orderLines.filter(l => orderIds.has(l.orderId)),
        recommendations: byMember(d.recommendations, from, to, false),
        sends: byMember(d.sends, from, to, false),
      },
      hidden: { personaByMember: new Map(), preferenceByMember: new Map(), complements: d.hidden.complements },
    }
  }
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * A full-batch INSERT compiled once by drizzle and reused as a prepared statement. Building the SQL
 * for every batch of rows costs ~20 µs per row in drizzle's query builder (50k rows/s, the whole
 * time budget of a million-member seed); with the statement cached, binding is the only per-row work.
 * drizzle still owns the SQL (column names, quoting, order); values pass through each column's own
 * `mapToDriverValue` where it is not the identity (JSON, boolean).
 */
interface CompiledInsert {
  stmt: Database.Statement
  /** Param slot → row key, for one row (the statement repeats it `batch` times). */
  keys: string[]
  mappers: (((v: unknown) => unknown) | null)[]
  batch: number
}

const PLAIN_COLUMN_TYPES = new Set(['SQLiteInteger', 'SQLiteText', 'SQLiteReal'])

function compileInsert(db: Db, table: SQLiteTable, batch: number): CompiledInsert {
  const columns = getTableColumns(table) as Record<string, Column>
  const names = Object.keys(columns)
  const placeholderRows = Array.from({ length: batch }, (_, i) => Object.fromEntries(names.map(k => [k, sql.placeholder(`${i}:${k}`)])))
  const query = db.insert(table).values(placeholderRows as never).toSQL()
  const slots = query.params.map((p) => {
    const ph = is(p, Param) ? p.value : p
    if (!is(ph, Placeholder))
      throw new Error('unexpected literal parameter in compiled insert')
    const [row, key] = ph.name.split(':') as [string, string]
    return { row: Number(row), key }
  })
  const perRow = slots.length / batch
  const keys = slots.slice(0, perRow).map(s => s.key)
  if (!Number.isInteger(perRow) || slots.some((s, i) => s.row !== Math.floor(i / perRow) || s.key !== keys[i % perRow]))
    throw new Error('compiled insert has an unexpected parameter order')
  const mappers = keys.map((k) => {
    const col = columns[k]!
    return PLAIN_COLUMN_TYPES.has(col.columnType) ? null : (v: unknown) => col.mapToDriverValue(v)
  })
  return { stmt: db.$client.prepare(query.sql), keys, mappers, batch }
}

class Inserter {
  private compiled = new Map<SQLiteTable, CompiledInsert>()
  constructor(private db: Db, private batchSize: number) {}

  insertAll(tx: Tx, table: SQLiteTable, rows: readonly object[]): void {
    const n = rows.length
    let i = 0
    if (n >= this.batchSize) {
      let c = this.compiled.get(table)
      if (!c) {
        c = compileInsert(this.db, table, this.batchSize)
        this.compiled.set(table, c)
      }
      const { keys, mappers, stmt, batch } = c
      const width = keys.length
      const params: unknown[] = Array.from({ length: width * batch })
      for (; i + batch <= n; i += batch) {
        let slot = 0
        for (let r = i; r < i + batch; r++) {
          const row = rows[r] as Record<string, unknown>
          for (let k = 0; k < width; k++) {
            const v = row[keys[k]!] ?? null
            const map = mappers[k]
            params[slot++] = map && v !== null ? map(v) : v
          }
        }
        stmt.run(params)
      }
    }
    if (i < n) {
      // The rows are typed per table by the generator (`$inferSelect` of the same table); drizzle's
      // generic insert cannot see that through the table union, hence the cast.
      tx.insert(table).values(rows.slice(i) as never).run()
    }
  }
}

function count(db: Db, table: string): number {
  const row = db.$client.prepare(`select count(*) as n from "${table}"`).get() as { n: number }
  return row.n
}

/** Deletes every row of every data table (migrations bookkeeping kept). */
export function resetDatabase(db: Db): void {
  const sqlite = db.$client
  const list = sqlite.prepare('pragma table_list').all() as { name: string, type: string, schema: string }[]
  sqlite.pragma('foreign_keys = OFF')
  try {
    sqlite.transaction(() => {
      for (const t of list) {
        if (t.schema !== 'main' || t.name.startsWith('sqlite_') || t.name === '__drizzle_migrations')
          continue
        if (t.type === 'table')
          sqlite.prepare(`delete from "${t.name}"`).run()
        else if (t.type === 'virtual')
          sqlite.prepare(`delete from "${t.name}"`).run()
      }
      const hasSeq = sqlite.prepare(`select 1 from sqlite_master where name = 'sqlite_sequence'`).get()
      if (hasSeq)
        sqlite.prepare('delete from sqlite_sequence').run()
    })()
  }
  finally {
    sqlite.pragma('foreign_keys = ON')
  }
}

/**
 * Seeds a generated world. Refuses a database that already holds stores, staff, members, products or
 * orders unless `reset` is set. Returns the inserted row counts per table.
 */
export function seedDatabase(db: Db, input: DemoDataset | Iterable<DemoChunk>, options: SeedOptions = {}): SeedCounts {
  const dataset = isDataset(input)
  const chunks = dataset ? datasetChunks(input) : input
  const membersTotal = dataset ? input.members.length : options.totalMembers
  const batchSize = options.batchSize ?? 500
  const bulk = options.bulk ?? !dataset
  const sqlite = db.$client
  const inserter = new Inserter(db, batchSize)

  const occupied = ['stores', 'staff', 'members', 'products', 'orders'].filter(t => count(db, t) > 0)
  if (occupied.length > 0) {
    if (!options.reset)
      throw new Error(`refusing to seed: the database already has data (${occupied.join(', ')}); pass { reset: true } (CLI: --reset) to wipe it first`)
    resetDatabase(db)
  }

  const counts = Object.fromEntries(Object.keys(TABLES).map(k => [k, 0])) as unknown as SeedCounts
  let rows = 0
  let membersDone = 0
  const report = (phase: SeedProgress['phase']): void => options.onProgress?.({ phase, membersDone, membersTotal, rows })

  const savedSync = sqlite.pragma('synchronous', { simple: true }) as number
  const savedCache = sqlite.pragma('cache_size', { simple: true }) as number
  const savedJournal = sqlite.pragma('journal_mode', { simple: true }) as string
  let droppedIndexes: string[] = []
  if (bulk) {
    // No journal at all while bulk-loading (WAL would write every page twice); restored below.
    sqlite.pragma('journal_mode = OFF')
    sqlite.pragma('synchronous = OFF')
    sqlite.pragma('cache_size = -262144')
    sqlite.pragma('temp_store = MEMORY')
    const idx = sqlite.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${BULK_INDEX_TABLES.map(() => '?').join(',')})`).all(...BULK_INDEX_TABLES) as { name: string, sql: string }[]
    droppedIndexes = idx.map(i => i.sql)
    for (const i of idx) sqlite.prepare(`drop index "${i.name}"`).run()
  }
  try {
    for (const chunk of chunks) {
      if (chunk.kind === 'static') {
        db.transaction((tx) => {
          for (const key of STATIC_TABLES) {
            inserter.insertAll(tx, TABLES[key], chunk.data[key])
            counts[key] += chunk.data[key].length
            rows += chunk.data[key].length
          }
        })
        report('static')
        continue
      }
      db.transaction((tx) => {
        for (const key of MEMBER_TABLES) {
          inserter.insertAll(tx, TABLES[key], chunk.data[key])
          counts[key] += chunk.data[key].length
          rows += chunk.data[key].length
        }
      })
      membersDone += chunk.data.members.length
      report('members')
    }
  }
  finally {
    if (droppedIndexes.length > 0) {
      report('indexes')
      // Recreated with the migration's own SQL; a duplicate order number would fail here.
      for (const s of droppedIndexes) sqlite.exec(s)
    }
    if (bulk) {
      sqlite.pragma(`synchronous = ${savedSync}`)
      sqlite.pragma(`cache_size = ${savedCache}`)
      sqlite.pragma(`journal_mode = ${savedJournal}`)
    }
  }
  report('done')
  return counts
}

/**
 * The same seeding through the database port, for either dialect (PostgreSQL included): one transaction per
 * chunk, multi-row INSERTs of up to ~30,000 parameters (PostgreSQL takes at most 65,535 per statement), then
 * the identity sequences moved past the generated ids. Refuses a database that already has data (wipe a
 * PostgreSQL database by recreating it). The SQLite-only `seedDatabase` above stays the fast path for
 * SQLite files (prepared statements, bulk pragmas).
 */
export async function seedThroughPort(database: PortDatabase, input: DemoDataset | Iterable<DemoChunk>, options: Pick<SeedOptions, 'onProgress' | 'totalMembers'> = {}): Promise<SeedCounts> {
  const dataset = isDataset(input)
  const chunks = dataset ? datasetChunks(input) : input
  const membersTotal = dataset ? input.members.length : options.totalMembers
  for (const table of [stores, staff, members, products, orders]) {
    if (await database.db.select({ one: sql<number>`1` }).from(table).limit(1).get())
      throw new Error(`refusing to seed: the database already has data (${getTableName(table)})`)
  }
  const counts = Object.fromEntries(Object.keys(TABLES).map(k => [k, 0])) as unknown as SeedCounts
  let rows = 0
  let membersDone = 0
  const insertAll = async (tx: AsyncDbOrTx, table: SQLiteTable, list: readonly object[]) => {
    const perStatement = Math.max(1, Math.floor(30_000 / Object.keys(getTableColumns(table)).length))
    // Typed per table by the generator (`$inferSelect` of the same table); the table union hides it.
    for (let i = 0; i < list.length; i += perStatement) await tx.insert(table).values(list.slice(i, i + perStatement) as never)
  }
  for (const chunk of chunks) {
    const keys = chunk.kind === 'static' ? STATIC_TABLES : MEMBER_TABLES
    const data = chunk.data as unknown as Record<keyof SeedCounts, readonly object[]>
    await database.db.transaction(async (tx) => {
      for (const key of keys) await insertAll(tx, TABLES[key], data[key])
    })
    for (const key of keys) {
      counts[key] += data[key].length
      rows += data[key].length
    }
    if (chunk.kind === 'members')
      membersDone += chunk.data.members.length
    options.onProgress?.({ phase: chunk.kind, membersDone, membersTotal, rows })
  }
  if (database.dialect === 'postgres') {
    for (const table of Object.values(TABLES)) {
      const id = getTableColumns(table).id
      if (id && (id as { autoIncrement?: boolean }).autoIncrement) {
        const name = getTableName(table)
        await database.db.run(sql`select setval(pg_get_serial_sequence(${name}, 'id'), coalesce((select max("id") from ${sql.identifier(name)}), 0) + 1, false)`)
      }
    }
  }
  options.onProgress?.({ phase: 'done', membersDone, membersTotal, rows })
  return counts
}

// ---------------------------------------------------------------------------------------------
// WeCom side of the same world
// ---------------------------------------------------------------------------------------------

export interface WecomFixtureOptions {
  corpId?: string
  corpName?: string
  agentId?: number
  appSecret?: string
  contactSecret?: string
  trustedDomains?: string[]
  trustedIps?: string[]
  callbackToken?: string
  /** 43 characters (base64 of a 32-byte key without the trailing '='). */
  encodingAesKey?: string
  callbackUrl?: string
}

const WO_CORP_NAMES = ['星河科技有限公司', '杭州云帆网络科技', '北京悦动文化传媒', '上海启明咨询', '华东建筑设计院']
const POSITION: Record<string, string> = { guide: '导购', supervisor: '店长', admin: '品牌管理员' }

/**
 * The WeCom emulator's view of a generated world: departments = root + one per store, users = staff
 * (+ one disabled user and one outside the app's visibility), external contacts = members with an
 * external_userid and their follow relations (createtime in seconds, tag ids from follow_tags set by
 * that guide), tag groups = the corp tag tables.
 */
export function toWecomFixtures(dataset: DemoDataset, options: WecomFixtureOptions = {}): WecomFixtures {
  const corpName = options.corpName ?? CORP_NAME
  const storeDept = new Map(dataset.stores.map(s => [s.id, s.wecomDepartmentId]))
  const departments = [
    { id: 1, name: corpName, parentId: 0 },
    ...dataset.stores.map(s => ({ id: s.wecomDepartmentId, name: s.name, parentId: 1 })),
  ]
  const users: EmulatorUser[] = dataset.staff.map((s) => {
    const dept = s.storeId ? storeDept.get(s.storeId) ?? 1 : 1
    return {
      userid: s.userid,
      name: s.name,
      department: [dept],
      mainDepartment: dept,
      position: POSITION[s.role] ?? '',
      gender: 2,
      avatar: s.avatar ?? '',
      status: s.status === 2 || s.status === 4 || s.status === 5 ? s.status : 1,
      isLeaderInDept: [s.role === 'supervisor' ? 1 : 0],
      visibleToApp: true,
      customerContact: s.role !== 'admin',
    }
  })
  const firstStoreDept = dataset.stores[0]?.wecomDepartmentId ?? 1
  users.push(
    { userid: 'guide_left', name: '离职导购', department: [firstStoreDept], mainDepartment: firstStoreDept, position: '导购', gender: 2, avatar: 'https://demo.scrm.example/avatar/staff/guide_left.png', status: 2, isLeaderInDept: [0], visibleToApp: true, customerContact: false },
    { userid: 'hr01', name: '人事专员', department: [1], mainDepartment: 1, position: '人事', gender: 1, avatar: 'https://demo.scrm.example/avatar/staff/hr01.png', status: 1, isLeaderInDept: [0], visibleToApp: false, customerContact: false },
  )

  const followsByMember = groupBy(dataset.follows.filter(f => f.status === 'active'), f => f.memberId)
  const tagsByMemberGuide = groupBy(dataset.followTags, t => `${t.memberId}|${t.guideUserid}`)

  const externalContacts: EmulatorExternalContact[] = []
  for (const m of dataset.members) {
    if (!m.externalUserid)
      continue
    const wo = m.externalUserid.startsWith('wo')
    const follows: EmulatorFollow[] = (followsByMember.get(m.id) ?? []).map(f => ({
      userid: f.guideUserid,
      remark: f.remark ?? '',
      description: f.description ?? '',
      createtime: Math.floor(f.addedAt / 1000),
      tagIds: (tagsByMemberGuide.get(`${m.id}|${f.guideUserid}`) ?? []).map(t => t.tagId),
      addWay: f.addWay,
      state: f.state ?? '',
      remarkMobiles: [],
    }))
    const contact: EmulatorExternalContact = {
      externalUserid: m.externalUserid,
      name: m.name,
      avatar: m.avatar ?? '',
      type: wo ? 2 : 1,
      gender: m.gender === 1 || m.gender === 2 ? m.gender : 0,
      unionid: m.unionid ?? '',
      follows,
    }
    if (wo)
      contact.corpName = WO_CORP_NAMES[m.id % WO_CORP_NAMES.length]
    externalContacts.push(contact)
  }

  const agentId = options.agentId ?? 1000002
  const tagGroupsOut = dataset.tagGroups.filter(g => g.source === 'wecom').map(g => ({
    ...(g.createdByApp ? { createdByAgentId: agentId } : {}),
    groupId: g.id,
    groupName: g.name,
    order: g.sortOrder,
    createTime: Math.floor(g.createdAt / 1000),
    ...(g.deleted ? { deleted: true } : {}),
    tags: dataset.tags.filter(t => t.groupId === g.id).map(t => ({
      ...(t.createdByApp ? { createdByAgentId: agentId } : {}),
      id: t.id,
      name: t.name,
      order: t.sortOrder,
      createTime: Math.floor(t.createdAt / 1000),
      ...(t.deleted ? { deleted: true } : {}),
    })),
  }))

  return {
    corpId: options.corpId ?? 'ww0000000000000001',
    corpName,
    app: {
      agentId,
      secret: options.appSecret ?? 'demo-app-secret-0000000000000000000000000',
      callbackToken: options.callbackToken ?? 'demoCallbackToken',
      encodingAesKey: options.encodingAesKey ?? 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      callbackUrl: options.callbackUrl ?? '',
      trustedDomains: options.trustedDomains ?? ['localhost:3000', '127.0.0.1:3000'],
      trustedIps: options.trustedIps ?? [],
    },
    contactSecret: options.contactSecret ?? 'demo-contact-secret-000000000000000000000',
    departments,
    users,
    externalContacts,
    tagGroups: tagGroupsOut,
  }
}
