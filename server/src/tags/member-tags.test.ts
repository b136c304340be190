// memberTagsFor reads the four kinds of a member's tags in one statement: checked against the four separate
// reads it replaced, for many members and viewers with every kind, tie and deleted tag, on both dialects.
import type { MemberTag } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import { and, asc, desc, eq, sql } from 'drizzle-orm'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { computedMemberTags, followPersonalTags, followTags, members, memberTags, staff, stores, tagGroups, tags } from '../db/schema.ts'
import { memberTagsFor } from './follow-tags.ts'

const GUIDES = ['g1', 'g2', 'g3']
const MEMBERS = 30

/** The answer of the four reads memberTagsFor made before they became one statement. */
async function fourReads(db: AsyncDbOrTx, memberId: number, viewer: string): Promise<MemberTag[]> {
  const liveTag = and(eq(tags.deleted, false), eq(tagGroups.deleted, false))
  const tagOrder = [desc(tagGroups.sortOrder), desc(tags.sortOrder), asc(tags.id)] as const
  const corp = await db.select({ id: tags.id, name: tags.name, groupName: tagGroups.name, mine: sql<number>`max(case when ${followTags.guideUserid} = ${viewer} then 1 else 0 end)` })
    .from(followTags)
    .innerJoin(tags, eq(tags.id, followTags.tagId))
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(eq(followTags.memberId, memberId), liveTag))
    .groupBy(tags.id, tags.name, tagGroups.name, tagGroups.sortOrder, tags.sortOrder)
    .orderBy(...tagOrder)
  const personal = await db.select({ groupName: followPersonalTags.groupName, name: followPersonalTags.name })
    .from(followPersonalTags)
    .where(and(eq(followPersonalTags.memberId, memberId), eq(followPersonalTags.guideUserid, viewer)))
    .orderBy(asc(followPersonalTags.groupName), asc(followPersonalTags.name))
  const manual = await db.select({ id: tags.id, name: tags.name, groupName: tagGroups.name, source: memberTags.source })
    .from(memberTags)
    .innerJoin(tags, eq(tags.id, memberTags.tagId))
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(eq(memberTags.memberId, memberId), liveTag))
    .orderBy(...tagOrder)
  const computed = await db.select({ id: tags.id, name: tags.name, groupName: tagGroups.name, explanation: computedMemberTags.explanation })
    .from(computedMemberTags)
    .innerJoin(tags, eq(tags.id, computedMemberTags.tagId))
    .innerJoin(tagGroups, eq(tagGroups.id, tags.groupId))
    .where(and(eq(computedMemberTags.memberId, memberId), liveTag))
    .orderBy(...tagOrder)
  return [
    ...corp.map(t => ({ id: t.id, name: t.name, groupName: t.groupName, source: 'wecom' as const, mine: Number(t.mine) === 1, explanation: null })),
    ...personal.map(t => ({ id: `personal:${t.groupName}/${t.name}`, name: t.name, groupName: t.groupName, source: 'personal' as const, mine: true, explanation: null })),
    ...manual.map(t => ({ id: t.id, name: t.name, groupName: t.groupName, source: t.source === 'computed' ? 'computed' as const : 'manual' as const, mine: false, explanation: null })),
    ...computed.map(t => ({ id: t.id, name: t.name, groupName: t.groupName, source: 'computed' as const, mine: false, explanation: t.explanation })),
  ]
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describeEachDialect('a member\'s tags in one statement', ({ fresh }) => {
  let database: Database
  const memberIds: number[] = []

  beforeAll(async () => {
    database = (await fresh()).database
    const { db } = database
    const next = random(7)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
    await db.insert(stores).values({ id: 'S1', name: '一店', city: '上海', wecomDepartmentId: 1 })
    await db.insert(staff).values(GUIDES.map(userid => ({ userid, name: userid, role: 'guide' as const, storeId: 'S1' })))
    // Groups and tags with equal sort orders (the id breaks the tie), and a deleted group and deleted tags.
    await db.insert(tagGroups).values([
      { id: 'GW1', name: '等级', source: 'wecom', sortOrder: 2 },
      { id: 'GW2', name: '偏好', source: 'wecom', sortOrder: 2 },
      { id: 'GC', name: '消费', source: 'computed', sortOrder: 1 },
      { id: 'GM', name: '手工', source: 'manual', sortOrder: 0 },
      { id: 'GX', name: '已删', source: 'wecom', sortOrder: 9, deleted: true },
    ])
    const tagRows = ['GW1', 'GW2', 'GC', 'GM', 'GX'].flatMap(groupId => Array.from({ length: 5 }, (_, i) => ({ id: `${groupId}-T${i}`, groupId, name: `${groupId}标签${i}`, sortOrder: i % 3, deleted: i === 4 })))
    await db.insert(tags).values(tagRows)
    const tagIds = tagRows.map(t => t.id)
    for (let m = 0; m < MEMBERS; m++) {
      const memberId = (await db.insert(members).values({ name: `会员${m}` }).returning({ id: members.id }).get())!.id
      memberIds.push(memberId)
      const corp = new Set<string>()
      for (let i = Math.floor(next() * 8); i > 0; i--) corp.add(`${pick(GUIDES)}|${pick(tagIds)}`)
      if (corp.size)
        await db.insert(followTags).values([...corp].map(key => ({ guideUserid: key.split('|')[0]!, memberId, tagId: key.split('|')[1]! })))
      const personal = new Set<string>()
      for (let i = Math.floor(next() * 5); i > 0; i--) personal.add(`${pick(GUIDES)}|${pick(['爱好', '家庭', 'A组'])}|${pick(['跑步', '两个孩子', 'b', 'B'])}`)
      if (personal.size)
        await db.insert(followPersonalTags).values([...personal].map(key => key.split('|') as [string, string, string]).map(([guideUserid, groupName, name]) => ({ guideUserid, memberId, groupName, name })))
      const manual = new Set<string>()
      for (let i = Math.floor(next() * 4); i > 0; i--) manual.add(pick(tagIds))
      if (manual.size)
        await db.insert(memberTags).values([...manual].map(tagId => ({ memberId, tagId, source: pick(['manual', 'computed'] as const) })))
      const computed = new Set<string>()
      for (let i = Math.floor(next() * 4); i > 0; i--) computed.add(pick(tagIds))
      if (computed.size)
        await db.insert(computedMemberTags).values([...computed].map(tagId => ({ memberId, tagId, explanation: { key: 'tags.why.spend', params: { amount: Math.floor(next() * 1000), tag: tagId } }, computedAt: 1 })))
    }
  })

  it('answers what the four separate reads answered, for every member and viewer', async () => {
    const { db } = database
    let kindsSeen = new Set<string>()
    for (const memberId of memberIds) {
      for (const viewer of [...GUIDES, 'nobody']) {
        const tagsNow = await memberTagsFor(db, memberId, viewer)
        expect(tagsNow, `member ${memberId} seen by ${viewer}`).toEqual(await fourReads(db, memberId, viewer))
        kindsSeen = new Set([...kindsSeen, ...tagsNow.map(t => `${t.source}:${t.mine}`)])
      }
    }
    // The fixture exercises every kind, both sides of `mine` on corp tags, and manual rows marked computed.
    expect([...kindsSeen].sort()).toEqual(['computed:false', 'manual:false', 'personal:true', 'wecom:false', 'wecom:true'])
  })

  it('leaves out deleted tags and tags of deleted groups', async () => {
    const all = (await Promise.all(memberIds.map(async id => memberTagsFor(database.db, id, 'g1')))).flat()
    expect(all.length).toBeGreaterThan(MEMBERS)
    expect(all.filter(t => t.id.startsWith('GX-') || t.id.endsWith('-T4'))).toEqual([])
  })
})
