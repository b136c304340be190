import type { ManagedReply, ManagedReplyList, MemberContext, ReplyGroup, ReplyImportReport, ReplyPreview, SendRecord } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { randomUUID } from 'node:crypto'
import { fillReplyTemplate, replyVariableList } from '@scrm/shared'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { REPLY_GROUPS } from '../../demo/catalog.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { startTestStack, TEST_PUBLIC_URL } from '../../testing/harness.ts'

async function xlsx(rows: string[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('话术')
  for (const row of rows) sheet.addRow(row)
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

describeEachDialect('scripted replies', ({ dialect }) => {
  let stack: TestStack
  let baseUrl: string
  let admin: string
  let guide: string
  let supervisor: string
  let guideUserid: string
  let guideStore: string
  let otherStore: string
  let otherStoreName: string
  let member: { id: number, externalUserid: string, name: string }
  let otherMemberId: number
  let lastItem: string

  beforeAll(async () => {
    stack = await startTestStack({ dialect })
    baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
    const sqlite = stack.database.sqlite
    // A guide's member who has bought something; 称呼 is the first word of the guide's remark, else the name.
    const row = sqlite.prepare(`select f.guide_userid g, m.id, m.external_userid x, coalesce(f.remark, m.name) n, s.store_id st from follows f join members m on m.id = f.member_id join staff s on s.userid = f.guide_userid
      where f.status = 'active' and m.external_userid is not null and exists (select 1 from orders o where o.member_id = m.id and o.status in ('paid', 'shipped', 'completed')) order by f.guide_userid, m.id limit 1`).get() as { g: string, id: number, x: string, n: string, st: string }
    guideUserid = row.g
    guideStore = row.st
    member = { id: row.id, externalUserid: row.x, name: row.n.split(/\s/)[0]! }
    otherMemberId = (sqlite.prepare(`select id from members m where not exists (select 1 from follows f where f.member_id = m.id and f.guide_userid = ?) order by id limit 1`).get(row.g) as { id: number }).id
    const other = sqlite.prepare(`select id, name from stores where id != ? order by id limit 1`).get(guideStore) as { id: string, name: string }
    otherStore = other.id
    otherStoreName = other.name
    // Written independently of the service: the largest line of the latest paid order.
    lastItem = (sqlite.prepare(`select p.name from orders o join order_lines l on l.order_id = o.id join products p on p.sku_id = l.sku_id
      where o.member_id = ? and o.status in ('paid', 'shipped', 'completed') order by o.paid_at desc, o.id desc, l.amount desc, l.id limit 1`).get(member.id) as { name: string }).name
    const supervisorId = (sqlite.prepare(`select userid from staff where role = 'supervisor' and store_id = ?`).get(guideStore) as { userid: string }).userid
    ;[admin, guide, supervisor] = await Promise.all([stack.login('admin'), stack.login(row.g), stack.login(supervisorId)])
  })
  afterAll(async () => stack?.close())

  const call = (method: string, path: string, cookie: string, body?: unknown) => fetch(`${baseUrl}${path}`, {
    method,
    headers: { cookie, origin: TEST_PUBLIC_URL, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const importFile = (cookie: string, bytes: Buffer, name: string, query = '') => {
    const form = new FormData()
    form.append('file', new Blob([bytes]), name)
    return fetch(`${baseUrl}/api/replies/import${query}`, { method: 'POST', headers: { cookie, origin: TEST_PUBLIC_URL }, body: form })
  }
  const replyCount = async () => (await (await call('GET', '/api/replies?limit=500', admin)).json() as ManagedReplyList).total
  const group = async (name: string) => (await (await call('POST', '/api/reply-groups', admin, { name })).json() as ReplyGroup).id
  // What the sidebar shows: the session's library (templates, loaded once) filled with the chat's variables.
  const sidebarReplies = async () => {
    const groups = await (await call('GET', '/api/reply-groups?withReplies=true', guide)).json() as ReplyGroup[]
    const context = await (await call('GET', `/api/members/context?externalUserId=${member.externalUserid}`, guide)).json() as MemberContext
    // The count the library shows per group is the number of replies the guide gets in it.
    expect(groups.map(g => g.replyCount)).toEqual(groups.map(g => g.replies!.length))
    return groups.flatMap(g => g.replies!.map(r => ({ ...r, content: fillReplyTemplate(r.content, context.replyVariables) })))
  }

  it('needs a session on every route (401); guides cannot manage (403)', async () => {
    const manage: [string, string, unknown?][] = [
      ['GET', '/api/replies'],
      ['GET', '/api/replies/export?format=csv'],
      ['POST', '/api/replies', { groupId: 1, title: 'x', content: 'x' }],
      ['PUT', '/api/replies/1', { groupId: 1, title: 'x', content: 'x' }],
      ['DELETE', '/api/replies/1'],
      ['POST', '/api/reply-groups', { name: 'x' }],
      ['PUT', '/api/reply-groups/1', { name: 'x' }],
      ['DELETE', '/api/reply-groups/1'],
    ]
    for (const [method, path, body] of manage) {
      expect([method, path, (await call(method, path, guide, body)).status]).toEqual([method, path, 403])
      expect([method, path, (await call(method, path, '', body)).status]).toEqual([method, path, 401])
    }
    expect((await call('POST', '/api/replies/preview', '', { content: 'x' })).status).toBe(401)
    expect((await call('GET', '/api/reply-groups', '')).status).toBe(401)
    expect((await importFile('', await xlsx([['分组', '标题', '内容'], ['a', 'b', 'c']]), 'x.xlsx')).status).toBe(401)
    expect((await importFile(guide, await xlsx([['分组', '标题', '内容'], ['a', 'b', 'c']]), 'x.xlsx')).status).toBe(403)
    expect((await call('POST', '/api/reply-groups', supervisor, { name: '店长建组' })).status).toBe(403)
  })

  it('without a configured mini-program, product cards stay link cards (materials settings)', async () => {
    const skuId = (stack.database.sqlite.prepare('select sku_id s from products where miniprogram_page is not null limit 1').get() as { s: string }).s
    expect(await (await call('GET', '/api/materials/settings', guide)).json()).toEqual({ miniprogramAppid: null, productCards: 'link' })
    expect(await (await call('GET', `/api/materials/product-card?skuId=${skuId}`, guide)).json()).toMatchObject({ msgtype: 'news' })
  })

  it('refuses a variable that does not exist at save time, naming it', async () => {
    const groupId = await group('测试-变量')
    const res = await call('POST', '/api/replies', admin, { groupId, title: '生日', content: '{{称呼}}，{{生日}}快乐' })
    expect(res.status).toBe(400)
    expect((await res.json() as { message: string }).message).toContain('{{生日}}')
  })

  it('fills 称呼, 最近购买 and 导购 from the member and their last order in the sidebar and the preview', async () => {
    const groupId = await group('测试-回访')
    const created = await call('POST', '/api/replies', admin, { groupId, title: '回访', content: '{{称呼}}您好，{{最近购买}}穿着还合适吗？我是{{导购}}' })
    expect(created.status).toBe(201)
    const guideName = (stack.database.sqlite.prepare('select name from staff where userid = ?').get(guideUserid) as { name: string }).name
    const expected = `${member.name}您好，${lastItem}穿着还合适吗？我是${guideName}`
    const reply = (await sidebarReplies()).find(r => r.title === '回访')!
    expect(reply.content).toBe(expected)
    const preview = await (await call('POST', '/api/replies/preview', guide, { content: '{{称呼}}您好，{{最近购买}}穿着还合适吗？我是{{导购}}', memberId: member.id })).json() as ReplyPreview
    expect(preview).toEqual({ content: expected, empty: [] })
    expect((await call('POST', '/api/replies/preview', guide, { content: '{{称呼}}', memberId: otherMemberId })).status).toBe(404)
    expect((await call('POST', '/api/replies/preview', guide, { content: '{{生日}}' })).status).toBe(400)
  })

  it('the demo\'s replies use the product\'s variable names and preview for a member with every one filled', async () => {
    const names = new Set<string>(replyVariableList.map(v => v.name))
    const guideName = (stack.database.sqlite.prepare('select name from staff where userid = ?').get(guideUserid) as { name: string }).name
    for (const { content } of REPLY_GROUPS.flatMap(g => g.replies)) {
      for (const [, name] of content.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g))
        expect(names, content).toContain(name)
      const preview = await (await call('POST', '/api/replies/preview', guide, { content, memberId: member.id })).json() as ReplyPreview
      expect(preview.empty, content).toEqual([])
      expect(preview.content, content).not.toMatch(/\{\{|\}\}/)
      if (content.includes('{{称呼}}'))
        expect(preview.content).toContain(member.name)
      if (content.includes('{{导购}}'))
        expect(preview.content).toContain(guideName)
    }
  })

  it('shows a store\'s replies only in that store; store managers manage only their own', async () => {
    const groupId = await group('测试-门店')
    await call('POST', '/api/replies', admin, { groupId, title: '别店专属', content: '别店', storeIds: [otherStore] })
    expect((await sidebarReplies()).some(r => r.title === '别店专属')).toBe(false)
    const own = await call('POST', '/api/replies', supervisor, { groupId, title: '本店专属', content: '本店' })
    expect((await own.json() as ManagedReply).storeIds).toEqual([guideStore])
    expect((await sidebarReplies()).some(r => r.title === '本店专属')).toBe(true)
    // A store manager's export holds their store's and everyone's replies, not another store's.
    const exported = await (await call('GET', '/api/replies/export?format=csv&encoding=utf-8', supervisor)).text()
    expect(exported).toContain('本店专属')
    expect(exported).not.toContain('别店专属')
    expect((await call('POST', '/api/replies', supervisor, { groupId, title: '越权', content: 'x', storeIds: [otherStore] })).status).toBe(403)
  })

  it('counts use and conversion from delivered sends and later orders; a sent reply is retired, not lost', async () => {
    const groupId = await group('测试-转化')
    const reply = await (await call('POST', '/api/replies', admin, { groupId, title: '转化', content: '{{称呼}}，新品到了' })).json() as ManagedReply
    const send = await (await call('POST', '/api/sends', guide, { idempotencyKey: randomUUID(), memberId: member.id, replyId: reply.id, message: { msgtype: 'text', text: { content: `${member.name}，新品到了（改过）` } } })).json() as SendRecord
    await call('POST', `/api/sends/${send.id}/complete`, guide, { status: 'sent' })
    const paidAt = send.createdAt + 86_400_000
    await stack.port.db.run(`insert into orders (platform, order_no, member_id, status, total_amount, paid_amount, paid_at, created_at) values ('pos', 'T-${randomUUID()}', ${member.id}, 'paid', 10000, 10000, ${paidAt}, ${paidAt})` as never)
    const stats = await (await call('GET', `/api/replies/${reply.id}`, admin)).json() as ManagedReply
    expect(stats).toMatchObject({ sentCount: 1, reachedMembers: 1, convertedMembers: 1 })

    expect((await call('DELETE', `/api/replies/${reply.id}`, admin)).status).toBe(204)
    expect((await call('GET', `/api/replies/${reply.id}`, admin)).status).toBe(404)
    expect((await sidebarReplies()).some(r => r.id === reply.id)).toBe(false)
    const kept = await stack.port.db.all<[number]>(`select count(*) from replies where id = ${reply.id}` as never)
    expect(Number(kept[0]![0])).toBe(1)
  })

  it('imports an XLSX (groups created, store names resolved), and importing it again changes nothing', async () => {
    const before = await replyCount()
    const file = await xlsx([['分组', '标题', '内容', '可见门店'], ['导入-问候', '早安', '{{称呼}}早上好', ''], ['导入-问候', '晚安', '{{称呼}}晚安', otherStoreName], ['导入-售后', '退换', '收到，{{导购}}马上处理', '']])
    const first = await importFile(admin, file, '话术.xlsx')
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ applied: true, created: 3, updated: 0, errors: 0 })
    expect(await replyCount()).toBe(before + 3)
    const again = await (await importFile(admin, file, '话术.xlsx')).json() as ReplyImportReport
    expect(again).toMatchObject({ applied: true, created: 0, updated: 3 })
    expect(await replyCount()).toBe(before + 3)
    const listed = await (await call('GET', `/api/replies?q=${encodeURIComponent('晚安')}`, admin)).json() as ManagedReplyList
    expect(listed.items.map(r => [r.groupName, r.storeIds])).toEqual([['导入-问候', [otherStore]]])
  })

  it('reports every bad row with its line and writes nothing; a broken XLSX is a clear 400', async () => {
    const before = await replyCount()
    const file = await xlsx([['分组', '标题', '内容'], ['导入-坏', '好的一行', '没问题'], ['导入-坏', '', '缺标题'], ['导入-坏', '变量', '{{生日}}快乐'], ['导入-坏', '好的一行', '重复']])
    const res = await importFile(admin, file, 'bad.xlsx')
    expect(res.status).toBe(422)
    const report = await res.json() as ReplyImportReport
    expect(report.applied).toBe(false)
    expect(report.rows.filter(r => r.status === 'error').map(r => r.line)).toEqual([3, 4, 5])
    expect(report.rows.find(r => r.line === 4)!.reason).toContain('{{生日}}')
    expect(report.rows.find(r => r.line === 5)!.reason).toContain('第 2 行')
    expect(await replyCount()).toBe(before)

    const broken = await importFile(admin, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from('not really a zip')]), 'broken.xlsx')
    expect(broken.status).toBe(400)
    expect((await broken.json() as { message: string }).message).toContain('不是有效的 XLSX')
    const missingColumn = await importFile(admin, await xlsx([['标题', '内容'], ['a', 'b']]), 'cols.xlsx')
    expect(missingColumn.status).toBe(400)
    expect(await replyCount()).toBe(before)
    expect((await importFile(supervisor, await xlsx([['分组', '标题', '内容'], ['a', 'b', 'c']]), 'x.xlsx')).status).toBe(403)
  })

  it('round-trips through XLSX, UTF-8 CSV and GBK CSV exports', async () => {
    const total = await replyCount()
    const xlsxExport = Buffer.from(await (await call('GET', '/api/replies/export?format=xlsx', admin)).arrayBuffer())
    expect(await (await importFile(admin, xlsxExport, 'export.xlsx')).json()).toMatchObject({ applied: true, created: 0, updated: total })

    const gbk = Buffer.from(await (await call('GET', '/api/replies/export?format=csv&encoding=gbk', admin)).arrayBuffer())
    expect(iconv.decode(gbk, 'gbk').startsWith('分组,标题,内容,可见门店')).toBe(true)
    expect(await (await importFile(admin, gbk, 'export.csv')).json()).toMatchObject({ applied: true, created: 0, updated: total })

    const utf8 = Buffer.from(await (await call('GET', '/api/replies/export?format=csv&encoding=utf-8', admin)).arrayBuffer())
    expect([...utf8.subarray(0, 3)]).toEqual([0xEF, 0xBB, 0xBF])
    const withNew = Buffer.concat([utf8, Buffer.from('导入-CSV,新的一条,"{{称呼}}，含逗号,和""引号""",\r\n')])
    const report = await (await importFile(admin, withNew, 'edited.csv', '?encoding=utf-8')).json() as ReplyImportReport
    expect(report).toMatchObject({ applied: true, created: 1, updated: total })
    const added = (await (await call('GET', `/api/replies?q=${encodeURIComponent('新的一条')}`, admin)).json() as ManagedReplyList).items[0]!
    expect(added.content).toBe('{{称呼}}，含逗号,和"引号"')
  })
})
