import type { SQL } from 'drizzle-orm'
import type { TestStack } from '../../testing/harness.ts'
import type { Database } from '../db/port.ts'
import type { WecomClient } from '../wecom/client.ts'
import type { SyncProgress } from './sync.ts'
import { randomBytes } from 'node:crypto'
import { and, asc, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { follows, followTags, members, memberTags, staff, stores, tagGroups, tags } from '../db/schema.ts'
import { createWecomClient } from '../wecom/client.ts'
import { createDbCredentialStore } from '../wecom/credential-store.ts'
import { applyWecomEvent } from './events.ts'
import { syncAllContacts, syncCorpTags, syncExternalContact } from './sync.ts'

describeEachDialect('contact sync', ({ fresh: freshDatabase }) => {
  let stack: TestStack
  let fresh: Database
  let wecom: WecomClient

  beforeAll(async () => {
    stack = await startTestStack({ members: 150 })
    // An empty install: stores and staff only.
    fresh = (await freshDatabase()).database
    await fresh.db.insert(stores).values(stack.dataset.stores).run()
    await fresh.db.insert(staff).values(stack.dataset.staff).run()
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
    await stack?.close()
  })

  const count = async (where: SQL, table: typeof follows | typeof members | typeof followTags | typeof tags = follows) =>
    (await fresh.db.select({ n: sql<number>`count(*)` }).from(table).where(where).get())!.n
  const activeFollows = () => count(eq(follows.status, 'active'))
  const followStatus = async (x: string, g: string) => (await fresh.db.select({ status: follows.status }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(members.externalUserid, x), eq(follows.guideUserid, g))).get())?.status
  const relationTagCount = async (x: string, g: string) => (await fresh.db.select({ n: sql<number>`count(*)` }).from(followTags).innerJoin(members, eq(members.id, followTags.memberId)).where(and(eq(members.externalUserid, x), eq(followTags.guideUserid, g))).get())!.n
  const tagIds = async (x: string) => (await fresh.db.selectDistinct({ tagId: followTags.tagId }).from(followTags).innerJoin(members, eq(members.id, followTags.memberId)).where(eq(members.externalUserid, x)).orderBy(asc(followTags.tagId)).all()).map(r => r.tagId)

  /** What the emulator's world says the database should hold. */
  function expected() {
    const f = stack.emulator.state.fixtures
    const known = new Set(stack.dataset.staff.map(s => s.userid))
    const visible = new Set(f.users.filter(u => u.visibleToApp).map(u => u.userid))
    const liveTags = new Set(f.tagGroups.filter(g => !g.deleted).flatMap(g => g.tags.filter(t => !t.deleted).map(t => t.id)))
    let follows = 0
    let memberCount = 0
    let relationTags = 0
    for (const c of f.externalContacts) {
      const mine = c.follows.filter(x => known.has(x.userid) && visible.has(x.userid))
      follows += mine.length
      if (mine.length > 0)
        memberCount++
      relationTags += mine.reduce((n, x) => n + new Set(x.tagIds.filter(id => liveTags.has(id))).size, 0)
    }
    return { follows, members: memberCount, relationTags, tags: liveTags.size, tagGroups: f.tagGroups.filter(g => !g.deleted).length }
  }

  describe('syncAllContacts', () => {
    it('fills an empty database with the members, follows and tags WeCom has, linking by unionid', async () => {
      // A member known from another channel (mini-program) with the unionid of a WeCom customer.
      const target = stack.emulator.state.fixtures.externalContacts.find(c => c.unionid && c.follows.length > 0)!
      const pre = (await fresh.db.insert(members).values({ name: '小程序会员', unionid: target.unionid, gender: 0 }).returning({ id: members.id }).get())!

      const progress: SyncProgress[] = []
      const result = await syncAllContacts(fresh.db, wecom, { onProgress: p => progress.push(p) })
      const want = expected()
      expect(result.tagGroups).toBe(want.tagGroups)
      expect(result.tags).toBe(want.tags)
      expect(result.relations).toBe(want.follows)
      expect(result.members).toEqual({ seen: want.members, created: want.members - 1, linked: 1 })
      expect(result.follows).toEqual({ written: want.follows, removed: 0 })
      expect(result.unlicensedGuides).toEqual([])
      expect(result.memberTags).toBe(want.relationTags)
      expect(progress.at(-1)?.phase).toBe('done')
      expect(progress.filter(p => p.phase === 'contacts').length).toBeGreaterThan(1)

      expect(await activeFollows()).toBe(want.follows)
      expect(await count(sql`${members.externalUserid} is not null`, members)).toBe(want.members)
      expect(await count(sql`true`, followTags)).toBe(want.relationTags)
      expect(await count(eq(tags.deleted, false), tags)).toBe(want.tags)
      // The seeded database (same world) agrees relation by relation (WeCom's createtime is in seconds).
      const seeded = stack.database.sqlite.prepare(`select m.external_userid x, f.guide_userid g, f.remark, f.added_at / 1000 * 1000 as added_at, f.add_way, f.state from follows f join members m on m.id = f.member_id where f.status = 'active' order by 1, 2`).all()
      const synced = await fresh.db.select({ x: members.externalUserid, g: follows.guideUserid, remark: follows.remark, added_at: follows.addedAt, add_way: follows.addWay, state: follows.state })
        .from(follows)
        .innerJoin(members, eq(members.id, follows.memberId))
        .where(eq(follows.status, 'active'))
        .orderBy(asc(members.externalUserid), asc(follows.guideUserid))
        .all()
      expect(synced).toEqual(seeded)
      const linked = await fresh.db.select({ external_userid: members.externalUserid, name: members.name }).from(members).where(eq(members.id, pre.id)).get()
      expect(linked).toEqual({ external_userid: target.externalUserid, name: '小程序会员' })
    })

    it('is idempotent and marks relations WeCom no longer reports deleted_by_guide, without their tags', async () => {
      const known = new Set(stack.dataset.staff.map(st => st.userid))
      const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.length > 0 && known.has(c.follows.at(-1)!.userid) && c.follows.at(-1)!.tagIds.length > 0)!
      expect(Number(await relationTagCount(contact.externalUserid, contact.follows.at(-1)!.userid))).toBeGreaterThan(0)
      const dropped = contact.follows.pop()!
      try {
        const result = await syncAllContacts(fresh.db, wecom)
        expect(result.members.created).toBe(0)
        expect(result.follows.removed).toBe(1)
        expect(await followStatus(contact.externalUserid, dropped.userid)).toBe('deleted_by_guide')
        expect(Number(await relationTagCount(contact.externalUserid, dropped.userid))).toBe(0)
        expect(await activeFollows()).toBe(expected().follows)
      }
      finally {
        contact.follows.push(dropped)
      }
    })
  })

  describe('syncAllContacts with guides lacking an interop licence (互通账号)', () => {
    const activeOf = (g: string) => count(and(eq(follows.guideUserid, g), eq(follows.status, 'active'))!)

    it('keeps the follows of a guide WeCom lists in fail_info (not deleted_by_guide)', async () => {
      await syncAllContacts(fresh.db, wecom)
      const f = stack.emulator.state.fixtures
      const known = new Set(stack.dataset.staff.map(s => s.userid))
      const active = await Promise.all(f.users.map(async u => known.has(u.userid) ? activeOf(u.userid) : 0))
      const guide = f.users.find((_u, i) => active[i]! > 0)!
      const before = await activeOf(guide.userid)
      guide.interopLicensed = false
      try {
        const result = await syncAllContacts(fresh.db, wecom)
        expect(result.unlicensedGuides).toEqual([guide.userid])
        expect(result.follows.removed).toBe(0)
        expect(await activeOf(guide.userid)).toBe(before)
      }
      finally {
        delete guide.interopLicensed
      }
    })

    it('keeps every follow when WeCom answers 701008 (no requested guide is licensed)', async () => {
      const users = stack.emulator.state.fixtures.users
      const before = await activeFollows()
      users.forEach(u => (u.interopLicensed = false))
      try {
        const result = await syncAllContacts(fresh.db, wecom)
        expect(result.relations).toBe(0)
        expect(result.unlicensedGuides.length).toBe(result.guides)
        expect(result.follows.removed).toBe(0)
        expect(await activeFollows()).toBe(before)
      }
      finally {
        users.forEach(u => delete u.interopLicensed)
      }
    })
  })

  describe('syncExternalContact', () => {
    it('re-activates a relation WeCom reports again, keeps deleted_by_member until re-added', async () => {
      const known = new Set(stack.dataset.staff.map(st => st.userid))
      const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.length > 0 && known.has(c.follows[0]!.userid) && c.follows[0]!.tagIds.length > 0)!
      const g = contact.follows[0]!.userid
      const r1 = await syncExternalContact(fresh.db, wecom, contact.externalUserid)
      expect(r1.created).toBe(false)
      expect(await followStatus(contact.externalUserid, g)).toBe('active')

      await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: g, ExternalUserID: contact.externalUserid })
      expect(await followStatus(contact.externalUserid, g)).toBe('deleted_by_member')
      await syncExternalContact(fresh.db, wecom, contact.externalUserid) // an edit by another guide: same createtime
      expect(await followStatus(contact.externalUserid, g)).toBe('deleted_by_member')
      await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: g, ExternalUserID: contact.externalUserid })
      expect(await followStatus(contact.externalUserid, g)).toBe('active')

      expect(await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: g, ExternalUserID: contact.externalUserid })).toBe('follow_updated')
      expect(await followStatus(contact.externalUserid, g)).toBe('deleted_by_guide')
      expect(Number(await relationTagCount(contact.externalUserid, g))).toBe(0)
      expect(await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: g, ExternalUserID: 'wmUnknown' })).toBe('follow_unknown')
      expect(await applyWecomEvent(fresh.db, wecom, { Event: 'change_external_contact', ChangeType: 'msg_audit_approved', UserID: g, ExternalUserID: contact.externalUserid })).toBe('recorded')
      expect(await applyWecomEvent(fresh.db, wecom, { Event: 'nothing_we_know' })).toBe('ignored')
      await syncExternalContact(fresh.db, wecom, contact.externalUserid)
      expect(await followStatus(contact.externalUserid, g)).toBe('active')
      expect(Number(await relationTagCount(contact.externalUserid, g))).toBeGreaterThan(0)
    })

    it('syncs the corp tags first when a follow carries an unknown tag id, and keeps tags exact', async () => {
      const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.length > 0)!
      const g = contact.follows[0]!.userid
      const group = await wecom.addCorpTag({ groupName: '同步测试', tags: [{ name: '新品控' }] })
      const newTag = group.tag[0]!.id
      await wecom.markTag({ userid: g, externalUserid: contact.externalUserid, addTag: [newTag] })
      const r = await syncExternalContact(fresh.db, wecom, contact.externalUserid)
      expect(r.syncedCorpTags).toBe(true)
      expect(await tagIds(contact.externalUserid)).toContain(newTag)
      expect(await fresh.db.select({ name: tags.name, groupName: tagGroups.name, source: tagGroups.source }).from(tags).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(eq(tags.id, newTag)).get()).toEqual({ name: '新品控', groupName: '同步测试', source: 'wecom' })

      await wecom.markTag({ userid: g, externalUserid: contact.externalUserid, removeTag: [newTag] })
      const r2 = await syncExternalContact(fresh.db, wecom, contact.externalUserid)
      expect(r2.syncedCorpTags).toBe(false)
      expect(await tagIds(contact.externalUserid)).not.toContain(newTag)

      await wecom.delCorpTag({ groupIds: [group.group_id] })
      const tagSync = await syncCorpTags(fresh.db, wecom)
      expect(tagSync).toMatchObject({ deletedGroups: 1, deletedTags: 1 })
      expect(await fresh.db.select({ deleted: tags.deleted }).from(tags).where(eq(tags.id, newTag)).get()).toEqual({ deleted: true })
    })

    it('leaves manual tags alone', async () => {
      const contact = stack.emulator.state.fixtures.externalContacts.find(c => c.follows.some(f => f.tagIds.length > 0))!
      const memberId = (await fresh.db.select({ id: members.id }).from(members).where(eq(members.externalUserid, contact.externalUserid)).get())!.id
      await fresh.db.insert(tagGroups).values({ id: 'manualG', name: '手工', source: 'manual' }).run()
      await fresh.db.insert(tags).values({ id: 'manualT', groupId: 'manualG', name: '重点客户' }).run()
      await fresh.db.insert(memberTags).values({ memberId, tagId: 'manualT', source: 'manual', taggedBy: 'admin' }).run()
      await syncExternalContact(fresh.db, wecom, contact.externalUserid)
      await syncCorpTags(fresh.db, wecom)
      expect(await fresh.db.select({ source: memberTags.source }).from(memberTags).where(and(eq(memberTags.memberId, memberId), eq(memberTags.tagId, 'manualT'))).get()).toEqual({ source: 'manual' })
      expect(await fresh.db.select({ deleted: tagGroups.deleted }).from(tagGroups).where(eq(tagGroups.id, 'manualG')).get()).toEqual({ deleted: false })
    })
  })
})
