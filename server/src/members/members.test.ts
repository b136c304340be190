import type { MemberContext, OrderPage, ReplyGroup } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { fillReplyTemplate } from '@scrm/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'
import { SHANGHAI_OFFSET_MS } from '../lib/china-time.ts'

let stack: TestStack
let guide: string
let guideCookie: string
let ownMember: { id: number, external_userid: string }
let otherMember: { id: number, external_userid: string }

beforeAll(async () => {
  stack = await startTestStack()
  const sqlite = stack.database.sqlite
  // The guide with the most customers, one of them with several orders, and a member they do not serve.
  guide = (sqlite.prepare(`select guide_userid as g from follows where status = 'active' group by guide_userid order by count(*) desc limit 1`).get() as { g: string }).g
  ownMember = sqlite.prepare(`select m.id, m.external_userid from members m join follows f on f.member_id = m.id and f.guide_userid = ? and f.status = 'active'
    where (select count(*) from orders o where o.member_id = m.id) >= 3 order by m.id limit 1`).get(guide) as typeof ownMember
  otherMember = sqlite.prepare(`select m.id, m.external_userid from members m where m.external_userid is not null
    and not exists (select 1 from follows f where f.member_id = m.id and f.guide_userid = ?) order by m.id limit 1`).get(guide) as typeof otherMember
  guideCookie = await stack.login(guide)
})
afterAll(async () => stack?.close())

function context(externalUserId: string, cookie: string, extra = '') {
  return stack.app.inject({ method: 'GET', url: `/api/members/context?externalUserId=${externalUserId}${extra}`, headers: { cookie } })
}

describe('member context', () => {
  it('returns profile, follows, tags, totals, newest-first orders and the reply variables in one request', async () => {
    const res = await context(ownMember.external_userid, guideCookie, '&orderLimit=2')
    expect(res.statusCode).toBe(200)
    const body = res.json() as MemberContext
    expect(body.member.id).toBe(ownMember.id)
    expect(body.follows.some(f => f.guideUserid === guide && f.isMe)).toBe(true)
    expect(body.orders.orders).toHaveLength(2)
    expect(body.orders.orders[0]!.paidAt).toBeGreaterThanOrEqual(body.orders.orders[1]!.paidAt)
    expect(body.orders.nextCursor).not.toBeNull()
    expect(body.orders.orders[0]!.lines.length).toBeGreaterThan(0)
    const dbTotals = stack.database.sqlite.prepare(`select count(*) n, sum(paid_amount - refunded_amount) net from orders where member_id = ? and status != 'cancelled'`).get(ownMember.id) as { n: number, net: number }
    expect(body.totals.orderCount).toBe(dbTotals.n)
    expect(body.totals.netAmount).toBe(dbTotals.net)
    expect(body.totals.byPlatform.reduce((s, p) => s + p.orderCount, 0)).toBe(dbTotals.n)
    // The sidebar fills the library (loaded once per session) with the context's variables.
    const groups = (await stack.app.inject({ method: 'GET', url: '/api/reply-groups?withReplies=true', headers: { cookie: guideCookie } })).json() as ReplyGroup[]
    const filled = groups.flatMap(g => g.replies!.map(r => fillReplyTemplate(r.content, body.replyVariables)))
    expect(filled.length).toBeGreaterThan(10)
    expect(filled.filter(content => /\{\{|\}\}/.test(content))).toEqual([])
    // Each variable read independently: 称呼 is the first word of the guide's remark (else the name); the guide and
    // store are the caller's; 最近购买 is the largest line of the latest paid order.
    const sqlite = stack.database.sqlite
    const me = sqlite.prepare(`select f.remark, m.name, m.level, s.name as guide, st.name as store from follows f join members m on m.id = f.member_id
      join staff s on s.userid = f.guide_userid left join stores st on st.id = s.store_id where f.member_id = ? and f.guide_userid = ?`).get(ownMember.id, guide) as { remark: string | null, name: string, level: string | null, guide: string, store: string | null }
    const last = sqlite.prepare(`select p.name, o.paid_at from orders o join order_lines l on l.order_id = o.id join products p on p.sku_id = l.sku_id
      where o.member_id = ? and o.status in ('paid', 'shipped', 'completed') order by o.paid_at desc, o.id desc, l.amount desc, l.id limit 1`).get(ownMember.id) as { name: string, paid_at: number } | undefined
    const day = last ? new Date(last.paid_at + SHANGHAI_OFFSET_MS) : undefined
    expect(body.replyVariables).toEqual({
      称呼: me.remark?.split(/\s/)[0] || me.name,
      导购: me.guide,
      门店: me.store ?? '',
      最近购买: last?.name ?? '',
      最近购买日期: day ? `${day.getUTCMonth() + 1}月${day.getUTCDate()}日` : '',
      会员等级: me.level ?? '',
    })
    expect(body.replyVariables.最近购买).not.toBe('')
  })

  it('names the same 最近购买 whether her newest orders hold it or a read past them is needed', async () => {
    const sqlite = stack.database.sqlite
    const served = sqlite.prepare(`select m.id, m.external_userid from members m join follows f on f.member_id = m.id and f.guide_userid = ? and f.status = 'active'
      where exists (select 1 from orders o where o.member_id = m.id and o.status = 'completed') order by m.id limit 30`).all(guide) as { id: number, external_userid: string }[]
    // Two of them last ordered something they cancelled or returned: their newest order names no purchase.
    const newest = sqlite.prepare(`select max(paid_at) as t from orders`).get() as { t: number }
    const sku = sqlite.prepare(`select sku_id, spu_id from products limit 1`).get() as { sku_id: string, spu_id: string }
    served.slice(0, 2).forEach((member, i) => {
      const status = i === 0 ? 'cancelled' : 'refunded'
      const { lastInsertRowid } = sqlite.prepare(`insert into orders (platform, order_no, member_id, status, total_amount, paid_amount, refunded_amount, paid_at) values ('jd', ?, ?, ?, 9900, 9900, ?, ?)`)
        .run(`undone-${member.id}`, member.id, status, status === 'refunded' ? 9900 : 0, newest.t + 1000)
      sqlite.prepare(`insert into order_lines (order_id, sku_id, spu_id, quantity, unit_price, amount) values (?, ?, ?, 1, 9900, 9900)`).run(lastInsertRowid, sku.sku_id, sku.spu_id)
    })
    const lastOf = sqlite.prepare(`select p.name from orders o join order_lines l on l.order_id = o.id join products p on p.sku_id = l.sku_id
      where o.member_id = ? and o.status in ('paid', 'shipped', 'completed') order by o.paid_at desc, o.id desc, l.amount desc, l.id limit 1`)
    for (const member of served) {
      const expected = (lastOf.get(member.id) as { name: string } | undefined)?.name
      expect(expected).toBeDefined()
      for (const orderLimit of [1, 10]) {
        const body = (await context(member.external_userid, guideCookie, `&orderLimit=${orderLimit}`)).json() as MemberContext
        expect(body.replyVariables.最近购买, `member ${member.id}, orderLimit ${orderLimit}`).toBe(expected)
      }
    }
  })

  it('pages through all orders with the cursor, without gaps or repeats', async () => {
    const all = stack.database.sqlite.prepare(`select id from orders where member_id = ? order by paid_at desc, id desc`).all(ownMember.id) as { id: number }[]
    const seen: number[] = []
    let cursor: string | null = ''
    while (cursor !== null) {
      const res = await stack.app.inject({ method: 'GET', url: `/api/orders?memberId=${ownMember.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: { cookie: guideCookie } })
      expect(res.statusCode).toBe(200)
      const page = res.json() as OrderPage
      seen.push(...page.orders.map(o => o.id))
      cursor = page.nextCursor
    }
    expect(seen).toEqual(all.map(o => o.id))
  })

  it('404s for a member the guide does not serve, exactly like an unknown one', async () => {
    const notMine = await context(otherMember.external_userid, guideCookie)
    const unknown = await context('wmDoesNotExist000000000000', guideCookie)
    expect(notMine.statusCode).toBe(404)
    expect(unknown.statusCode).toBe(404)
    const orders = await stack.app.inject({ method: 'GET', url: `/api/orders?memberId=${otherMember.id}`, headers: { cookie: guideCookie } })
    expect(orders.statusCode).toBe(404)
  })

  it('lets a supervisor see members of their own store only', async () => {
    const sqlite = stack.database.sqlite
    const guideStore = (sqlite.prepare('select store_id as s from staff where userid = ?').get(guide) as { s: string }).s
    const supervisor = (sqlite.prepare(`select userid from staff where role = 'supervisor' and store_id = ? and status = 1`).get(guideStore) as { userid: string }).userid
    const foreignSupervisor = (sqlite.prepare(`select userid from staff where role = 'supervisor' and store_id != ? and status = 1`).get(guideStore) as { userid: string }).userid
    const mine = await context(ownMember.external_userid, await stack.login(supervisor))
    expect(mine.statusCode).toBe(200)
    const servedElsewhere = sqlite.prepare(`select count(*) n from follows f join staff s on s.userid = f.guide_userid where f.member_id = ? and s.store_id != ?`).get(ownMember.id, guideStore) as { n: number }
    if (servedElsewhere.n === 0) {
      const foreign = await context(ownMember.external_userid, await stack.login(foreignSupervisor))
      expect(foreign.statusCode).toBe(404)
    }
  })

  it('400s on bad input, naming the field', async () => {
    const badId = await context('wm<script>', guideCookie)
    expect(badId.statusCode).toBe(400)
    expect(badId.json().message).toMatch(/externalUserId/)
    const badLimit = await context(ownMember.external_userid, guideCookie, '&orderLimit=500')
    expect(badLimit.statusCode).toBe(400)
    expect(badLimit.json().message).toMatch(/orderLimit/)
    const missing = await stack.app.inject({ method: 'GET', url: '/api/members/context', headers: { cookie: guideCookie } })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toMatch(/externalUserId/)
  })

  it('lists only the guide\'s own customers', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/members?limit=100', headers: { cookie: guideCookie } })
    expect(res.statusCode).toBe(200)
    const body = res.json() as { items: { id: number, lastPaidAt: number | null }[], total: number }
    const expected = stack.database.sqlite.prepare(`select count(*) n from follows f join members m on m.id = f.member_id where f.guide_userid = ? and f.status = 'active' and m.external_userid is not null`).get(guide) as { n: number }
    expect(body.total).toBe(expected.n)
    expect(body.items.some(m => m.id === otherMember.id)).toBe(false)
    const first = body.items[0]!
    const lastPaid = stack.database.sqlite.prepare('select max(paid_at) t from orders where member_id = ?').get(first.id) as { t: number | null }
    expect(first.lastPaidAt).toBe(lastPaid.t)
    const newestAmongMine = stack.database.sqlite.prepare(`select max(o.paid_at) t from orders o join follows f on f.member_id = o.member_id and f.guide_userid = ? and f.status = 'active'`).get(guide) as { t: number }
    expect(first.lastPaidAt).toBe(newestAmongMine.t)
  })

  it('searches the guide\'s customers by name, remark or exact external_userid, with LIKE wildcards taken literally', async () => {
    const search = async (q: string) => {
      const res = await stack.app.inject({ method: 'GET', url: `/api/members?limit=100&q=${encodeURIComponent(q)}`, headers: { cookie: guideCookie } })
      expect(res.statusCode).toBe(200)
      return (res.json() as { items: { id: number }[] }).items.map(m => m.id)
    }
    const own = stack.database.sqlite.prepare('select m.name, f.remark from members m join follows f on f.member_id = m.id and f.guide_userid = ? where m.id = ?').get(guide, ownMember.id) as { name: string, remark: string | null }
    expect(await search(own.name)).toContain(ownMember.id)
    if (own.remark)
      expect(await search(own.remark)).toContain(ownMember.id)
    expect(await search(ownMember.external_userid)).toEqual([ownMember.id])
    // Someone else's customer stays invisible even by exact id.
    expect(await search(otherMember.external_userid)).toEqual([])
    expect(await search('%')).toEqual([])
    expect(await search('_')).toEqual([])
  })
})
