import type { ImportStarted, ImportSummary, OrderPage, UnmatchedList, UploadedFile } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
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
})
