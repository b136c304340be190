// The session repository, member access and replies over the database port, on both dialects.
import type { Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { fillReplyTemplate } from '@scrm/shared'
import { eq } from 'drizzle-orm'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { follows, members, replies, replyGroups, staff, stores } from '../db/schema.ts'
import { countReplyUse, listReplyGroups } from '../replies/service.ts'
import { accessibleMemberIds, canSeeMember, requireAdmin, requireMemberAccess } from './access.ts'
import { createSessionRepository } from './session-repository.ts'

const session = (userid: string, role: Session['role'], storeId: string | null): Session => ({ userid, role, storeId, exp: 0 })

describeEachDialect('auth and replies over the port', ({ fresh }) => {
  let database: Database
  let ids: { mine: number, colleagues: number, otherStore: number, unfollowed: number }

  beforeAll(async () => {
    database = (await fresh()).database
    const { db } = database
    await db.insert(stores).values([{ id: 'S1', name: '一店', city: '上海', wecomDepartmentId: 1 }, { id: 'S2', name: '二店', city: '杭州', wecomDepartmentId: 2 }]).run()
    await db.insert(staff).values([
      { userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' },
      { userid: 'g2', name: '导购二', role: 'guide', storeId: 'S1' },
      { userid: 'g3', name: '导购三', role: 'guide', storeId: 'S2' },
      { userid: 'sup1', name: '店长', role: 'supervisor', storeId: 'S1' },
      { userid: 'adm', name: '管理员', role: 'admin', storeId: null },
    ]).run()
    const insert = async (name: string) => (await db.insert(members).values({ name }).returning({ id: members.id }).get())!.id
    ids = { mine: await insert('甲'), colleagues: await insert('乙'), otherStore: await insert('丙'), unfollowed: await insert('丁') }
    await db.insert(follows).values([
      { guideUserid: 'g1', memberId: ids.mine, addedAt: 1 },
      { guideUserid: 'g2', memberId: ids.colleagues, addedAt: 1 },
      { guideUserid: 'g3', memberId: ids.otherStore, addedAt: 1 },
      { guideUserid: 'g1', memberId: ids.unfollowed, addedAt: 1, status: 'deleted_by_member' },
    ]).run()
  })

  it('sessions: found while live, never after revocation or expiry, with the staff row as it is now', async () => {
    const repository = createSessionRepository(database.db)
    await repository.create({ tokenHash: 'h1', userid: 'g1', createdAt: 1_000, expiresAt: 10_000 })
    expect(await repository.findActive('h1', 5_000)).toEqual({ userid: 'g1', role: 'guide', storeId: 'S1', staffStatus: 1, expiresAt: 10_000 })
    expect(await repository.findActive('h1', 10_000)).toBeNull()
    expect(await repository.findActive('nope', 5_000)).toBeNull()
    await database.db.update(staff).set({ role: 'supervisor' }).where(eq(staff.userid, 'g1')).run()
    expect((await repository.findActive('h1', 5_000))?.role).toBe('supervisor')
    await database.db.update(staff).set({ role: 'guide' }).where(eq(staff.userid, 'g1')).run()
    await repository.revoke('h1', 6_000)
    expect(await repository.findActive('h1', 5_000)).toBeNull()
  })

  it('access: a guide their active follows, a supervisor their store, an admin every existing member', async () => {
    const all = [ids.mine, ids.colleagues, ids.otherStore, ids.unfollowed, 999_999]
    expect([...await accessibleMemberIds(database.db, session('g1', 'guide', 'S1'), all)]).toEqual([ids.mine])
    expect([...await accessibleMemberIds(database.db, session('sup1', 'supervisor', 'S1'), all)].sort((a, b) => a - b)).toEqual([ids.mine, ids.colleagues])
    expect([...await accessibleMemberIds(database.db, session('adm', 'admin', null), all)].sort((a, b) => a - b)).toEqual([ids.mine, ids.colleagues, ids.otherStore, ids.unfollowed])
    await expect(requireMemberAccess(database.db, session('g1', 'guide', 'S1'), ids.colleagues)).rejects.toMatchObject({ statusCode: 404 })
    await expect(requireMemberAccess(database.db, session('g1', 'guide', 'S1'), ids.mine)).resolves.toBeUndefined()
  })

  it('requireAdmin: 403 with the given refusal for a guide or supervisor, nothing for an admin', () => {
    for (const caller of [session('g1', 'guide', 'S1'), session('sup1', 'supervisor', 'S1')])
      expect(() => requireAdmin(caller, 'only admins may do this')).toThrow(expect.objectContaining({ statusCode: 403, message: 'only admins may do this' }))
    expect(() => requireAdmin(session('adm', 'admin', null), 'only admins may do this')).not.toThrow()
  })

  it('access to one member (the prepared hot path) agrees with the subset rule for every role', async () => {
    const all = [ids.mine, ids.colleagues, ids.otherStore, ids.unfollowed, 999_999]
    const sessions = [session('g1', 'guide', 'S1'), session('g3', 'guide', 'S2'), session('sup1', 'supervisor', 'S1'), session('adm', 'admin', null), session('nobody', 'supervisor', null)]
    for (const s of sessions) {
      const allowed = await accessibleMemberIds(database.db, s, all)
      for (const id of all)
        expect({ role: s.role, userid: s.userid, id, seen: await canSeeMember(database.db, s, id) }).toEqual({ role: s.role, userid: s.userid, id, seen: allowed.has(id) })
    }
    expect(await canSeeMember(database.db, session('sup1', 'supervisor', 'S1'), ids.otherStore)).toBe(false)
    expect(await canSeeMember(database.db, session('adm', 'admin', null), 999_999)).toBe(false)
  })

  it('replies: grouped in order, most used first within a group, variables filled', async () => {
    const { db } = database
    const [first, second] = await db.insert(replyGroups).values([{ name: '问候', sortOrder: 1 }, { name: '售后', sortOrder: 2 }]).returning({ id: replyGroups.id }).all()
    const [a, b] = await db.insert(replies).values([
      { groupId: first!.id, title: 'A', content: '{{name}}您好，我是{{store}}的{{guide}}' },
      { groupId: first!.id, title: 'B', content: '{{unknown}}' },
      { groupId: second!.id, title: 'C', content: '售后' },
    ]).returning({ id: replies.id }).all()
    await countReplyUse(db, b!.id)
    // The library as the sidebar loads it (templates), filled as the sidebar fills it.
    const list = (await listReplyGroups(db, session('adm', 'admin', null), { withReplies: true })).flatMap(g => g.replies!)
    const values = { 称呼: '王女士', 导购: '小美', 门店: '一店', 最近购买: '', 最近购买日期: '', 会员等级: '' }
    expect(list.map(r => r.title)).toEqual(['B', 'A', 'C'])
    expect(fillReplyTemplate(list.find(r => r.id === a!.id)!.content, values)).toBe('王女士您好，我是一店的小美')
    expect(fillReplyTemplate(list.find(r => r.id === b!.id)!.content, values)).toBe('{{unknown}}')
  })
})
