import type { Note, NoteFeed, NoteList } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { and, asc, eq, isNotNull, ne, sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { follows, memberNotes, members, staff, stores } from '../db/schema.ts'

describeEachDialect('member notes', ({ dialect }) => {
  let stack: TestStack
  let guide: { userid: string, storeId: string }
  let memberId: number
  let guideCookie: string
  let otherGuideCookie: string
  let supervisorCookie: string
  let foreignSupervisorCookie: string
  let adminCookie: string

  beforeAll(async () => {
    stack = await startTestStack({ dialect, members: 60 })
    const db = stack.port.db
    const row = (await db.select({ userid: follows.guideUserid, memberId: follows.memberId, storeId: staff.storeId }).from(follows).innerJoin(staff, eq(staff.userid, follows.guideUserid)).where(and(eq(follows.status, 'active'), eq(staff.role, 'guide'), eq(staff.status, 1))).orderBy(asc(follows.guideUserid), asc(follows.memberId)).limit(1).get())!
    guide = { userid: row.userid, storeId: row.storeId! }
    memberId = row.memberId
    // A guide of the same store who does not serve this member.
    const other = (await db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'guide'), eq(staff.status, 1), ne(staff.userid, guide.userid), sql`not exists (select 1 from follows f where f.guide_userid = ${staff.userid} and f.member_id = ${memberId} and f.status = 'active')`)).orderBy(asc(staff.userid)).limit(1).get())!
    const supervisor = (await db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'supervisor'), eq(staff.storeId, guide.storeId))).get())!
    const foreign = (await db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'supervisor'), ne(staff.storeId, guide.storeId), sql`not exists (select 1 from follows f join staff s on s.userid = f.guide_userid where f.member_id = ${memberId} and f.status = 'active' and s.store_id = ${staff.storeId})`)).orderBy(asc(staff.userid)).limit(1).get())!
    guideCookie = await stack.login(guide.userid)
    otherGuideCookie = await stack.login(other.userid)
    supervisorCookie = await stack.login(supervisor.userid)
    foreignSupervisorCookie = await stack.login(foreign.userid)
    adminCookie = await stack.login('admin')
  })
  afterAll(async () => stack?.close())

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, cookie: string | undefined, payload?: unknown) =>
    stack.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(payload === undefined ? {} : { payload: payload as object }) })

  it('a guide writes a note on a member she serves; it is timestamped and attributed', async () => {
    const created = await call('POST', '/api/notes', guideCookie, { memberId, kind: 'size', body: '  上衣 M，裤子 28  ' })
    expect(created.statusCode).toBe(201)
    const note = created.json<Note>()
    expect(note).toMatchObject({ memberId, kind: 'size', body: '上衣 M，裤子 28', authorUserid: guide.userid, mine: true })
    const author = (await stack.port.db.select({ name: staff.name }).from(staff).where(eq(staff.userid, guide.userid)).get())!
    expect(note.authorName).toBe(author.name)
    expect(note.createdAt).toBeGreaterThan(0)

    const list = (await call('GET', `/api/notes?memberId=${memberId}`, guideCookie)).json<NoteList>()
    expect(list.items.map(n => n.id)).toContain(note.id)
    const stored = await stack.port.db.select().from(memberNotes).where(eq(memberNotes.id, note.id)).get()
    expect(stored).toMatchObject({ authorUserid: guide.userid, kind: 'size', body: '上衣 M，裤子 28' })
  })

  it('lists newest first and edits and deletes only her own notes', async () => {
    const first = (await call('POST', '/api/notes', guideCookie, { memberId, kind: 'family', body: '女儿 6 岁' })).json<Note>()
    const second = (await call('POST', '/api/notes', guideCookie, { memberId, kind: 'complaint', body: '上次快递晚了三天' })).json<Note>()
    const ids = (await call('GET', `/api/notes?memberId=${memberId}`, guideCookie)).json<NoteList>().items.map(n => n.id)
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id))

    const edited = await call('PATCH', `/api/notes/${first.id}`, guideCookie, { body: '女儿 7 岁，喜欢粉色' })
    expect(edited.statusCode).toBe(200)
    expect(edited.json<Note>()).toMatchObject({ body: '女儿 7 岁，喜欢粉色', kind: 'family' })

    // The store's supervisor sees the note but may not change it; a guide who does not serve the member cannot see it.
    const notAuthor = await call('PATCH', `/api/notes/${first.id}`, supervisorCookie, { body: 'x' })
    expect(notAuthor.statusCode).toBe(403)
    expect(notAuthor.json()).toMatchObject({ reason: 'note_not_author', message: 'only the author may change or delete a note' })
    expect((await call('DELETE', `/api/notes/${first.id}`, supervisorCookie)).statusCode).toBe(403)
    const notServed = await call('PATCH', `/api/notes/${first.id}`, otherGuideCookie, { body: 'x' })
    expect(notServed.statusCode).toBe(404)
    expect(notServed.json()).toMatchObject({ reason: 'member_not_yours' })
    expect((await call('DELETE', `/api/notes/${first.id}`, otherGuideCookie)).statusCode).toBe(404)

    expect((await call('DELETE', `/api/notes/${first.id}`, guideCookie)).statusCode).toBe(204)
    expect(await stack.port.db.select().from(memberNotes).where(eq(memberNotes.id, first.id)).get()).toBeUndefined()
    const gone = await call('DELETE', `/api/notes/${first.id}`, guideCookie)
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toMatchObject({ reason: 'note_not_found' })
  })

  it('refuses: no session 401, members she does not serve 404, bad input 400 without writing', async () => {
    expect((await call('GET', `/api/notes?memberId=${memberId}`, undefined)).statusCode).toBe(401)
    expect((await call('POST', '/api/notes', undefined, { memberId, kind: 'other', body: 'x' })).statusCode).toBe(401)
    expect((await call('GET', `/api/notes?memberId=${memberId}`, otherGuideCookie)).statusCode).toBe(404)
    expect((await call('POST', '/api/notes', otherGuideCookie, { memberId, kind: 'other', body: '不该写入' })).statusCode).toBe(404)
    expect((await call('GET', `/api/notes?memberId=${memberId}`, foreignSupervisorCookie)).statusCode).toBe(404)
    const before = (await stack.port.db.select({ n: sql<number>`count(*)` }).from(memberNotes).get())!.n
    for (const bad of [
      { memberId, kind: 'size', body: '   ' },
      { memberId, kind: 'shoe', body: '42 码' },
      { memberId, kind: 'size', body: '码'.repeat(1001) },
      { memberId, kind: 'size' },
      { memberId: 0, kind: 'size', body: 'x' },
    ]) {
      const response = await call('POST', '/api/notes', guideCookie, bad)
      expect(response.statusCode, JSON.stringify(bad).slice(0, 60)).toBe(400)
      expect(response.json<{ message: string }>().message).toMatch(/body|kind|memberId/)
    }
    expect((await call('PATCH', '/api/notes/1', guideCookie, {})).statusCode).toBe(400)
    // Too long or blank: refusals the sidebar words itself, with the limit.
    expect((await call('POST', '/api/notes', guideCookie, { memberId, kind: 'size', body: '码'.repeat(1001) })).json()).toMatchObject({ reason: 'text_too_long', params: { max: 1000 } })
    expect((await call('POST', '/api/notes', guideCookie, { memberId, kind: 'size', body: '   ' })).json()).toMatchObject({ reason: 'text_blank' })
    expect((await call('POST', '/api/notes', guideCookie, { memberId, kind: 'shoe', body: '42 码' })).json()).not.toHaveProperty('reason')
    expect((await stack.port.db.select({ n: sql<number>`count(*)` }).from(memberNotes).get())!.n).toBe(before)
    expect((await call('GET', '/api/notes?memberId=999999', adminCookie)).statusCode).toBe(404)
  })

  it('the feed shows a supervisor her stores\' notes, an admin all; guides are refused', async () => {
    const note = (await call('POST', '/api/notes', guideCookie, { memberId, kind: 'event', body: '12 月 20 日生日' })).json<Note>()
    const mine = (await call('GET', '/api/notes/feed', supervisorCookie)).json<NoteFeed>()
    expect(mine.items.find(n => n.id === note.id)).toMatchObject({ memberId, kind: 'event', mine: false })
    expect(mine.total).toBeGreaterThanOrEqual(mine.items.length)
    const foreign = (await call('GET', '/api/notes/feed', foreignSupervisorCookie)).json<NoteFeed>()
    expect(foreign.items.some(n => n.memberId === memberId)).toBe(false)
    const events = (await call('GET', '/api/notes/feed?kind=event', adminCookie)).json<NoteFeed>()
    expect(events.items.length).toBeGreaterThan(0)
    expect(events.items.every(n => n.kind === 'event')).toBe(true)
    const all = await stack.port.db.select({ n: sql<number>`count(*)` }).from(memberNotes).where(eq(memberNotes.kind, 'event')).get()
    expect(events.total).toBe(all!.n)
    expect((await call('GET', '/api/notes/feed', guideCookie)).statusCode).toBe(403)
  })

  it('the feed\'s total and store filter are true to the data', async () => {
    const db = stack.port.db
    // A note on a member of another home store, so the store filter has something to leave out.
    const home = (await db.select({ storeId: members.homeStoreId }).from(members).where(eq(members.id, memberId)).get())!.storeId
    const elsewhere = (await db.select({ id: members.id, storeId: members.homeStoreId }).from(members).where(and(isNotNull(members.homeStoreId), home === null ? undefined : ne(members.homeStoreId, home))).orderBy(asc(members.id)).limit(1).get())!
    expect((await call('POST', '/api/notes', adminCookie, { memberId: elsewhere.id, kind: 'other', body: '门店筛选用' })).statusCode).toBe(201)
    const notes = await db.select({ id: memberNotes.id, memberId: memberNotes.memberId, homeStoreId: members.homeStoreId }).from(memberNotes).innerJoin(members, eq(members.id, memberNotes.memberId)).all()

    // A supervisor: the notes on members a guide of her store actively serves.
    const served = new Set((await db.select({ memberId: follows.memberId }).from(follows).innerJoin(staff, eq(staff.userid, follows.guideUserid)).where(and(eq(staff.storeId, guide.storeId), eq(follows.status, 'active'))).all()).map(r => r.memberId))
    const mine = (await call('GET', '/api/notes/feed', supervisorCookie)).json<NoteFeed>()
    expect(mine.total).toBe(notes.filter(n => served.has(n.memberId)).length)
    expect(mine.items.map(n => n.id).sort((a, b) => a - b)).toEqual(notes.filter(n => served.has(n.memberId)).map(n => n.id).sort((a, b) => a - b))

    // An admin filtering by the member's home store.
    const store = elsewhere.storeId!
    const storeName = (await db.select({ name: stores.name }).from(stores).where(eq(stores.id, store)).get())!.name
    const filtered = (await call('GET', `/api/notes/feed?storeId=${encodeURIComponent(store)}`, adminCookie)).json<NoteFeed>()
    const expected = notes.filter(n => n.homeStoreId === store)
    expect(filtered.total).toBe(expected.length)
    expect(filtered.items.map(n => n.id).sort((a, b) => a - b)).toEqual(expected.map(n => n.id).sort((a, b) => a - b))
    expect(filtered.items.every(n => n.storeName === storeName)).toBe(true)
  })
})
