import type { HandoverDetail, HandoverList, HandoverStaffList, MemberContext, MemberSendsToday, Note, NoteList, SendRecord, UnassignedGuideList } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { randomUUID } from 'node:crypto'
import { and, asc, eq, ne, sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { transferBook } from '../../emulator/transfer.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { follows, followTags, handovers, members, memberTags, staff } from '../db/schema.ts'
import { LOST_AFTER_MS, pollHandovers, submitHandover } from './service.ts'

const DAY_SECONDS = 86400

describeEachDialect('handover (在职继承 / 离职继承)', ({ dialect }) => {
  let stack: TestStack
  let adminCookie: string
  /** Guides of one store, the ones with most customers first. */
  let guides: string[]
  const cookies = new Map<string, string>()

  beforeAll(async () => {
    stack = await startTestStack({ dialect, members: 80, callbacks: true })
    const db = stack.port.db
    const rows = await db.select({ userid: follows.guideUserid, n: sql<number>`count(*)` }).from(follows).innerJoin(staff, eq(staff.userid, follows.guideUserid)).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(follows.status, 'active'), eq(staff.role, 'guide'), sql`${members.externalUserid} is not null`)).groupBy(follows.guideUserid).orderBy(sql`count(*) desc`, asc(follows.guideUserid)).all()
    guides = rows.map(r => r.userid)
    adminCookie = await stack.login('admin')
  })
  afterAll(async () => stack?.close())

  async function cookieOf(userid: string) {
    if (!cookies.has(userid))
      cookies.set(userid, await stack.login(userid))
    return cookies.get(userid)!
  }
  const call = (method: 'GET' | 'POST', url: string, cookie: string | undefined, payload?: unknown) =>
    stack.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(payload === undefined ? {} : { payload: payload as object }) })
  const emulator = async (path: string, body?: unknown) => {
    const res = await fetch(`${stack.emulator.url}/__emulator/${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })
    expect(res.ok, `${path} ${res.status}`).toBe(true)
    return res.json() as Promise<Record<string, unknown>>
  }
  /** Waits for the emulator's pushes to land, then runs the queued jobs (event drain, submit, poll) until idle. */
  async function settle() {
    for (let i = 0; i < 50 && stack.emulator.callbacks.deliveries.some(d => d.status === 'pending'); i++)
      await new Promise(resolve => setTimeout(resolve, 20))
    for (let i = 0; i < 10; i++) {
      if (await stack.queue.tick() === 0)
        break
    }
  }
  async function customersOf(guide: string) {
    return stack.port.db.select({ id: members.id, externalUserid: members.externalUserid }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(follows.guideUserid, guide), eq(follows.status, 'active'), sql`${members.externalUserid} is not null`)).orderBy(asc(members.id)).all()
  }
  const itemsOf = async (handoverId: number) => (await call('GET', `/api/handovers/${handoverId}`, adminCookie)).json<HandoverDetail>().items

  it('refuses non-admins (401/403), bad requests (400) and unknown ids (404) without writing anything', async () => {
    const [from, to] = guides as [string, string]
    const [member] = await customersOf(from)
    const body = { fromUserid: from, toUserid: to, memberIds: [member!.id] }
    expect((await call('POST', '/api/handovers', undefined, body)).statusCode).toBe(401)
    expect((await call('POST', '/api/handovers', await cookieOf(from), body)).statusCode).toBe(403)
    expect((await call('GET', '/api/handovers', await cookieOf(from))).statusCode).toBe(403)
    expect((await call('GET', '/api/handover/staff', await cookieOf(from))).statusCode).toBe(403)
    const stranger = (await customersOf(to)).find(m => !m.id || m.id !== member!.id)!
    const strangers = await stack.port.db.select({ id: follows.memberId }).from(follows).where(and(eq(follows.guideUserid, from), eq(follows.memberId, stranger.id))).all()
    // The reasons the console words itself (errors.refusal.*); the others are client mistakes.
    const cases: [unknown, number, Record<string, unknown>?][] = [
      [{ ...body, toUserid: from }, 400, { reason: 'handover_same_guide' }],
      [{ fromUserid: from, toUserid: to }, 400],
      [{ ...body, all: true }, 400],
      [{ ...body, memberIds: [] }, 400],
      [{ ...body, toUserid: 'nobody' }, 404],
      [{ ...body, toUserid: 'admin' }, 400, { reason: 'handover_target_inactive' }],
      [{ ...body, message: '码'.repeat(201) }, 400],
    ]
    if (strangers.length === 0)
      cases.push([{ ...body, memberIds: [stranger.id, member!.id] }, 400, { reason: 'handover_not_served', params: { count: 1 } }])
    // A guide without customers: nothing to hand over (the staff row is removed again below).
    await stack.port.db.insert(staff).values({ userid: 'guide-without-customers', name: '新导购', role: 'guide' })
    cases.push([{ fromUserid: 'guide-without-customers', toUserid: to, all: true }, 400, { reason: 'handover_nothing_left' }])
    for (const [payload, status, refusal] of cases) {
      const response = await call('POST', '/api/handovers', adminCookie, payload)
      expect(response.statusCode, JSON.stringify(payload)).toBe(status)
      expect(response.json<{ message: string }>().message.length).toBeGreaterThan(5)
      if (refusal)
        expect(response.json(), JSON.stringify(payload)).toMatchObject(refusal)
    }
    await stack.port.db.delete(staff).where(eq(staff.userid, 'guide-without-customers'))
    expect((await stack.port.db.select({ n: sql<number>`count(*)` }).from(handovers).get())!.n).toBe(0)
    expect((await call('GET', '/api/handovers/999999', adminCookie)).statusCode).toBe(404)
  })

  it('moves one customer with notes, tags, sends and recommendations once WeCom confirms; the old guide gets 404 at once', async () => {
    const [from, to] = guides as [string, string]
    const member = (await customersOf(from))[0]!
    const fromCookie = await cookieOf(from)
    const toCookie = await cookieOf(to)
    const note = (await call('POST', '/api/notes', fromCookie, { memberId: member.id, kind: 'preference', body: '只穿棉质，偏爱深色' })).json<Note>()
    const send = (await call('POST', '/api/sends', fromCookie, { idempotencyKey: randomUUID(), memberId: member.id, message: { msgtype: 'text', text: { content: '新款到了' } } })).json<SendRecord>()
    expect(send.id).toBeGreaterThan(0)
    const before = (await call('GET', `/api/members/context?externalUserId=${member.externalUserid}`, fromCookie)).json<MemberContext>()
    const alreadyServed = before.follows.some(f => f.guideUserid === to)

    const created = await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, memberIds: [member.id], message: '您好，后续由我的同事为您服务' })
    expect(created.statusCode).toBe(201)
    const handover = created.json<HandoverDetail>()
    expect(handover).toMatchObject({ kind: 'in_service', handoverUserid: from, takeoverUserid: to, counts: { queued: 1 } })
    // A second request for the same customer while the first is open: 409, nothing written.
    const again = await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, memberIds: [member.id] })
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ reason: 'handover_already_open', params: { count: 1 } })

    await settle()
    const [pending] = await itemsOf(handover.id)
    expect(pending).toMatchObject({ status: 'pending', reason: null })
    expect(pending!.takeoverAt! - Date.now()).toBeGreaterThan(23 * 3600_000)
    const transfers = (await emulator('transfers')).transfers as { externalUserid: string, status: number, message?: string }[]
    expect(transfers.find(t => t.externalUserid === member.externalUserid)).toMatchObject({ status: 2, message: '您好，后续由我的同事为您服务' })
    // While pending, the customer stays with the old guide.
    expect((await call('GET', `/api/notes?memberId=${member.id}`, fromCookie)).statusCode).toBe(200)
    if (!alreadyServed)
      expect((await call('GET', `/api/notes?memberId=${member.id}`, toCookie)).statusCode).toBe(404)

    await emulator('transfers/decide', { externalUserid: member.externalUserid, decision: 'accept' })
    await settle()
    const [done] = await itemsOf(handover.id)
    expect(done).toMatchObject({ status: 'completed' })
    expect((await call('GET', `/api/members/context?externalUserId=${member.externalUserid}`, fromCookie)).statusCode).toBe(404)
    expect((await call('GET', `/api/notes?memberId=${member.id}`, fromCookie)).statusCode).toBe(404)
    expect((await call('GET', `/api/sends?memberId=${member.id}`, fromCookie)).statusCode).toBe(404)

    const after = (await call('GET', `/api/members/context?externalUserId=${member.externalUserid}`, toCookie)).json<MemberContext>()
    expect(after.follows.map(f => f.guideUserid)).toContain(to)
    expect(after.follows.map(f => f.guideUserid)).not.toContain(from)
    expect(after.tags.map(t => t.id).sort()).toEqual(before.tags.map(t => t.id).sort())
    expect(after.recommendations.items.map(i => i.skuId)).toEqual(before.recommendations.items.map(i => i.skuId))
    expect((await call('GET', `/api/notes?memberId=${member.id}`, toCookie)).json<NoteList>().items.find(n => n.id === note.id)).toMatchObject({ authorUserid: from, mine: false })
    const sends = (await call('GET', `/api/sends?memberId=${member.id}`, toCookie)).json<MemberSendsToday>()
    expect(sends.sends.find(s => s.id === send.id)).toMatchObject({ guideUserid: from })
    const wecomTags = await stack.port.db.select({ taggedBy: memberTags.taggedBy }).from(memberTags).where(and(eq(memberTags.memberId, member.id), eq(memberTags.source, 'wecom'))).all()
    expect(wecomTags.every(t => t.taggedBy !== from)).toBe(true)
    // Corp tags hang on the relation: the old guide's become the new guide's (hers to edit), none stay on the old one.
    const fromsCorpTags = before.tags.filter(t => t.source === 'wecom' && t.mine).map(t => t.id)
    expect(fromsCorpTags.length).toBeGreaterThan(0)
    expect(after.tags.filter(t => t.source === 'wecom' && t.mine).map(t => t.id)).toEqual(expect.arrayContaining(fromsCorpTags))
    const oldRelationTags = await stack.port.db.select({ tagId: followTags.tagId }).from(followTags).where(and(eq(followTags.memberId, member.id), eq(followTags.guideUserid, from))).all()
    expect(oldRelationTags).toEqual([])
  })

  it('a customer who refuses stays with the old guide; the reason is recorded', async () => {
    const [from, to] = guides as [string, string]
    const member = (await customersOf(from))[0]!
    const handover = (await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, memberIds: [member.id] })).json<HandoverDetail>()
    await settle()
    await emulator('transfers/decide', { externalUserid: member.externalUserid, decision: 'refuse' })
    await settle()
    expect((await itemsOf(handover.id))[0]).toMatchObject({ status: 'refused', reason: 'customer_refused' })
    expect((await call('GET', `/api/notes?memberId=${member.id}`, await cookieOf(from))).statusCode).toBe(200)
    const follow = await stack.port.db.select({ status: follows.status }).from(follows).where(and(eq(follows.guideUserid, from), eq(follows.memberId, member.id))).get()
    expect(follow?.status).toBe('active')
  })

  it('the twice-in-90-days rule: the third transfer of a customer fails with its reason, nothing moves', async () => {
    const from = guides[1]!
    const to = guides[7]!
    const member = (await customersOf(from)).at(-1)!
    for (const [a, b] of [[from, to], [to, from]] as const) {
      const h = (await call('POST', '/api/handovers', adminCookie, { fromUserid: a, toUserid: b, memberIds: [member.id] })).json<HandoverDetail>()
      await settle()
      await emulator('transfers/decide', { externalUserid: member.externalUserid, decision: 'accept' })
      await settle()
      expect((await itemsOf(h.id))[0]!.status).toBe('completed')
    }
    const third = (await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, memberIds: [member.id] })).json<HandoverDetail>()
    await settle()
    expect((await itemsOf(third.id))[0]).toMatchObject({ status: 'failed', reason: 'transferred_too_often', errcode: 40128 })
    const follow = await stack.port.db.select({ status: follows.status }).from(follows).where(and(eq(follows.guideUserid, from), eq(follows.memberId, member.id))).get()
    expect(follow?.status).toBe('active')
  })

  it('hands over all customers in batches of 100 and settles them by polling transfer_result after 24 h', async () => {
    const from = guides[2]!
    const to = guides[3]!
    const theirs = await customersOf(from)
    expect(theirs.length).toBeGreaterThan(1)
    const handover = (await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, all: true })).json<HandoverDetail>()
    expect(handover.counts.queued).toBe(theirs.length)
    await settle()
    expect((await itemsOf(handover.id)).every(i => i.status === 'pending')).toBe(true)
    // No events this time: the 24 h pass quietly and the poll job asks WeCom.
    await stack.emulator.callbacks.deliveries.splice(0)
    const url = stack.emulator.state.fixtures.app.callbackUrl
    stack.emulator.state.fixtures.app.callbackUrl = ''
    try {
      await emulator('clock', { advanceSeconds: DAY_SECONDS + 60 })
      await stack.queue.enqueue('handover.poll')
      await settle()
    }
    finally {
      stack.emulator.state.fixtures.app.callbackUrl = url
    }
    const items = await itemsOf(handover.id)
    expect(items.map(i => i.status)).toEqual(theirs.map(() => 'completed'))
    expect(await customersOf(from)).toEqual([])
    const list = (await call('GET', '/api/handovers', adminCookie)).json<HandoverList>()
    expect(list.items.find(h => h.id === handover.id)?.counts).toEqual({ queued: 0, pending: 0, completed: theirs.length, refused: 0, failed: 0 })
    const staffList = (await call('GET', '/api/handover/staff', adminCookie)).json<HandoverStaffList>()
    expect(staffList.items.find(s => s.userid === from)?.activeCustomers).toBe(0)
  })

  it('weCom refusing the call fails the batch with its reason; a transient fault leaves it queued for the retry', async () => {
    const from = guides[4]!
    const to = guides[5]!
    const [member] = await customersOf(from)
    await emulator('faults', { api: '/cgi-bin/externalcontact/transfer_customer', errcode: -1, count: 10 })
    const handover = (await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, memberIds: [member!.id] })).json<HandoverDetail>()
    await expect(submitHandover(stack.port.db, stack.wecom, handover.id, Date.now)).rejects.toThrow(/-1/)
    expect((await itemsOf(handover.id))[0]!.status).toBe('queued')
    await fetch(`${stack.emulator.url}/__emulator/faults`, { method: 'DELETE' })
    await emulator('faults', { api: '/cgi-bin/externalcontact/transfer_customer', errcode: 48002, count: 1 })
    await submitHandover(stack.port.db, stack.wecom, handover.id, Date.now)
    expect((await itemsOf(handover.id))[0]).toMatchObject({ status: 'failed', reason: 'no_permission', errcode: 48002 })
    // Failed is not open: the customer can be handed over again.
    const again = (await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, memberIds: [member!.id] })).json<HandoverDetail>()
    await settle()
    expect((await itemsOf(again.id))[0]!.status).toBe('pending')
    // WeCom forgets it (it never lists the customer): still waiting a day after the expected takeover, then failed.
    const book = transferBook(stack.emulator.state)
    book.transfers = book.transfers.filter(t => t.externalUserid !== member!.externalUserid)
    const expected = (await itemsOf(again.id))[0]!.takeoverAt!
    expect(await pollHandovers(stack.port.db, stack.wecom, () => expected + LOST_AFTER_MS - 1000)).toMatchObject({ lost: 0 })
    expect((await itemsOf(again.id))[0]!.status).toBe('pending')
    expect(await pollHandovers(stack.port.db, stack.wecom, () => expected + LOST_AFTER_MS + 1000)).toMatchObject({ lost: 1 })
    expect((await itemsOf(again.id))[0]).toMatchObject({ status: 'failed', reason: 'wecom_error' })
  })

  it('离职继承: a guide who left is listed by get_unassigned_list and handed over with the resigned APIs', async () => {
    const from = guides[6]!
    const to = guides[0]!
    await emulator('transfers/resign', { userid: from })
    // WeCom's list of unassigned customers is what tells us she left.
    const statusOf = async () => (await stack.port.db.select({ status: staff.status }).from(staff).where(eq(staff.userid, from)).get())?.status
    const unassigned = (await call('GET', '/api/handover/unassigned', adminCookie)).json<UnassignedGuideList>()
    const theirs = await customersOf(from)
    expect(unassigned.items.find(u => u.handoverUserid === from)?.customers).toBe(theirs.length)
    // Listing is a read: the staff row changes only when the handover is created.
    expect(await statusOf()).toBe(1)
    const handover = (await call('POST', '/api/handovers', adminCookie, { fromUserid: from, toUserid: to, all: true })).json<HandoverDetail>()
    expect(handover.kind).toBe('resigned')
    expect(await statusOf()).toBe(5)
    const staffList = (await call('GET', '/api/handover/staff', adminCookie)).json<HandoverStaffList>()
    expect(staffList.items.find(s => s.userid === from)?.resigned).toBe(true)
    await settle()
    await emulator('clock', { advanceSeconds: DAY_SECONDS + 60 })
    // Customers the new guide already had bring no add event: the poll settles them.
    await emulator('transfers/settle', {})
    await stack.queue.enqueue('handover.poll')
    await settle()
    expect((await itemsOf(handover.id)).map(i => i.status)).toEqual(theirs.map(() => 'completed'))
    const calls = (await emulator('calls?path=/cgi-bin/externalcontact/resigned/transfer_customer')).calls as unknown[]
    expect(calls.length).toBeGreaterThan(0)
    const remaining = await stack.port.db.select({ id: follows.memberId }).from(follows).where(and(eq(follows.guideUserid, from), ne(follows.status, 'deleted_by_guide'))).all()
    expect(remaining).toEqual([])
  })
})
