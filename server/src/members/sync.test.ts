import type { TestStack } from '../../testing/harness.ts'
import type { OpenedDatabase } from '../db/client.ts'
import type { WecomClient } from '../wecom/client.ts'
import type { SyncProgress } from './sync.ts'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'
import { openDatabase } from '../db/client.ts'
import { members, staff, stores } from '../db/schema.ts'
import { createWecomClient } from '../wecom/client.ts'
import { createDbCredentialStore } from '../wecom/credential-store.ts'
import { applyWecomEvent, syncAllContacts, syncCorpTags, syncExternalContact } from './sync.ts'

let stack: TestStack
let dir: string
let fresh: OpenedDatabase
let wecom: WecomClient

beforeAll(async () => {
  stack = await startTestStack({ members: 150 })
  dir = mkdtempSync(join(tmpdir(), 'scrm-sync-'))
  // An empty install: stores and staff only.
  fresh = openDatabase(join(dir, 'fresh.db'))
  fresh.db.insert(stores).values(stack.dataset.stores).run()
  fresh.db.insert(staff).values(stack.dataset.staff).run()
  wecom = createWecomClient({
    apiBase: stack.emulator.url,
    corpId: stack.fixtures.corpId,
    agentId: stack.fixtures.app.agentId,
    appSecret: stack.fixtures.app.secret,
    contactSecret: stack.fixtures.contactSecret,
    store: createDbCredentialStore(fresh.db, randomBytes(32)),
  })
})
afterAll(async () => {
  fresh?.close()
  await stack?.close()
  if (dir)
    rmSync(dir, { recursive: true, force: true })
})

const count = (db: OpenedDatabase, sql: string, ...args: unknown[]) => (db.sqlite.prepare(sql).get(...args) as { n: number }).n

/** What the emulator's world says the database should hold. */
function expected() {
  const f = stack.emulator.state.fixtures
  const known = new Set(stack.dataset.staff.map(s => s.userid))
  const visible = new Set(f.users.filter(u => u.visibleToApp).map(u => u.userid))
  const liveTags = new Set(f.tagGroups.filter(g => !g.deleted).flatMap(g => g.tags.filter(t => !t.deleted).map(t => t.id)))
  let follows = 0
  let memberCount = 0
  let memberTags = 0
  for (const c of f.externalContacts) {
    const mine = c.follows.filter(x => known.has(x.userid) && visible.has(x.userid))
    follows += mine.length
    if (mine.length > 0)
      memberCount++
    memberTags += new Set(mine.flatMap(x => x.tagIds.filter(id => liveTags.has(id)))).size
  }
  return { follows, members: memberCount, memberTags, tags: liveTags.size, tagGroups: f.tagGroups.filter(g => !g.deleted).length }
}

describe('syncAllContacts', () => {
  it('fills an empty database with the members, follows and tags WeCom has, linking by unionid', async () => {
    // A member known from another channel (mini-program) with the unionid of a WeCom customer.
    const target = stack.emulator.state.fixtures.externalContacts.find(c => c.unionid && c.follows.length > 0)!
    const pre = fresh.db.insert(members).values({ name: '小程序会员', unionid: target.unionid, gender: 0 }).returning({ id: members.id }).get()

    const progress: SyncProgress[] = []
    const result = await syncAllContacts(fresh.db, wecom, { onProgress: p => progress.push(p) })
    const want = expected()
    expect(result.tagGroups).toBe(want.tagGroups)
    expect(result.tags).toBe(want.tags)
    expect(result.relations).toBe(want.follows)
    expect(result.members).toEqual({ seen: want.members, created: want.members - 1, linked: 1 })
    expect(result.follows).toEqual({ written: want.follows, removed: 0 })
    expect(result.unlicensedGuides).toEqual([])
    expect(result.memberTags).toBe(want.memberTags)
    expect(progress.at(-1)?.phase).toBe('done')
    expect(progress.filter(p => p.phase === 'contacts').length).toBeGreaterThan(1)

    expect(count(fresh, `select count(*) n from follows where status = 'active'`)).toBe(want.follows)
    expect(count(fresh, `select count(*) n from members where external_userid is not null`)).toBe(want.members)
    expect(count(fresh, `select count(*) n from member_tags where source = 'wecom'`)).toBe(want.memberTags)
    expect(count(fresh, `select count(*) n from tags where not deleted`)).toBe(want.tags)
    // The seeded database (same world) agrees relation by relation (WeCom's createtime is in seconds).
    const seeded = stack.database.sqlite.prepare(`select m.external_userid x, f.guide_userid g, f.remark, f.added_at / 1000 * 1000 as added_at, f.add_way, f.state from follows f join members m on m.id = f.member_id where f.status = 'active' order by 1, 2`).all()
    const synced = fresh.sqlite.prepare(`select m.external_userid x, f.guide_userid g, f.remark, f.added_at, f.add_way, f.state from follows f join members m on m.id = f.member_id where f.status = 'active' order by 1, 2`).all()
    expect(synced).toEqual(seeded)
    const linked = fresh.sqlite.prepare('select external_userid, name from members where id = ?').get(pre.id)
    expect(linked).toEqual({ external_userid: target.externalUserid, name: '小程序会员' })
  })

  it('is idempotent and marks relations WeCom no longer reports deleted_by_guide', async () => {
    const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.length > 0)!
    const dropped = contact.follows.pop()!
    try {
      const result = await syncAllContacts(fresh.db, wecom)
      expect(result.members.created).toBe(0)
      expect(result.follows.removed).toBe(1)
      expect(fresh.sqlite.prepare(`select f.status from follows f join members m on m.id = f.member_id where m.external_userid = ? and f.guide_userid = ?`).get(contact.externalUserid, dropped.userid)).toEqual({ status: 'deleted_by_guide' })
      expect(count(fresh, `select count(*) n from follows where status = 'active'`)).toBe(expected().follows)
    }
    finally {
      contact.follows.push(dropped)
    }
  })
})

describe('syncAllContacts with guides lacking an interop licence (互通账号)', () => {
  const activeOf = (g: string) => count(fresh, `select count(*) n from follows where guide_userid = ? and status = 'active'`, g)

  it('keeps the follows of a guide WeCom lists in fail_info (not deleted_by_guide)', async () => {
    await syncAllContacts(fresh.db, wecom)
    const f = stack.emulator.state.fixtures
    const known = new Set(stack.dataset.staff.map(s => s.userid))
    const guide = f.users.find(u => known.has(u.userid) && activeOf(u.userid) > 0)!
    const before = activeOf(guide.userid)
    guide.interopLicensed = false
    try {
      const result = await syncAllContacts(fresh.db, wecom)
      expect(result.unlicensedGuides).toEqual([guide.userid])
      expect(result.follows.removed).toBe(0)
      expect(activeOf(guide.userid)).toBe(before)
    }
    finally {
      delete guide.interopLicensed
    }
  })

  it('keeps every follow when WeCom answers 701008 (no requested guide is licensed)', async () => {
    const users = stack.emulator.state.fixtures.users
    const before = count(fresh, `select count(*) n from follows where status = 'active'`)
    users.forEach(u => (u.interopLicensed = false))
    try {
      const result = await syncAllContacts(fresh.db, wecom)
      expect(result.relations).toBe(0)
      expect(result.unlicensedGuides.length).toBe(result.guides)
      expect(result.follows.removed).toBe(0)
      expect(count(fresh, `select count(*) n from follows where status = 'active'`)).toBe(before)
    }
    finally {
      users.forEach(u => delete u.interopLicensed)
    }
  })
})

describe('syncExternalContact', () => {
  const followStatus = (x: string, g: string) => (fresh.sqlite.prepare(`select f.status from follows f join members m on m.id = f.member_id where m.external_userid = ? and f.guide_userid = ?`).get(x, g) as { status: string } | undefined)?.status
  const tagIds = (x: string) => (fresh.sqlite.prepare(`select mt.tag_id from member_tags mt join members m on m.id = mt.member_id where m.external_userid = ? and mt.source = 'wecom' order by 1`).all(x) as { tag_id: string }[]).map(r => r.tag_id)

  it('re-activates a relation WeCom reports again, keeps deleted_by_member until re-added', async () => {
    const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.length > 0)!
    const g = contact.follows[0]!.userid
    const r1 = await syncExternalContact(fresh.db, wecom, contact.externalUserid)
    expect(r1.created).toBe(false)
    expect(followStatus(contact.externalUserid, g)).toBe('active')

    await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: g, ExternalUserID: contact.externalUserid })
    expect(followStatus(contact.externalUserid, g)).toBe('deleted_by_member')
    await syncExternalContact(fresh.db, wecom, contact.externalUserid) // an edit by another guide: same createtime
    expect(followStatus(contact.externalUserid, g)).toBe('deleted_by_member')
    await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: g, ExternalUserID: contact.externalUserid })
    expect(followStatus(contact.externalUserid, g)).toBe('active')

    expect(await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: g, ExternalUserID: contact.externalUserid })).toBe('follow_updated')
    expect(followStatus(contact.externalUserid, g)).toBe('deleted_by_guide')
    expect(await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: g, ExternalUserID: 'wmUnknown' })).toBe('follow_unknown')
    expect(await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'msg_audit_approved', UserID: g, ExternalUserID: contact.externalUserid })).toBe('recorded')
    expect(await applyWecomEvent(fresh.db, wecom, { Event: 'nothing_we_know' })).toBe('ignored')
    await syncExternalContact(fresh.db, wecom, contact.externalUserid)
    expect(followStatus(contact.externalUserid, g)).toBe('active')
  })

  it('syncs the corp tags first when a follow carries an unknown tag id, and keeps tags exact', async () => {
    const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.length > 0)!
    const g = contact.follows[0]!.userid
    const group = await wecom.addCorpTag({ groupName: '同步测试', tags: [{ name: '新品控' }] })
    const newTag = group.tag[0]!.id
    await wecom.markTag({ userid: g, externalUserid: contact.externalUserid, addTag: [newTag] })
    const r = await syncExternalContact(fresh.db, wecom, contact.externalUserid)
    expect(r.syncedCorpTags).toBe(true)
    expect(tagIds(contact.externalUserid)).toContain(newTag)
    expect(fresh.sqlite.prepare('select t.name, g.name as groupName, g.source from tags t join tag_groups g on g.id = t.group_id where t.id = ?').get(newTag)).toEqual({ name: '新品控', groupName: '同步测试', source: 'wecom' })

    await wecom.markTag({ userid: g, externalUserid: contact.externalUserid, removeTag: [newTag] })
    const r2 = await syncExternalContact(fresh.db, wecom, contact.externalUserid)
    expect(r2.syncedCorpTags).toBe(false)
    expect(tagIds(contact.externalUserid)).not.toContain(newTag)

    await wecom.delCorpTag({ groupIds: [group.group_id] })
    const tagSync = await syncCorpTags(fresh.db, wecom)
    expect(tagSync).toMatchObject({ deletedGroups: 1, deletedTags: 1 })
    expect(fresh.sqlite.prepare('select deleted from tags where id = ?').get(newTag)).toEqual({ deleted: 1 })
  })

  it('leaves manual tags alone', async () => {
    const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.some(f => f.tagIds.length > 0))!
    const memberId = (fresh.sqlite.prepare('select id from members where external_userid = ?').get(contact.externalUserid) as { id: number }).id
    fresh.sqlite.prepare(`insert into tag_groups (id, name, source) values ('manualG', '手工', 'manual')`).run()
    fresh.sqlite.prepare(`insert into tags (id, group_id, name) values ('manualT', 'manualG', '重点客户')`).run()
    fresh.sqlite.prepare(`insert into member_tags (member_id, tag_id, source, tagged_by) values (?, 'manualT', 'manual', 'admin')`).run(memberId)
    await syncExternalContact(fresh.db, wecom, contact.externalUserid)
    await syncCorpTags(fresh.db, wecom)
    expect(fresh.sqlite.prepare(`select source from member_tags where member_id = ? and tag_id = 'manualT'`).get(memberId)).toEqual({ source: 'manual' })
    expect(fresh.sqlite.prepare(`select deleted from tag_groups where id = 'manualG'`).get()).toEqual({ deleted: 0 })
  })
})
