import type { CorpTagTree, ManagedCorpTagTree } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import type { OrderedItem } from './corp-admin.ts'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { follows, followTags, tags } from '../db/schema.ts'
import { HttpError } from '../plugins/errors.ts'
import { WecomApiError } from '../wecom/errors.ts'
import { moveCorpTag, planMove } from './corp-admin.ts'

describe('planMove', () => {
  const item = (id: string, order: number, editable = true): OrderedItem => ({ id, name: id, order, editable })
  /** The list after the move, as it sorts (order desc, then id). */
  const move = (current: OrderedItem[], id: string, direction: 'up' | 'down') => {
    const edits = new Map(planMove(current, id, direction).map(e => [e.id, e.order]))
    return current.map(i => ({ ...i, order: edits.get(i.id) ?? i.order }))
      .sort((a, b) => b.order - a.order || a.id.localeCompare(b.id))
      .map(i => i.id)
  }
  const refusal = (current: OrderedItem[], id: string, direction: 'up' | 'down') => {
    try {
      planMove(current, id, direction)
    }
    catch (err) {
      return err instanceof HttpError ? { status: err.statusCode, message: err.message } : undefined
    }
  }

  it('moves one place with as few edits as it can', () => {
    const current = [item('a', 3), item('b', 2), item('c', 1)]
    expect(planMove(current, 'b', 'down')).toEqual([{ id: 'b', order: 0 }])
    expect(move(current, 'c', 'up')).toEqual(['a', 'c', 'b'])
    expect(move(current, 'a', 'down')).toEqual(['b', 'a', 'c'])
    expect(planMove(current, 'a', 'up')).toEqual([])
    expect(planMove(current, 'c', 'down')).toEqual([])
    // Equal orders (tags made without one) are spread out so the new order holds.
    expect(move([item('a', 0), item('b', 0), item('c', 0)], 'c', 'up')).toEqual(['a', 'c', 'b'])
  })

  it('leaves read-only items\' order as it is and skips past them to the nearest place with room', () => {
    const locked = [item('x', 10, false), item('a', 5), item('y', 4, false), item('b', 0)]
    expect(move(locked, 'a', 'up')).toEqual(['a', 'x', 'y', 'b'])
    expect(planMove(locked, 'a', 'up')).toEqual([{ id: 'a', order: 11 }])
    expect(move(locked, 'b', 'up')).toEqual(['x', 'a', 'b', 'y'])
    // No integer between 4 and 3: down from the top goes below both read-only items.
    const tight = [item('a', 9), item('x', 4, false), item('y', 3, false)]
    expect(move(tight, 'a', 'down')).toEqual(['x', 'y', 'a'])
    expect(planMove(tight, 'a', 'down')).toEqual([{ id: 'a', order: 2 }])
  })

  it('refuses to move a read-only item, or where there is no room, naming why', () => {
    const locked = [item('x', 5, false), item('a', 4), item('y', 0, false)]
    expect(refusal(locked, 'x', 'down')).toMatchObject({ status: 409, message: expect.stringContaining('「x」') })
    // Below y there is no order left (y is 0), above x there is: up works, down does not.
    expect(move(locked, 'a', 'up')).toEqual(['a', 'x', 'y'])
    expect(refusal(locked, 'a', 'down')).toMatchObject({ status: 409, message: expect.stringContaining('no room to move 「a」 down') })
  })
})

describeEachDialect('corp tag library', ({ dialect }) => {
  let stack: TestStack
  let admin: string
  let guideCookie: string
  let supervisorCookie: string
  let guide: string

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object, cookie = admin) =>
    stack.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) })
  const tree = async () => (await call('GET', '/api/corp-tags')).json() as ManagedCorpTagTree
  const groupNamed = async (name: string) => (await tree()).groups.find(g => g.name === name)
  const emulatorGroup = (groupId: string) => stack.emulator.state.fixtures.tagGroups.find(g => g.groupId === groupId)
  const emulatorTag = (tagId: string) => stack.emulator.state.fixtures.tagGroups.flatMap(g => g.tags).find(t => t.id === tagId)
  const wecomWrites = () => stack.emulator.state.calls.filter(c => /\/(?:add|edit|del)_corp_tag$/.test(c.path)).length
  /** The first read-only group (made in the admin console) with its tags. */
  const lockedGroup = async () => (await tree()).groups.find(g => !g.editable && g.tags.every(t => !t.editable))!

  beforeAll(async () => {
    stack = await startTestStack({ dialect, members: 40 })
    const sqlite = stack.database.sqlite
    const adminId = (sqlite.prepare(`select userid from staff where role = 'admin' limit 1`).get() as { userid: string }).userid
    guide = (sqlite.prepare(`select guide_userid g from follows where status = 'active' group by guide_userid order by count(*) desc limit 1`).get() as { g: string }).g
    const supervisor = (sqlite.prepare(`select userid from staff where role = 'supervisor' limit 1`).get() as { userid: string }).userid
    admin = await stack.login(adminId)
    guideCookie = await stack.login(guide)
    supervisorCookie = await stack.login(supervisor)
  }, 120_000)
  afterAll(async () => stack?.close())

  it('creates a group with tags in WeCom, stores WeCom\'s ids and shows it at the top, editable, to admins and guides', async () => {
    const res = await call('POST', '/api/corp-tags/groups', { name: ' 到店偏好 ', tags: ['周末到店', '工作日到店'] })
    expect(res.statusCode).toBe(201)
    const [top] = (res.json() as ManagedCorpTagTree).groups
    expect(top).toMatchObject({ name: '到店偏好', editable: true, tags: [{ name: '周末到店', editable: true }, { name: '工作日到店', editable: true }] })
    const inWecom = emulatorGroup(top!.id)!
    expect(inWecom.createdByAgentId).toBe(stack.fixtures.app.agentId)
    expect(inWecom.tags.map(t => t.id).sort()).toEqual(top!.tags.map(t => t.id).sort())
    expect(top!.order).toBe(inWecom.order)

    const guideView = (await call('GET', '/api/tags/corp', undefined, guideCookie)).json() as CorpTagTree
    expect(guideView.groups[0]).toEqual({ id: top!.id, name: '到店偏好', tags: top!.tags.map(t => ({ id: t.id, name: t.name })) })
  })

  it('adds a tag to a read-only group: the tag is the app\'s, the group stays read-only', async () => {
    const locked = await lockedGroup()
    const res = await call('POST', `/api/corp-tags/groups/${locked.id}/tags`, { name: '新品控' })
    expect(res.statusCode).toBe(201)
    const group = (res.json() as ManagedCorpTagTree).groups.find(g => g.id === locked.id)!
    expect(group.editable).toBe(false)
    expect(group.tags[0]).toMatchObject({ name: '新品控', editable: true })
    expect(emulatorTag(group.tags[0]!.id)).toMatchObject({ name: '新品控', createdByAgentId: stack.fixtures.app.agentId })
  })

  it('renames a tag and a group in WeCom and here', async () => {
    const group = (await groupNamed('到店偏好'))!
    const tag = group.tags[1]!
    expect((await call('PATCH', `/api/corp-tags/tags/${tag.id}`, { name: '工作日午间' })).statusCode).toBe(200)
    expect(emulatorTag(tag.id)!.name).toBe('工作日午间')
    const renamed = await call('PATCH', `/api/corp-tags/groups/${group.id}`, { name: '到店时段' })
    expect(renamed.statusCode).toBe(200)
    expect((renamed.json() as ManagedCorpTagTree).groups.find(g => g.id === group.id)).toMatchObject({ name: '到店时段', tags: [{ name: '周末到店' }, { name: '工作日午间' }] })
    expect(emulatorGroup(group.id)!.groupName).toBe('到店时段')
  })

  it('moves tags and groups up and down: WeCom\'s order values and the list agree', async () => {
    const group = (await groupNamed('到店时段'))!
    const [first, second] = group.tags
    const res = await call('POST', `/api/corp-tags/tags/${second!.id}/move`, { direction: 'up' })
    expect(res.statusCode).toBe(200)
    const after = (res.json() as ManagedCorpTagTree).groups.find(g => g.id === group.id)!
    expect(after.tags.map(t => t.id)).toEqual([second!.id, first!.id])
    for (const t of after.tags)
      expect(emulatorTag(t.id)!.order).toBe(t.order)

    // Down from the top: past the read-only groups, whose consecutive orders leave no room in between.
    const moved = await call('POST', `/api/corp-tags/groups/${group.id}/move`, { direction: 'down' })
    expect(moved.statusCode).toBe(200)
    const groups = (moved.json() as ManagedCorpTagTree).groups
    expect(groups.map(g => g.id).indexOf(group.id)).toBeGreaterThan(0)
    expect(emulatorGroup(group.id)!.order).toBe(groups.find(g => g.id === group.id)!.order)
    const up = await call('POST', `/api/corp-tags/groups/${group.id}/move`, { direction: 'up' })
    expect((up.json() as ManagedCorpTagTree).groups.map(g => g.id).indexOf(group.id)).toBeLessThan(groups.map(g => g.id).indexOf(group.id))
    expect((await call('POST', `/api/corp-tags/groups/${group.id}/move`, { direction: 'sideways' })).statusCode).toBe(400)
  })

  it('deletes a tag: gone in WeCom, from every follow relation here, and a group with its last tag', async () => {
    const group = (await groupNamed('到店时段'))!
    const [first, second] = group.tags
    const member = (await stack.port.db.select({ id: follows.memberId }).from(follows).where(and(eq(follows.guideUserid, guide), eq(follows.status, 'active'))).limit(1).get())!
    await stack.port.db.insert(followTags).values({ guideUserid: guide, memberId: member.id, tagId: first!.id, createdAt: 1 })

    const res = await call('DELETE', `/api/corp-tags/tags/${first!.id}`)
    expect(res.statusCode).toBe(200)
    expect(emulatorTag(first!.id)!.deleted).toBe(true)
    expect(await stack.port.db.select().from(followTags).where(eq(followTags.tagId, first!.id))).toEqual([])
    expect((res.json() as ManagedCorpTagTree).groups.find(g => g.id === group.id)!.tags.map(t => t.id)).toEqual([second!.id])

    expect((await call('DELETE', `/api/corp-tags/tags/${second!.id}`)).statusCode).toBe(200)
    expect(emulatorGroup(group.id)!.deleted).toBe(true)
    expect(await groupNamed('到店时段')).toBeUndefined()
    expect(((await call('GET', '/api/tags/corp', undefined, guideCookie)).json() as CorpTagTree).groups.some(g => g.id === group.id)).toBe(false)
  })

  it('deletes a whole group of the app\'s', async () => {
    const created = ((await call('POST', '/api/corp-tags/groups', { name: '临时活动', tags: ['双11'] })).json() as ManagedCorpTagTree).groups[0]!
    const res = await call('DELETE', `/api/corp-tags/groups/${created.id}`)
    expect(res.statusCode).toBe(200)
    expect(emulatorGroup(created.id)!.deleted).toBe(true)
    expect(await stack.port.db.select({ deleted: tags.deleted }).from(tags).where(eq(tags.groupId, created.id))).toEqual([{ deleted: true }])
  })

  it('refuses to rename, delete or reorder tags created outside the app, naming why, without asking WeCom', async () => {
    const locked = await lockedGroup()
    const before = wecomWrites()
    for (const res of [
      await call('PATCH', `/api/corp-tags/tags/${locked.tags[0]!.id}`, { name: '改名' }),
      await call('DELETE', `/api/corp-tags/tags/${locked.tags[0]!.id}`),
      await call('PATCH', `/api/corp-tags/groups/${locked.id}`, { name: '改名' }),
      await call('DELETE', `/api/corp-tags/groups/${locked.id}`),
      await call('POST', `/api/corp-tags/tags/${locked.tags[1]!.id}/move`, { direction: 'up' }),
      await call('POST', `/api/corp-tags/groups/${locked.id}/move`, { direction: 'down' }),
    ]) {
      expect(res.statusCode).toBe(409)
      expect(res.json()).toMatchObject({ error: 'CORP_TAG_READ_ONLY', message: expect.stringMatching(/「.+」 was created in the WeCom admin console or by another app/) })
    }
    expect(wecomWrites()).toBe(before)
    expect(await lockedGroup()).toEqual(locked)
  })

  it('answers 403 to guides and supervisors, 401 without a session', async () => {
    const locked = await lockedGroup()
    for (const cookie of [guideCookie, supervisorCookie]) {
      expect((await call('GET', '/api/corp-tags', undefined, cookie)).statusCode).toBe(403)
      expect((await call('POST', '/api/corp-tags/groups', { name: '越权', tags: ['x'] }, cookie)).statusCode).toBe(403)
      expect((await call('POST', `/api/corp-tags/groups/${locked.id}/tags`, { name: '越权' }, cookie)).statusCode).toBe(403)
      expect((await call('DELETE', `/api/corp-tags/tags/${locked.tags[0]!.id}`, undefined, cookie)).statusCode).toBe(403)
    }
    expect((await stack.app.inject({ method: 'GET', url: '/api/corp-tags' })).statusCode).toBe(401)
    expect(await groupNamed('越权')).toBeUndefined()
  })

  it('refuses bad input with a 400 naming the field', async () => {
    const locked = await lockedGroup()
    const cases: [string, string, object, string][] = [
      ['POST', '/api/corp-tags/groups', { name: '', tags: ['a'] }, 'name'],
      ['POST', '/api/corp-tags/groups', { name: '   ', tags: ['a'] }, 'name'],
      ['POST', '/api/corp-tags/groups', { name: '组'.repeat(31), tags: ['a'] }, 'name'],
      ['POST', '/api/corp-tags/groups', { name: '新组', tags: [] }, 'tags'],
      ['POST', '/api/corp-tags/groups', { name: '新组', tags: ['甲', ' 甲'] }, 'tags'],
      ['POST', `/api/corp-tags/groups/${locked.id}/tags`, { name: locked.tags[0]!.name }, 'name'],
      ['POST', `/api/corp-tags/groups/${locked.id}/tags`, { name: '签'.repeat(31) }, 'name'],
    ]
    const before = wecomWrites()
    for (const [method, url, payload, field] of cases) {
      const res = await call(method as 'POST', url, payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json().message).toContain(field)
    }
    // An existing group name would make WeCom append to that group: refused.
    const exists = await call('POST', '/api/corp-tags/groups', { name: locked.name, tags: ['甲'] })
    expect(exists.statusCode).toBe(409)
    expect(exists.json()).toMatchObject({ error: 'CORP_TAG_NAME_TAKEN', message: expect.stringContaining('name') })
    expect((await call('POST', `/api/corp-tags/groups/${locked.id}/tags`, { name: locked.tags[0]!.name })).json().error).toBe('CORP_TAG_NAME_TAKEN')
    expect(wecomWrites()).toBe(before)
    expect((await call('POST', '/api/corp-tags/groups/etNoSuchGroup/tags', { name: '甲' })).statusCode).toBe(404)
  })

  it('a WeCom failure leaves nothing changed here', async () => {
    const created = ((await call('POST', '/api/corp-tags/groups', { name: '故障测试', tags: ['甲', '乙'] })).json() as ManagedCorpTagTree).groups[0]!
    const before = await tree()
    // The emulator replaces its fault list as faults are used: add through it.
    const fault = (api: string, errcode: number) => stack.emulator.state.addFault({ api: `/cgi-bin/externalcontact/${api}`, errcode, count: 1 })
    fault('add_corp_tag', -1)
    expect((await call('POST', '/api/corp-tags/groups', { name: '不会有', tags: ['甲'] })).statusCode).toBe(503)
    fault('add_corp_tag', 45009)
    expect((await call('POST', `/api/corp-tags/groups/${created.id}/tags`, { name: '丙' })).statusCode).toBe(503)
    fault('edit_corp_tag', 45009)
    expect((await call('PATCH', `/api/corp-tags/tags/${created.tags[0]!.id}`, { name: '丁' })).statusCode).toBe(503)
    fault('del_corp_tag', 60020)
    expect((await call('DELETE', `/api/corp-tags/groups/${created.id}`)).statusCode).toBe(502)
    expect(await tree()).toEqual(before)
    expect(emulatorGroup(created.id)!.tags.map(t => t.name)).toEqual(['甲', '乙'])
  })

  it('a move that WeCom refuses halfway keeps what WeCom did accept, so the two still agree', async () => {
    const created = ((await call('POST', '/api/corp-tags/groups', { name: '半途', tags: ['甲', '乙'] })).json() as ManagedCorpTagTree).groups[0]!
    const yi = created.tags[1]
    // Moving 乙 above 甲 (orders 1, 0) takes two edits: 乙 to 1, then 甲 to 0; the second fails.
    let edits = 0
    const wecom = { ...stack.wecom, editCorpTag: async (input: { id: string, order?: number }) => {
      if (++edits === 2)
        throw new WecomApiError({ errcode: 45009, errmsg: 'api freq out of limit', api: '/cgi-bin/externalcontact/edit_corp_tag' })
      return stack.wecom.editCorpTag(input)
    } }
    const session = { userid: 'admin', role: 'admin' as const, storeId: null, exp: 0 }
    await expect(moveCorpTag({ db: stack.port.db, wecom, now: Date.now }, session, yi!.id, 'up')).rejects.toThrow(WecomApiError)
    const group = (await tree()).groups.find(g => g.id === created.id)!
    expect(group.tags.find(t => t.id === yi!.id)!.order).toBe(1)
    for (const t of group.tags)
      expect(emulatorTag(t.id)!.order).toBe(t.order)
  })

  it('takes WeCom\'s word when a tag this app made was deleted there meanwhile (40068): 409 and the list refreshed', async () => {
    const created = ((await call('POST', '/api/corp-tags/groups', { name: '后台删了', tags: ['甲', '乙'] })).json() as ManagedCorpTagTree).groups[0]!
    emulatorTag(created.tags[0]!.id)!.deleted = true
    const res = await call('PATCH', `/api/corp-tags/tags/${created.tags[0]!.id}`, { name: '丙' })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: 'CORP_TAG_GONE', message: expect.stringContaining('40068') })
    expect((await tree()).groups.find(g => g.id === created.id)!.tags.map(t => t.id)).toEqual([created.tags[1]!.id])
  })
})
