import type { MemberContext, MemberTagList } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { and, asc, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { describeEachDialect, dialects } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { syncExternalContact } from '../contacts/sync.ts'
import { follows, followTags, jobs, members, memberTags, staff, stores, tagGroups, tags } from '../db/schema.ts'
import { createJobQueue } from '../jobs/queue.ts'
import { REFRESH_JOB } from '../recommend/precomputed.ts'
import { PUSH_JOB } from './follow-tags.ts'
import { CORP_TAGS_JOB, pushRelationTags, registerTagJobs } from './push.ts'

describeEachDialect('migration of member tags to follow relations', ({ dialect, fresh }) => {
  it('puts a tag on the tagger\'s relation, one without a known tagger on every relation, and keeps manual tags', async () => {
    const { database } = await fresh()
    const db = database.db
    await db.insert(stores).values({ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 })
    await db.insert(staff).values([{ userid: 'g1', name: '一', role: 'guide', storeId: 'S1' }, { userid: 'g2', name: '二', role: 'guide', storeId: 'S1' }])
    const [m] = await db.insert(members).values({ name: '王女士', externalUserid: 'wmA' }).returning({ id: members.id })
    const memberId = m!.id
    await db.insert(follows).values([{ guideUserid: 'g1', memberId, addedAt: 1 }, { guideUserid: 'g2', memberId, addedAt: 2 }])
    await db.insert(tagGroups).values([{ id: 'G', name: '等级', source: 'wecom' }, { id: 'M', name: '手工', source: 'manual' }])
    await db.insert(tags).values([{ id: 'T1', groupId: 'G', name: '金卡' }, { id: 'T2', groupId: 'G', name: '银卡' }, { id: 'T3', groupId: 'G', name: '铜卡' }, { id: 'TM', groupId: 'M', name: '重点' }])
    await db.insert(memberTags).values([
      { memberId, tagId: 'T1', source: 'wecom', taggedBy: 'g2' },
      { memberId, tagId: 'T2', source: 'wecom', taggedBy: null },
      { memberId, tagId: 'T3', source: 'wecom', taggedBy: 'someone_gone' },
      { memberId, tagId: 'TM', source: 'manual', taggedBy: 'admin' },
    ])
    const file = dialect === 'sqlite' ? 'migrations/0011_follow_tags_from_member_tags.sql' : 'migrations/postgres/0007_follow_tags_from_member_tags.sql'
    for (const statement of readFileSync(join(import.meta.dirname, '../../..', file), 'utf8').split('--> statement-breakpoint'))
      await db.run(sql.raw(statement))
    const rows = await db.select({ g: followTags.guideUserid, t: followTags.tagId }).from(followTags).orderBy(asc(followTags.tagId), asc(followTags.guideUserid))
    expect(rows).toEqual([{ g: 'g2', t: 'T1' }, { g: 'g1', t: 'T2' }, { g: 'g2', t: 'T2' }, { g: 'g1', t: 'T3' }, { g: 'g2', t: 'T3' }])
    expect(await db.select({ t: memberTags.tagId, s: memberTags.source }).from(memberTags)).toEqual([{ t: 'TM', s: 'manual' }])
  })
})

for (const dialect of dialects) {
  describe.skipIf(dialect === 'postgres' && !inject('postgresUrl'))(`tags both ways [${dialect}]`, () => {
    let stack: TestStack
    let guide: string
    let cookie: string
    let member: { id: number, externalUserid: string }
    let liveTagIds: string[]

    const relationTags = async (g: string, memberId: number) => (await stack.port.db.select({ t: followTags.tagId }).from(followTags).where(and(eq(followTags.guideUserid, g), eq(followTags.memberId, memberId))).orderBy(asc(followTags.tagId))).map(r => r.t)
    const emulatorFollow = (g: string, externalUserid: string) => stack.emulator.state.fixtures.externalContacts.find(c => c.externalUserid === externalUserid)!.follows.find(f => f.userid === g)!
    const markTagCalls = () => stack.emulator.state.calls.filter(c => c.path === '/cgi-bin/externalcontact/mark_tag' && c.errcode === 0).length
    const edit = (memberId: number, body: object, as = cookie) => stack.app.inject({ method: 'POST', url: `/api/members/${memberId}/tags`, headers: { cookie: as }, payload: body })
    const runJobs = async () => {
      while (await stack.queue.tick({ wait: true }) > 0) { /* until no due job is left */ }
    }

    beforeAll(async () => {
      stack = await startTestStack({ dialect, members: 120 })
      const sqlite = stack.database.sqlite
      guide = (sqlite.prepare(`select guide_userid g from follows where status = 'active' group by guide_userid order by count(*) desc limit 1`).get() as { g: string }).g
      member = sqlite.prepare(`select m.id, m.external_userid externalUserid from members m join follows f on f.member_id = m.id where f.guide_userid = ? and f.status = 'active' and m.external_userid is not null order by m.id limit 1`).get(guide) as typeof member
      liveTagIds = (sqlite.prepare(`select t.id from tags t join tag_groups g on g.id = t.group_id where g.source = 'wecom' and not t.deleted and not g.deleted and g.id not like 'etRule%' order by t.id`).all() as { id: string }[]).map(r => r.id)
      cookie = await stack.login(guide)
    }, 120_000)
    afterAll(async () => stack?.close())

    it('a guide\'s added tag is on their relation at once and reaches WeCom once through the push job', async () => {
      const before = await relationTags(guide, member.id)
      const add = liveTagIds.find(id => !before.includes(id))!
      const res = await edit(member.id, { add: [add] })
      expect(res.statusCode).toBe(200)
      expect((res.json() as MemberTagList).tags.find(t => t.id === add)).toMatchObject({ source: 'wecom', mine: true })
      expect(await relationTags(guide, member.id)).toEqual([...before, add].sort())
      expect(emulatorFollow(guide, member.externalUserid).tagIds).not.toContain(add)
      // The member's recommendations are re-scored because her tags changed.
      expect(await stack.port.db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.name, REFRESH_JOB), eq(jobs.singletonKey, `member:${member.id}`)))).toHaveLength(1)

      const calls = markTagCalls()
      await runJobs()
      expect(emulatorFollow(guide, member.externalUserid).tagIds).toContain(add)
      expect(markTagCalls()).toBe(calls + 1)
      // A duplicate push (a retry after the reply was lost) finds WeCom in sync and sends nothing.
      expect(await pushRelationTags(stack.port.db, stack.wecom, guide, member.id, Date.now())).toBe('in_sync')
      expect(markTagCalls()).toBe(calls + 1)

      const ctx = (await stack.app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${member.externalUserid}`, headers: { cookie } })).json() as MemberContext
      expect(ctx.tags.filter(t => t.source === 'wecom' && t.mine).map(t => t.id).sort()).toEqual([...before, add].sort())

      expect((await edit(member.id, { remove: [add] })).statusCode).toBe(200)
      await runJobs()
      expect(emulatorFollow(guide, member.externalUserid).tagIds).not.toContain(add)
      expect(await relationTags(guide, member.id)).toEqual(before)
    })

    it('keeps an edit through WeCom faults: the push fails, the tag stays, a later run delivers it', async () => {
      const before = await relationTags(guide, member.id)
      const add = liveTagIds.find(id => !before.includes(id))!
      expect((await edit(member.id, { add: [add] })).statusCode).toBe(200)
      stack.emulator.state.faults.push({ api: '/cgi-bin/externalcontact/mark_tag', errcode: -1, count: 4 })
      await expect(pushRelationTags(stack.port.db, stack.wecom, guide, member.id, Date.now())).rejects.toThrow()
      expect(await relationTags(guide, member.id)).toContain(add)
      // A contact sync meanwhile (an event from another change) does not undo the edit still being pushed.
      await syncExternalContact(stack.port.db, stack.wecom, member.externalUserid)
      expect(await relationTags(guide, member.id)).toContain(add)
      expect(await pushRelationTags(stack.port.db, stack.wecom, guide, member.id, Date.now())).toBe('pushed')
      expect(emulatorFollow(guide, member.externalUserid).tagIds).toContain(add)
      await stack.port.db.delete(jobs).where(eq(jobs.name, PUSH_JOB))
    })

    it('settles a refused edit: a tag deleted in WeCom meanwhile is dropped here too', async () => {
      const before = await relationTags(guide, member.id)
      const add = liveTagIds.find(id => !before.includes(id))!
      expect((await edit(member.id, { add: [add] })).statusCode).toBe(200)
      const group = stack.emulator.state.fixtures.tagGroups.find(g => g.tags.some(t => t.id === add))!
      group.tags.find(t => t.id === add)!.deleted = true
      try {
        expect(await pushRelationTags(stack.port.db, stack.wecom, guide, member.id, Date.now())).toBe('refused')
        expect(await relationTags(guide, member.id)).toEqual(before)
      }
      finally {
        group.tags.find(t => t.id === add)!.deleted = false
        await stack.port.db.delete(jobs).where(eq(jobs.name, PUSH_JOB))
      }
    })

    it('shows the guide\'s own personal tags apart, never another guide\'s', async () => {
      emulatorFollow(guide, member.externalUserid).personalTags = [{ groupName: '我的标签', tagName: '爱聊天' }]
      await syncExternalContact(stack.port.db, stack.wecom, member.externalUserid)
      const mine = (await stack.app.inject({ method: 'GET', url: `/api/members/${member.id}/tags`, headers: { cookie } })).json() as MemberTagList
      expect(mine.tags.filter(t => t.source === 'personal')).toEqual([{ id: 'personal:我的标签/爱聊天', name: '爱聊天', groupName: '我的标签', source: 'personal', mine: true, explanation: null }])
      const admin = (stack.database.sqlite.prepare(`select userid from staff where role = 'admin' limit 1`).get() as { userid: string }).userid
      const theirs = (await stack.app.inject({ method: 'GET', url: `/api/members/${member.id}/tags`, headers: { cookie: await stack.login(admin) } })).json() as MemberTagList
      expect(theirs.tags.some(t => t.source === 'personal')).toBe(false)
    })

    it('refuses what it cannot do, naming why, and writes nothing', async () => {
      const before = await relationTags(guide, member.id)
      const add = liveTagIds.find(id => !before.includes(id))!
      expect((await stack.app.inject({ method: 'POST', url: `/api/members/${member.id}/tags`, payload: { add: [add] } })).statusCode).toBe(401)
      const other = stack.database.sqlite.prepare(`select m.id from members m where m.external_userid is not null and not exists (select 1 from follows f where f.member_id = m.id and f.guide_userid = ? and f.status = 'active') order by m.id limit 1`).get(guide) as { id: number }
      expect((await edit(other.id, { add: [add] })).statusCode).toBe(404)
      const supervisor = (stack.database.sqlite.prepare(`select s.userid from staff s join staff g on g.store_id = s.store_id where s.role = 'supervisor' and g.userid = ? limit 1`).get(guide) as { userid: string }).userid
      const refused = await edit(member.id, { add: [add] }, await stack.login(supervisor))
      expect(refused.statusCode).toBe(403)
      const unknown = await edit(member.id, { add: ['no-such-tag'] })
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json().message).toContain('no-such-tag')
      const rule = (stack.database.sqlite.prepare(`select t.id from tags t where t.group_id like 'etRule%' limit 1`).get() as { id: string } | undefined)?.id
      if (rule)
        expect((await edit(member.id, { add: [rule] })).statusCode).toBe(400)
      expect((await edit(member.id, {})).statusCode).toBe(400)
      expect((await edit(member.id, { add: [add], remove: [add] })).statusCode).toBe(400)
      expect(await relationTags(guide, member.id)).toEqual(before)
      expect(await stack.port.db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.name, PUSH_JOB), sql`${jobs.status} in ('queued', 'running')`))).toHaveLength(0)
    })

    it('lists the corp tag tree without rule groups', async () => {
      const res = await stack.app.inject({ method: 'GET', url: '/api/tags/corp', headers: { cookie } })
      expect(res.statusCode).toBe(200)
      const ids = (res.json() as { groups: { tags: { id: string }[] }[] }).groups.flatMap(g => g.tags.map(t => t.id)).sort()
      expect(ids).toEqual(liveTagIds)
    })
  })
}

describeEachDialect('corp tag pull job', ({ fresh }) => {
  it('mirrors the corp tag tree from WeCom when the scheduled job runs', async () => {
    const { database } = await fresh()
    const queue = createJobQueue({ database, now: () => 1_000 })
    const wecom = {
      getCorpTagList: async () => [{ group_id: 'G1', group_name: '客户等级', create_time: 1, order: 1, tag: [{ id: 'T1', name: '金卡', create_time: 1, order: 1 }] }],
      getExternalContact: async () => { throw new Error('not used') },
      markTag: async () => { throw new Error('not used') },
    }
    registerTagJobs(queue, { db: database.db, wecom, now: () => 1_000 })
    await queue.enqueue(CORP_TAGS_JOB)
    expect(await queue.tick()).toBe(1)
    expect(await database.db.select({ id: tags.id, name: tags.name, group: tags.groupId }).from(tags)).toEqual([{ id: 'T1', name: '金卡', group: 'G1' }])
  })
})
