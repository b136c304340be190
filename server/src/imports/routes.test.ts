import type { IdentityResolution, IdentityResolutionList, ImportStarted, ImportSummary, MemberSearchResult, MergePreview, OrderPage, UnmatchedList, UploadedFile } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)))

let stack: TestStack
let importDir: string
let admin: string
let guide: string

beforeAll(async () => {
  importDir = mkdtempSync(join(tmpdir(), 'scrm-import-uploads-'))
  stack = await startTestStack({ env: { IMPORT_DIR: importDir, IMPORT_MAX_MB: '1' } })
  admin = await stack.login(stack.dataset.staff.find(s => s.role === 'admin')!.userid)
  guide = await stack.login(stack.dataset.staff.find(s => s.role === 'guide')!.userid)
})
afterAll(async () => {
  await stack?.close()
  rmSync(importDir, { recursive: true, force: true })
})

async function upload(cookie: string, name: string, body: Buffer) {
  return stack.app.inject({ method: 'POST', url: `/api/admin/import-files?name=${encodeURIComponent(name)}`, headers: { cookie, 'content-type': 'application/octet-stream' }, payload: body })
}

async function runJobs() {
  while (await stack.queue.tick() > 0) { /* until idle */ }
}

describe('import routes', () => {
  it('refuses without a session (401) and for guides (403)', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/api/admin/imports' })).statusCode).toBe(401)
    expect((await upload(guide, 'x.csv', fixture('jd-orders.csv'))).statusCode).toBe(403)
    expect((await stack.app.inject({ method: 'GET', url: '/api/admin/imports', headers: { cookie: guide } })).statusCode).toBe(403)
    expect((await stack.app.inject({ method: 'GET', url: '/api/admin/unmatched-orders', headers: { cookie: guide } })).statusCode).toBe(403)
    const assign = await stack.app.inject({ method: 'POST', url: '/api/admin/unmatched-orders/assign', headers: { cookie: guide }, payload: { orderId: 1, memberId: 1 } })
    expect(assign.statusCode).toBe(403)
  })

  it('uploads the Taobao report and item file, runs the import as a job, and shows its report', async () => {
    const orders = (await upload(admin, '订单报表.csv', fixture('taobao-orders.csv'))).json() as UploadedFile
    const items = (await upload(admin, '宝贝报表.csv', fixture('taobao-items.csv'))).json() as UploadedFile
    expect(orders.bytes).toBe(fixture('taobao-orders.csv').length)
    const started = await stack.app.inject({ method: 'POST', url: '/api/admin/imports', headers: { cookie: admin }, payload: { fileId: orders.fileId, itemsFileId: items.fileId } })
    expect(started.statusCode).toBe(202)
    const { importId } = started.json() as ImportStarted
    const queued = (await stack.app.inject({ method: 'GET', url: `/api/admin/imports/${importId}`, headers: { cookie: admin } })).json() as ImportSummary
    expect(queued).toMatchObject({ status: 'queued', fileName: '订单报表.csv', itemsFileName: '宝贝报表.csv' })
    await runJobs()
    const done = (await stack.app.inject({ method: 'GET', url: `/api/admin/imports/${importId}`, headers: { cookie: admin } })).json() as ImportSummary
    expect(done).toMatchObject({ status: 'succeeded', platform: 'taobao', progress: 1, report: { orders: 5, itemLines: 6, imported: 5, paidFen: 107600 } })
    expect(done.report!.rejected).toHaveLength(4)
    // The uploaded bytes are gone once imported; an upload is used once.
    expect(readdirSync(importDir)).toEqual([])
    const reuse = await stack.app.inject({ method: 'POST', url: '/api/admin/imports', headers: { cookie: admin }, payload: { fileId: orders.fileId } })
    expect(reuse.statusCode).toBe(400)
    expect(reuse.json().message).toContain('no uploaded file')

    const queue = (await stack.app.inject({ method: 'GET', url: '/api/admin/unmatched-orders', headers: { cookie: admin } })).json() as UnmatchedList
    // The demo members carry none of the fixture's accounts: every fixture buyer waits here.
    expect(queue.buyers.map(b => b.buyerId)).toEqual(expect.arrayContaining(['tb_alice', 'tb_bob', 'tb_carol', 'tb_erin', 'tb_gus']))
    const member = stack.dataset.members[0]!
    const carol = queue.buyers.find(b => b.buyerId === 'tb_carol')!
    const assign = await stack.app.inject({ method: 'POST', url: '/api/admin/unmatched-orders/assign', headers: { cookie: admin }, payload: { orderId: carol.orderId, memberId: member.id } })
    expect(assign.statusCode).toBe(201)
    // The member's orders now include it, saying which platform account it came from.
    const page = (await stack.app.inject({ method: 'GET', url: `/api/orders?memberId=${member.id}&limit=50`, headers: { cookie: admin } })).json() as OrderPage
    expect(page.orders.find(o => o.orderNo === '3301000000000000003')).toMatchObject({ platform: 'taobao', buyerId: 'tb_carol', status: 'refunded', paidAmount: 19900 })
    const again = await stack.app.inject({ method: 'POST', url: '/api/admin/unmatched-orders/assign', headers: { cookie: admin }, payload: { orderId: carol.orderId, memberId: member.id } })
    expect(again.statusCode).toBe(409)
    const undo = await stack.app.inject({ method: 'POST', url: `/api/admin/identity-resolutions/${assign.json().id}/undo`, headers: { cookie: admin } })
    expect(undo.statusCode).toBe(200)
    const missing = await stack.app.inject({ method: 'POST', url: '/api/admin/unmatched-orders/assign', headers: { cookie: admin }, payload: { orderId: carol.orderId, memberId: 99_999_999 } })
    expect(missing.statusCode).toBe(404)
  })

  it('records a refusal with its reason instead of failing', async () => {
    const file = (await upload(admin, 'jd.csv', fixture('jd-orders.csv'))).json() as UploadedFile
    const { importId } = (await stack.app.inject({ method: 'POST', url: '/api/admin/imports', headers: { cookie: admin }, payload: { fileId: file.fileId, platform: 'douyin' } })).json() as ImportStarted
    await runJobs()
    const summary = (await stack.app.inject({ method: 'GET', url: `/api/admin/imports/${importId}`, headers: { cookie: admin } })).json() as ImportSummary
    expect(summary.status).toBe('refused')
    expect(summary.refusal).toMatchObject({ line: 1 })
    expect(summary.refusal!.reason).toMatch(/^这不是抖店（订单导出）的导出文件：缺少列 主订单编号/)
  })

  it('answers 413 for a file over the limit and 400 for bad input, never 500', async () => {
    const big = await upload(admin, 'big.csv', Buffer.alloc(1024 * 1024 + 1, 0x41))
    expect(big.statusCode).toBe(413)
    expect(big.json().message).toBe('file too large: at most 1 MB per upload')
    expect(readdirSync(importDir)).toEqual([])
    expect((await upload(admin, 'empty.csv', Buffer.alloc(0))).statusCode).toBe(400)
    const noName = await stack.app.inject({ method: 'POST', url: '/api/admin/import-files', headers: { 'cookie': admin, 'content-type': 'text/csv' }, payload: 'a,b' })
    expect(noName.statusCode).toBe(400)
    const badId = await stack.app.inject({ method: 'POST', url: '/api/admin/imports', headers: { cookie: admin }, payload: { fileId: 'nope' } })
    expect(badId.statusCode).toBe(400)
    expect(badId.json().message).toContain('fileId')
    const itemsForJd = await stack.app.inject({ method: 'POST', url: '/api/admin/imports', headers: { cookie: admin }, payload: { fileId: 'a'.repeat(32), itemsFileId: 'b'.repeat(32), platform: 'jd' } })
    expect(itemsForJd.statusCode).toBe(400)
  })

  it('counts the bytes of a body sent without a length and answers 413 past the limit over HTTP, keeping nothing', async () => {
    const url = await stack.app.listen({ port: 0, host: '127.0.0.1' })
    const answer = await new Promise<{ status: number, body: string }>((resolve, reject) => {
      const request = httpRequest(`${url}/api/admin/import-files?name=big.csv`, { method: 'POST', agent: false, headers: { 'cookie': admin, 'origin': stack.config.publicUrl, 'content-type': 'application/octet-stream' } }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode!, body }))
      })
      request.on('error', reject)
      // Chunked (no Content-Length to refuse up front), 16 MB: the limit (1 MB) is crossed while writing to disk,
      // and the client still reads the answer rather than a reset connection.
      for (let i = 0; i < 64; i++) request.write(Buffer.alloc(256 * 1024, 0x41))
      request.end()
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body).message).toBe('file too large: at most 1 MB per upload')
    expect(readdirSync(importDir)).toEqual([])
  })

  it('stores a body declared as text/plain or JSON as its bytes (streamed, not parsed) and refuses it past the limit', async () => {
    const csv = fixture('jd-orders.csv')
    for (const type of ['text/plain; charset=utf-8', 'application/json']) {
      const stored = await stack.app.inject({ method: 'POST', url: '/api/admin/import-files?name=jd.csv', headers: { 'cookie': admin, 'content-type': type }, payload: csv })
      expect(stored.statusCode).toBe(201)
      const { fileId, bytes } = stored.json() as UploadedFile
      expect(bytes).toBe(csv.length)
      expect(readFileSync(join(importDir, `${fileId}.upload`)).equals(csv)).toBe(true)
      rmSync(join(importDir, `${fileId}.upload`))
      rmSync(join(importDir, `${fileId}.upload.name`))
      const big = await stack.app.inject({ method: 'POST', url: '/api/admin/import-files?name=big.txt', headers: { 'cookie': admin, 'content-type': type }, payload: Buffer.alloc(1024 * 1024 + 1, 0x41) })
      expect(big.statusCode).toBe(413)
    }
    expect(readdirSync(importDir)).toEqual([])
  })
})

describe('identity console routes', () => {
  const get = (cookie: string | undefined, url: string) => stack.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} })
  const post = (cookie: string, url: string, payload?: object) => stack.app.inject({ method: 'POST', url, headers: { cookie }, payload })

  it('are admin only: no session 401, a guide 403 on search, preview, merge, the decisions and undo', async () => {
    expect((await get(undefined, '/api/admin/member-search?q=a')).statusCode).toBe(401)
    expect((await get(guide, '/api/admin/member-search?q=a')).statusCode).toBe(403)
    expect((await get(guide, '/api/admin/member-merges/preview?intoMemberId=1&fromMemberId=2')).statusCode).toBe(403)
    expect((await post(guide, '/api/admin/member-merges', { intoMemberId: 1, fromMemberId: 2 })).statusCode).toBe(403)
    expect((await get(guide, '/api/admin/identity-resolutions')).statusCode).toBe(403)
    expect((await post(guide, '/api/admin/identity-resolutions/1/undo')).statusCode).toBe(403)
    const supervisor = await stack.login(stack.dataset.staff.find(s => s.role === 'supervisor')!.userid)
    expect((await post(supervisor, '/api/admin/member-merges', { intoMemberId: 1, fromMemberId: 2 })).statusCode).toBe(403)
  })

  it('finds members by name, masked phone, id and buyer account; refuses an empty query naming q', async () => {
    const member = stack.dataset.members.find(m => m.phoneMasked && m.externalUserid)!
    const ids = async (q: string) => ((await get(admin, `/api/admin/member-search?q=${encodeURIComponent(q)}`)).json() as MemberSearchResult).members.map(m => m.id)
    expect(await ids(member.name)).toContain(member.id)
    expect(await ids(member.phoneMasked!)).toContain(member.id)
    expect(await ids(String(member.id))).toContain(member.id)
    expect(await ids(member.externalUserid!)).toContain(member.id)
    const identity = stack.dataset.memberIdentities[0]!
    expect(await ids(identity.buyerId)).toContain(identity.memberId)
    const empty = await get(admin, '/api/admin/member-search?q=')
    expect(empty.statusCode).toBe(400)
    expect(empty.json().message).toContain('q')
  })

  it('previews a merge, merges, lists the decision with names and undoes it: the member\'s orders are back as they were', async () => {
    const withOrders = [...new Set(stack.dataset.orders.map(o => o.memberId))]
    const [intoId, fromId] = [withOrders[0]!, withOrders[1]!]
    const fromOrders = stack.dataset.orders.filter(o => o.memberId === fromId)
    const preview = await get(admin, `/api/admin/member-merges/preview?intoMemberId=${intoId}&fromMemberId=${fromId}`)
    expect(preview.statusCode).toBe(200)
    const body = preview.json() as MergePreview
    expect(body.from).toMatchObject({ id: fromId, orders: fromOrders.length })
    expect(body.ordersByPlatform.reduce((n, p) => n + p.orders, 0)).toBe(fromOrders.length)
    for (const p of body.ordersByPlatform)
      expect(p.orders).toBe(fromOrders.filter(o => o.platform === p.platform).length)
    expect(body.identities).toEqual(expect.arrayContaining(stack.dataset.memberIdentities.filter(i => i.memberId === fromId).map(i => ({ platform: i.platform, buyerId: i.buyerId }))))

    const ordersOf = async (memberId: number) => ((await get(admin, `/api/orders?memberId=${memberId}&limit=50`)).json() as OrderPage).orders
    const [intoBefore, fromBefore] = [await ordersOf(intoId), await ordersOf(fromId)]
    const merged = await post(admin, '/api/admin/member-merges', { intoMemberId: intoId, fromMemberId: fromId })
    expect(merged.statusCode).toBe(201)
    const resolution = merged.json() as IdentityResolution
    expect(resolution).toMatchObject({ action: 'merge', memberId: intoId, fromMemberId: fromId, orders: fromOrders.length, createdByName: expect.any(String) })
    expect(await ordersOf(fromId)).toEqual([])
    // Each moved order still says which platform account it came from.
    const moved = (await ordersOf(intoId)).filter(o => fromBefore.some(f => f.id === o.id))
    expect(moved.length).toBeGreaterThan(0)
    for (const order of moved)
      expect(order).toEqual(fromBefore.find(f => f.id === order.id))

    const list = (await get(admin, '/api/admin/identity-resolutions')).json() as IdentityResolutionList
    expect(list.resolutions[0]).toMatchObject({ id: resolution.id, memberName: stack.dataset.members.find(m => m.id === intoId)!.name, fromMemberName: stack.dataset.members.find(m => m.id === fromId)!.name })
    const undo = await post(admin, `/api/admin/identity-resolutions/${resolution.id}/undo`)
    expect(undo.statusCode).toBe(200)
    expect(await ordersOf(fromId)).toEqual(fromBefore)
    expect(await ordersOf(intoId)).toEqual(intoBefore)
    expect((await post(admin, `/api/admin/identity-resolutions/${resolution.id}/undo`)).statusCode).toBe(409)
  })

  it('answers a merge of a member with itself 409 and an unknown member 404 naming it', async () => {
    const id = stack.dataset.members[0]!.id
    expect((await get(admin, `/api/admin/member-merges/preview?intoMemberId=${id}&fromMemberId=${id}`)).statusCode).toBe(409)
    const unknown = await get(admin, `/api/admin/member-merges/preview?intoMemberId=${id}&fromMemberId=99999999`)
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().message).toContain('fromMemberId')
    expect((await get(admin, `/api/admin/member-merges/preview?intoMemberId=x&fromMemberId=1`)).statusCode).toBe(400)
  })

  it('pages the unmatched queue: limit and cursor, 400 for a cursor it did not give', async () => {
    const all = (await get(admin, '/api/admin/unmatched-orders?limit=100')).json() as UnmatchedList
    expect(all.buyers.length).toBeGreaterThan(1)
    const first = (await get(admin, '/api/admin/unmatched-orders?limit=1')).json() as UnmatchedList
    expect(first.buyers).toEqual(all.buyers.slice(0, 1))
    const second = (await get(admin, `/api/admin/unmatched-orders?limit=1&cursor=${first.nextCursor}`)).json() as UnmatchedList
    expect(second.buyers).toEqual(all.buyers.slice(1, 2))
    const bad = await get(admin, '/api/admin/unmatched-orders?cursor=zz')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('cursor')
    expect((await get(admin, '/api/admin/unmatched-orders?limit=0')).statusCode).toBe(400)
  })
})
