// The converted domains served from PostgreSQL: the app under test reads and writes the copy of the
// seeded database in the throwaway cluster (see startTestStack's `dialect`), through real HTTP routes.
import type { ConversionReport, JobEnqueued, MemberContext, MemberList, OrderPage, ReplyGroup } from '@scrm/shared'
import type { TestStack } from './harness.ts'
import { fillReplyTemplate } from '@scrm/shared'
import { and, asc, count, desc, eq, inArray, ne, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { follows, jobs, members, orders, replies, sessions, staff, tagGroups, tags, wecomEvents } from '../src/db/schema.ts'
import { startTestStack } from './harness.ts'

// Skipped only on request (SCRM_TEST_PG=0: no PostgreSQL on this machine); CI always runs it.
describe.skipIf(!inject('postgresUrl'))('the app on PostgreSQL', () => {
  let stack: TestStack
  const db = () => stack.port.db

  beforeAll(async () => {
    stack = await startTestStack({ dialect: 'postgres', members: 80, callbacks: true })
  })
  afterAll(async () => stack?.close())

  const firstStaff = async (role: 'guide' | 'supervisor' | 'admin') =>
    (await db().select({ userid: staff.userid, storeId: staff.storeId }).from(staff).where(and(eq(staff.role, role), eq(staff.status, 1))).orderBy(asc(staff.userid)).limit(1).get())!

  it('runs on the PostgreSQL copy of the seed', async () => {
    expect(stack.dialect).toBe('postgres')
    const health = await stack.app.inject({ method: 'GET', url: '/api/health' })
    expect(health.json()).toMatchObject({ status: 'ok', database: { dialect: 'postgres', ok: true } })
    const seeded = (await db().select({ n: count() }).from(members).get())!.n
    expect(seeded).toBe(stack.dataset.members.length)
  })

  describe('auth', () => {
    it('logs in through OAuth, stores the session in PostgreSQL, and logout revokes it', async () => {
      const guide = await firstStaff('guide')
      const cookie = await stack.login(guide.userid)
      const me = await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
      expect(me.statusCode).toBe(200)
      expect(me.json()).toMatchObject({ userid: guide.userid, role: 'guide' })
      const live = await db().select({ revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.userid, guide.userid)).all()
      expect(live.some(s => s.revokedAt === null)).toBe(true)

      expect((await stack.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(204)
      expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
      expect((await stack.app.inject({ method: 'GET', url: '/api/members', headers: { cookie } })).statusCode).toBe(401)
    })

    it('re-reads the role on every request: a demoted supervisor loses the report at once, a deactivated one the session', async () => {
      const supervisor = await firstStaff('supervisor')
      const cookie = await stack.login(supervisor.userid)
      expect((await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie } })).statusCode).toBe(200)
      await db().update(staff).set({ role: 'guide' }).where(eq(staff.userid, supervisor.userid)).run()
      try {
        expect((await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie } })).statusCode).toBe(403)
        await db().update(staff).set({ status: 4 }).where(eq(staff.userid, supervisor.userid)).run()
        expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401)
      }
      finally {
        await db().update(staff).set({ role: 'supervisor', status: 1 }).where(eq(staff.userid, supervisor.userid)).run()
      }
    })
  })

  describe('members, orders and replies', () => {
    let guide: string
    let cookie: string
    beforeAll(async () => {
      guide = (await db().select({ g: follows.guideUserid }).from(follows).where(eq(follows.status, 'active')).groupBy(follows.guideUserid).orderBy(desc(count()), asc(follows.guideUserid)).limit(1).get())!.g
      cookie = await stack.login(guide)
    })

    it('lists the guide\'s own customers, finds one by name case-insensitively, pages orders newest first', async () => {
      const list = await stack.app.inject({ method: 'GET', url: '/api/members?limit=100', headers: { cookie } })
      expect(list.statusCode).toBe(200)
      const body = list.json() as MemberList
      const own = await db().select({ id: follows.memberId }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(follows.guideUserid, guide), eq(follows.status, 'active'), sql`${members.externalUserid} is not null`)).all()
      expect(body.total).toBe(own.length)
      expect(body.items.map(i => i.id).sort((a, b) => a - b)).toEqual(own.map(o => o.id).sort((a, b) => a - b))
      // Most recent buyers first, members without orders last (NULLS LAST on both dialects).
      const paid = body.items.map(i => i.lastPaidAt)
      const firstNull = paid.indexOf(null)
      expect(paid.slice(0, firstNull === -1 ? undefined : firstNull)).toEqual([...paid.slice(0, firstNull === -1 ? undefined : firstNull)].sort((a, b) => b! - a!))
      if (firstNull !== -1)
        expect(paid.slice(firstNull).every(p => p === null)).toBe(true)

      const named = body.items[0]!
      await db().update(members).set({ name: 'Alice Wang' }).where(eq(members.id, named.id)).run()
      const search = (await stack.app.inject({ method: 'GET', url: `/api/members?q=aLICE%20w`, headers: { cookie } })).json() as MemberList
      expect(search.items.map(i => i.id)).toEqual([named.id])
      const wildcard = (await stack.app.inject({ method: 'GET', url: `/api/members?q=A%25e`, headers: { cookie } })).json() as MemberList
      expect(wildcard.total).toBe(0) // % is a literal here, not a wildcard

      const buyer = (await db().select({ memberId: orders.memberId, n: count() }).from(orders).where(inArray(orders.memberId, own.map(o => o.id))).groupBy(orders.memberId).orderBy(desc(count()), asc(orders.memberId)).limit(1).get())!
      const page1 = (await stack.app.inject({ method: 'GET', url: `/api/orders?memberId=${buyer.memberId}&limit=2`, headers: { cookie } })).json() as OrderPage
      expect(page1.orders).toHaveLength(Math.min(2, buyer.n))
      expect(page1.orders[0]!.paidAt).toBeGreaterThanOrEqual(page1.orders.at(-1)!.paidAt)
      if (buyer.n > 2) {
        const page2 = (await stack.app.inject({ method: 'GET', url: `/api/orders?memberId=${buyer.memberId}&limit=50&cursor=${page1.nextCursor}`, headers: { cookie } })).json() as OrderPage
        expect(page1.orders.length + page2.orders.length).toBe(buyer.n)
        expect(page2.orders.every(o => o.paidAt <= page1.orders.at(-1)!.paidAt)).toBe(true)
      }
    })

    it('answers the member context with totals, tags and the reply variables that fill the library, and 404s for a member the guide does not serve', async () => {
      const member = (await db().select({ id: members.id, x: members.externalUserid }).from(members).innerJoin(follows, eq(follows.memberId, members.id)).where(and(eq(follows.guideUserid, guide), eq(follows.status, 'active'))).orderBy(asc(members.id)).limit(1).get())!
      const res = await stack.app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${member.x}`, headers: { cookie } })
      expect(res.statusCode).toBe(200)
      const context = res.json() as MemberContext
      expect(context.member.id).toBe(member.id)
      const totals = (await db().select({ n: count(), net: sql<number>`coalesce(sum(${orders.paidAmount} - ${orders.refundedAmount}), 0)` }).from(orders).where(and(eq(orders.memberId, member.id), ne(orders.status, 'cancelled'))).get())!
      expect(context.totals.orderCount).toBe(totals.n)
      expect(context.totals.netAmount).toBe(totals.net)
      // The sidebar fills the library (loaded once per session) with the context's variables.
      const groups = (await stack.app.inject({ method: 'GET', url: '/api/reply-groups?withReplies=true', headers: { cookie } })).json() as ReplyGroup[]
      const filled = groups.flatMap(g => g.replies!.map(r => fillReplyTemplate(r.content, context.replyVariables)))
      expect(filled.length).toBe((await db().select({ n: count() }).from(replies).get())!.n)
      expect(filled.some(content => /\{\{\s*(?:name|guide|store)\s*\}\}/.test(content))).toBe(false)

      const stranger = (await db().select({ x: members.externalUserid }).from(members).where(and(sql`${members.externalUserid} is not null`, sql`not exists (select 1 from ${follows} where ${follows.memberId} = ${members.id} and ${follows.guideUserid} = ${guide})`)).orderBy(asc(members.id)).limit(1).get())!
      expect((await stack.app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${stranger.x}`, headers: { cookie } })).statusCode).toBe(404)
    })
  })

  describe('reports', () => {
    it('gives a supervisor their store\'s guides and refuses guides', async () => {
      const supervisor = await firstStaff('supervisor')
      const res = await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie: await stack.login(supervisor.userid) } })
      expect(res.statusCode).toBe(200)
      const report = res.json() as ConversionReport
      const storeGuides = await db().select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'guide'), eq(staff.storeId, supervisor.storeId!))).orderBy(asc(staff.userid)).all()
      expect(report.rows.map(r => r.guideUserid).sort()).toEqual(storeGuides.map(g => g.userid))
      const guide = await firstStaff('guide')
      expect((await stack.app.inject({ method: 'GET', url: '/api/reports/conversion', headers: { cookie: await stack.login(guide.userid) } })).statusCode).toBe(403)
    })
  })

  describe('weCom callback events', () => {
    it('a del_follow_user callback is stored in PostgreSQL and processed by the contacts.events job', async () => {
      const follow = (await db().select({ guide: follows.guideUserid, memberId: follows.memberId, x: members.externalUserid }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(eq(follows.status, 'active')).orderBy(asc(follows.memberId)).limit(1).get())!
      const res = await fetch(`${stack.emulator.url}/__emulator/callbacks/trigger`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: follow.guide, ExternalUserID: follow.x }) })
      expect((await res.json() as { status: string }).status).toBe('delivered')
      const event = (await db().select().from(wecomEvents).where(eq(wecomEvents.changeType, 'del_follow_user')).get())!
      expect(event.processedAt).toBeNull()
      const drain = (await db().select().from(jobs).where(eq(jobs.name, 'contacts.events')).get())!
      expect(drain.status).toBe('queued')

      await stack.queue.tick()
      expect(await db().select({ status: follows.status }).from(follows).where(and(eq(follows.guideUserid, follow.guide), eq(follows.memberId, follow.memberId))).get()).toEqual({ status: 'deleted_by_member' })
      expect((await db().select().from(wecomEvents).where(eq(wecomEvents.id, event.id)).get())).toMatchObject({ attempts: 1, error: null })
      expect((await db().select().from(jobs).where(eq(jobs.id, drain.id)).get())!.status).toBe('succeeded')
      // WeCom's retry of the same event is acknowledged and stored once: nothing is done twice.
      await fetch(`${stack.emulator.url}/__emulator/callbacks/trigger`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: follow.guide, ExternalUserID: follow.x, CreateTime: Number(event.payload.CreateTime) }) })
      expect(await db().select({ n: count() }).from(wecomEvents).where(eq(wecomEvents.changeType, 'del_follow_user')).get()).toEqual({ n: 1 })
    })
  })

  describe('contact sync as a job', () => {
    it('is admin only; an admin enqueues it once, and the job brings a new WeCom tag into PostgreSQL', async () => {
      const guide = await firstStaff('guide')
      expect((await stack.app.inject({ method: 'POST', url: '/api/admin/contacts/sync', headers: { cookie: await stack.login(guide.userid) } })).statusCode).toBe(403)

      const group = await stack.wecom.addCorpTag({ groupName: '同步任务', tags: [{ name: '任务标签' }] })
      const tagId = group.tag[0]!.id
      const admin = await firstStaff('admin')
      const adminCookie = await stack.login(admin.userid)
      const first = await stack.app.inject({ method: 'POST', url: '/api/admin/contacts/sync', headers: { cookie: adminCookie } })
      expect(first.statusCode).toBe(202)
      const enqueued = first.json() as JobEnqueued
      expect(enqueued.jobId).not.toBeNull()
      const again = await stack.app.inject({ method: 'POST', url: '/api/admin/contacts/sync', headers: { cookie: adminCookie } })
      expect(again.json()).toEqual({ jobId: null, alreadyQueued: true })

      await stack.queue.tick()
      const job = (await db().select().from(jobs).where(eq(jobs.id, enqueued.jobId!)).get())!
      expect(job).toMatchObject({ name: 'contacts.sync', status: 'succeeded', progress: 1, lastError: null })
      expect(await db().select({ name: tags.name, group: tagGroups.name }).from(tags).innerJoin(tagGroups, eq(tagGroups.id, tags.groupId)).where(eq(tags.id, tagId)).get()).toEqual({ name: '任务标签', group: '同步任务' })
    })
  })
})
