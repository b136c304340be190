import type { OpenedDatabase } from '../src/db/client.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/client.ts'
import { products } from '../src/db/schema.ts'
import { generateDemoData, generateDemoDataStream } from './generator.ts'
import { seedDatabase, toWecomFixtures } from './seed.ts'

const dataset = generateDemoData({ members: 300, seed: 5 })

let dir: string
let opened: OpenedDatabase[] = []
function open(name = 'demo.db'): OpenedDatabase {
  const o = openDatabase(join(dir, name))
  opened.push(o)
  return o
}

function tableCount(o: OpenedDatabase, table: string): number {
  return (o.sqlite.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scrm-seed-'))
})
afterEach(() => {
  for (const o of opened) o.close()
  opened = []
  rmSync(dir, { recursive: true, force: true })
})

describe('seedDatabase', () => {
  it('writes every row of the dataset and refuses to seed twice without reset', () => {
    const o = open()
    const counts = seedDatabase(o.db, dataset)
    const expected: Record<string, [keyof typeof counts, number]> = {
      stores: ['stores', dataset.stores.length],
      staff: ['staff', dataset.staff.length],
      products: ['products', dataset.products.length],
      tag_groups: ['tagGroups', dataset.tagGroups.length],
      tags: ['tags', dataset.tags.length],
      reply_groups: ['replyGroups', dataset.replyGroups.length],
      replies: ['replies', dataset.replies.length],
      members: ['members', dataset.members.length],
      member_identities: ['memberIdentities', dataset.memberIdentities.length],
      follows: ['follows', dataset.follows.length],
      follow_tags: ['followTags', dataset.followTags.length],
      orders: ['orders', dataset.orders.length],
      order_lines: ['orderLines', dataset.orderLines.length],
    }
    for (const [table, [key, n]] of Object.entries(expected)) {
      expect(counts[key], table).toBe(n)
      expect(tableCount(o, table), table).toBe(n)
    }
    expect(o.sqlite.pragma('foreign_key_check')).toEqual([])
    const p = o.db.select().from(products).limit(1).all()[0]!
    expect(typeof p.attributes).toBe('object')
    expect(typeof p.consumable).toBe('boolean')
    expect(p).toEqual(dataset.products.find(x => x.skuId === p.skuId))

    expect(() => seedDatabase(o.db, dataset)).toThrow(/refusing to seed/)
    expect(tableCount(o, 'members')).toBe(dataset.members.length)
    const again = seedDatabase(o.db, dataset, { reset: true })
    expect(again).toEqual(counts)
    expect(tableCount(o, 'orders')).toBe(dataset.orders.length)
  })

  it('seeds the stream in bulk mode to the same contents, indexes and journal restored', () => {
    const a = open('a.db')
    const b = open('b.db')
    const indexSql = (o: OpenedDatabase): string[] => (o.sqlite.prepare(`select sql from sqlite_master where type = 'index' and sql is not null order by name`).all() as { sql: string }[]).map(r => r.sql)
    const before = indexSql(b)
    seedDatabase(a.db, dataset)
    const progress: string[] = []
    seedDatabase(b.db, generateDemoDataStream({ members: 300, seed: 5, chunkSize: 64 }), { totalMembers: 300, batchSize: 100, onProgress: p => progress.push(p.phase) })
    expect(progress[0]).toBe('static')
    expect(progress).toContain('indexes')
    expect(progress.at(-1)).toBe('done')
    expect(indexSql(b)).toEqual(before)
    expect(b.sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    for (const t of ['members', 'orders', 'order_lines', 'follows', 'follow_tags', 'member_identities']) {
      const q = `select * from "${t}" order by 1, 2`
      expect(b.sqlite.prepare(q).all(), t).toEqual(a.sqlite.prepare(q).all())
    }
    expect(b.sqlite.pragma('foreign_key_check')).toEqual([])
  })
})

describe('toWecomFixtures', () => {
  it('describes the same people as the database', () => {
    const o = open()
    seedDatabase(o.db, dataset)
    const fx = toWecomFixtures(dataset, { appSecret: 's3cret', trustedDomains: ['localhost:4000'] })
    expect(fx.corpId).toBe('ww0000000000000001')
    expect(fx.app.agentId).toBe(1000002)
    expect(fx.app.secret).toBe('s3cret')
    expect(fx.app.trustedDomains).toEqual(['localhost:4000'])
    expect(fx.app.encodingAesKey).toHaveLength(43)

    const dbExternal = (o.sqlite.prepare('select external_userid as e from members where external_userid is not null order by 1').all() as { e: string }[]).map(r => r.e)
    expect(fx.externalContacts.map(c => c.externalUserid).sort()).toEqual(dbExternal)
    const followCounts = new Map((o.sqlite.prepare('select m.external_userid as e, count(*) as n from follows f join members m on m.id = f.member_id group by m.id').all() as { e: string, n: number }[]).map(r => [r.e, r.n]))
    for (const c of fx.externalContacts) {
      expect(c.follows.length).toBe(followCounts.get(c.externalUserid))
      expect(c.type).toBe(c.externalUserid.startsWith('wo') ? 2 : 1)
      for (const f of c.follows) expect(f.createtime).toBeLessThan(2_000_000_000)
    }

    const depts = new Set(fx.departments.map(d => d.id))
    expect(depts).toContain(1)
    for (const s of dataset.stores) expect(depts).toContain(s.wecomDepartmentId)
    const staffIds = (o.sqlite.prepare('select userid from staff').all() as { userid: string }[]).map(r => r.userid)
    for (const id of staffIds) expect(fx.users.some(u => u.userid === id)).toBe(true)
    expect(fx.users.filter(u => u.status === 2)).toHaveLength(1)
    expect(fx.users.filter(u => !u.visibleToApp)).toHaveLength(1)
    for (const u of fx.users) {
      for (const dept of u.department) expect(depts).toContain(dept)
    }

    const tagIds = new Set(fx.tagGroups.flatMap(g => g.tags.map(t => t.id)))
    const dbTagIds = (o.sqlite.prepare('select id from tags').all() as { id: string }[]).map(r => r.id)
    expect([...tagIds].sort()).toEqual(dbTagIds.sort())
    const fixtureTagPairs = fx.externalContacts.flatMap(c => [...new Set(c.follows.flatMap(f => f.tagIds))].map(t => `${c.externalUserid}|${t}`)).sort()
    const dbTagPairs = (o.sqlite.prepare('select distinct m.external_userid as e, t.tag_id as t from follow_tags t join members m on m.id = t.member_id').all() as { e: string, t: string }[]).map(r => `${r.e}|${r.t}`).sort()
    expect(fixtureTagPairs).toEqual(dbTagPairs)
  })
})
