import type { RedPacketRecord, RedPacketSpend } from '@scrm/shared'
import type { RunningWechatPayEmulator } from '../../emulator/wechatpay.ts'
import type { TestStack } from '../../testing/harness.ts'
import { randomUUID } from 'node:crypto'
import { and, eq, isNotNull, ne, notExists } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startWechatPayEmulator } from '../../emulator/wechatpay.ts'
import { dialects } from '../../testing/dialects.ts'
import { startTestStack } from '../../testing/harness.ts'
import { follows, members, orders, staff } from '../db/schema.ts'
import { shanghaiMonth } from '../lib/china-time.ts'

const merchant = { mchId: '1900000109', apiKey: 'EMU_MCH_API_KEY_32_CHARS_0000000', paySecret: 'EMU_PAY_APP_SECRET', corpId: 'ww0000000000000001' }

for (const dialect of dialects) {
  // PostgreSQL half skipped only when SCRM_TEST_PG=0 (no cluster); CI always runs it.
  describe.skipIf(dialect === 'postgres' && !inject('postgresUrl'))(`red packet routes [${dialect}]`, () => {
    let stack: TestStack
    let pay: RunningWechatPayEmulator
    let guide: { userid: string, storeId: string, cookie: string }
    let memberId: number
    let otherMemberId: number
    let foreignOrderId: number
    let ownOrderId: number | undefined
    let otherServed: number

    beforeAll(async () => {
      pay = await startWechatPayEmulator({ merchant: { ...merchant, balance: 10_000_000 } })
      stack = await startTestStack({
        dialect,
        members: 80,
        env: { WECHATPAY_MCH_ID: merchant.mchId, WECHATPAY_API_KEY: merchant.apiKey, WECOM_PAY_SECRET: merchant.paySecret, WECHATPAY_API_BASE: pay.url, WECHATPAY_CLIENT_CERT_STAND_IN: merchant.mchId },
      })
      const db = stack.port.db
      const row = (await db.select({ userid: follows.guideUserid, memberId: follows.memberId, storeId: staff.storeId })
        .from(follows)
        .innerJoin(staff, eq(staff.userid, follows.guideUserid))
        .innerJoin(members, eq(members.id, follows.memberId))
        .where(and(eq(follows.status, 'active'), isNotNull(members.externalUserid)))
        .orderBy(follows.guideUserid, follows.memberId)
        .limit(1)
        .get())!
      memberId = row.memberId
      otherMemberId = (await db.select({ id: members.id }).from(members).where(notExists(db.select({ one: follows.memberId }).from(follows).where(and(eq(follows.memberId, members.id), eq(follows.guideUserid, row.userid))))).limit(1).get())!.id
      foreignOrderId = (await db.select({ id: orders.id }).from(orders).where(and(isNotNull(orders.memberId), ne(orders.memberId, memberId))).limit(1).get())!.id
      ownOrderId = (await db.select({ id: orders.id }).from(orders).where(eq(orders.memberId, memberId)).limit(1).get())?.id
      guide = { userid: row.userid, storeId: row.storeId!, cookie: await stack.login(row.userid) }
      otherServed = (await db.select({ id: follows.memberId }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(follows.guideUserid, row.userid), eq(follows.status, 'active'), ne(follows.memberId, memberId), isNotNull(members.externalUserid))).orderBy(follows.memberId).get())!.id
    })
    afterAll(async () => {
      await stack?.close()
      await pay?.close()
    })

    const post = (cookie: string, body: unknown) => stack.app.inject({ method: 'POST', url: '/api/red-packets', headers: { cookie }, payload: body as Record<string, unknown> })
    const body = (extra: Record<string, unknown> = {}) => ({ idempotencyKey: randomUUID(), memberId, amountFen: 188, reasonCode: 'thanks', wishing: '谢谢您的支持', ...extra })

    it('needs a session, and refuses what is not the guide\'s to send (403/404/400 naming the field)', async () => {
      expect((await stack.app.inject({ method: 'POST', url: '/api/red-packets', payload: body() })).statusCode).toBe(401)
      expect((await stack.app.inject({ method: 'GET', url: `/api/red-packets?memberId=${memberId}` })).statusCode).toBe(401)
      const fractional = await post(guide.cookie, body({ amountFen: 1.5 }))
      expect(fractional.statusCode).toBe(400)
      expect(fractional.json().message).toMatch(/amountFen/)
      expect((await post(guide.cookie, body({ memberId: otherMemberId }))).statusCode).toBe(404)
      const foreign = await post(guide.cookie, body({ orderId: foreignOrderId }))
      expect(foreign.statusCode).toBe(400)
      expect(foreign.json()).toMatchObject({ reason: 'order_not_members', message: expect.stringMatching(/^orderId/) })
      const overMax = await post(guide.cookie, body({ amountFen: 50_000 }))
      expect(overMax.statusCode).toBe(422)
      expect(overMax.json()).toMatchObject({ reason: 'packet_max', params: { amountFen: 50_000, limitFen: 20_000 }, message: expect.stringMatching(/超过单个红包上限 ¥200\.00/) })
      const supervisor = await stack.login((await stack.port.db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'supervisor'), eq(staff.storeId, guide.storeId))).get())!.userid)
      expect((await post(supervisor, body())).statusCode).toBe(403)
      expect((await stack.app.inject({ method: 'PUT', url: '/api/red-packets/settings', headers: { cookie: guide.cookie }, payload: {} })).statusCode).toBe(400)
      expect((await stack.app.inject({ method: 'GET', url: '/api/red-packets/settings', headers: { cookie: guide.cookie } })).statusCode).toBe(403)
      expect((await stack.app.inject({ method: 'GET', url: '/api/red-packets/spend?month=2026-12', headers: { cookie: guide.cookie } })).statusCode).toBe(403)
    })

    it('sends once per key, shows the allowance, and the guide sees it received; a stranger gets 404', async () => {
      const request = body(ownOrderId ? { orderId: ownOrderId } : {})
      const first = await post(guide.cookie, request)
      expect(first.statusCode).toBe(201)
      const record = first.json() as RedPacketRecord
      expect(record).toMatchObject({ status: 'sent', amountFen: 188, orderId: ownOrderId ?? null })
      const again = await post(guide.cookie, request)
      expect(again.statusCode).toBe(200)
      expect(again.json().id).toBe(record.id)
      expect(pay.state.ledger.get(record.mchBillno)?.totalAmount).toBe(188)

      const sheet = (await stack.app.inject({ method: 'GET', url: `/api/red-packets?memberId=${memberId}`, headers: { cookie: guide.cookie } })).json()
      expect(sheet.allowance).toMatchObject({ dayCountLeft: 19, dayFenLeft: 20_000 - 188 })
      expect(sheet.packets.map((p: RedPacketRecord) => p.id)).toContain(record.id)

      pay.state.receive(record.mchBillno)
      const read = await stack.app.inject({ method: 'GET', url: `/api/red-packets/${record.id}`, headers: { cookie: guide.cookie } })
      expect(read.json()).toMatchObject({ status: 'received' })
      const admin = await stack.login('admin')
      expect((await stack.app.inject({ method: 'GET', url: `/api/red-packets/${record.id}`, headers: { cookie: admin } })).statusCode).toBe(200)
      const otherGuide = (await stack.port.db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'guide'), ne(staff.userid, guide.userid))).get())!.userid
      expect((await stack.app.inject({ method: 'GET', url: `/api/red-packets/${record.id}`, headers: { cookie: await stack.login(otherGuide) } })).statusCode).toBe(404)
    })

    it('lets an admin set limits and a store budget (validated), which the next packet meets', async () => {
      const admin = await stack.login('admin')
      const page = (await stack.app.inject({ method: 'GET', url: '/api/red-packets/settings', headers: { cookie: admin } })).json()
      const put = (url: string, payload: unknown) => stack.app.inject({ method: 'PUT', url, headers: { cookie: admin }, payload: payload as Record<string, unknown> })
      const bad = await put('/api/red-packets/settings', { ...page.settings, minFen: 5_000, maxFen: 1_000 })
      expect(bad.statusCode).toBe(400)
      expect(bad.json().message).toMatch(/minFen/)
      expect((await put('/api/red-packets/store-budgets', { budgets: [{ storeId: 'NOPE', monthFen: 1 }] })).statusCode).toBe(400)
      const saved = await put('/api/red-packets/settings', { ...page.settings, presetsFen: [288, 666] })
      expect(saved.statusCode).toBe(200)
      expect(saved.json().settings.presetsFen).toEqual([288, 666])
      const budgeted = await put('/api/red-packets/store-budgets', { budgets: [{ storeId: guide.storeId, monthFen: 100 }] })
      expect(budgeted.json().storeBudgets.find((b: { storeId: string }) => b.storeId === guide.storeId).monthFen).toBe(100)
      const sheet = (await stack.app.inject({ method: 'GET', url: `/api/red-packets?memberId=${memberId}`, headers: { cookie: guide.cookie } })).json()
      expect(sheet.presetsFen).toEqual([288, 666])
      const refused = await post(guide.cookie, body({ memberId: otherServed, amountFen: 288 }))
      expect(refused.statusCode).toBe(422)
      expect(refused.json()).toMatchObject({ reason: 'store_month_budget', params: { usedFen: 188, limitFen: 100, amountFen: 288 }, message: expect.stringMatching(/超出门店本月红包预算/) })
      // Back to the default budget for the next test.
      expect((await put('/api/red-packets/store-budgets', { budgets: [{ storeId: guide.storeId, monthFen: null }] })).json().storeBudgets.find((b: { storeId: string }) => b.storeId === guide.storeId).monthFen).toBeNull()
    })

    it('exports the store\'s month as XLSX and GBK CSV with totals that match the pay ledger to the fen', async () => {
      // A second packet to another member the guide serves, and one refused by WeChat Pay (NOTENOUGH).
      const second = (await stack.port.db.select({ id: follows.memberId }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(follows.guideUserid, guide.userid), eq(follows.status, 'active'), ne(follows.memberId, memberId), isNotNull(members.externalUserid))).get())!.id
      expect((await post(guide.cookie, body({ memberId: second, amountFen: 520 }))).json().status).toBe('sent')
      const balance = pay.state.merchant.balance
      pay.state.merchant.balance = 0
      const third = (await stack.port.db.select({ id: follows.memberId }).from(follows).innerJoin(members, eq(members.id, follows.memberId)).where(and(eq(follows.guideUserid, guide.userid), eq(follows.status, 'active'), ne(follows.memberId, memberId), ne(follows.memberId, second), isNotNull(members.externalUserid))).get())
      if (third)
        expect((await post(guide.cookie, body({ memberId: third.id, amountFen: 300 }))).json().status).toBe('failed')
      pay.state.merchant.balance = balance

      const month = shanghaiMonth(Date.now())
      const supervisor = await stack.login((await stack.port.db.select({ userid: staff.userid }).from(staff).where(and(eq(staff.role, 'supervisor'), eq(staff.storeId, guide.storeId))).get())!.userid)
      const ledgerPaid = pay.state.packets().filter(p => p.status !== 'REFUND').reduce((sum, p) => sum + p.totalAmount, 0)
      expect(ledgerPaid).toBe(188 + 520)

      const spend = (await stack.app.inject({ method: 'GET', url: `/api/red-packets/spend?month=${month}`, headers: { cookie: supervisor } })).json() as RedPacketSpend
      expect(spend.total.spentFen).toBe(ledgerPaid)
      expect(spend.byGuide.find(r => r.key === guide.userid)?.spentFen).toBe(ledgerPaid)

      const xlsx = await stack.app.inject({ method: 'GET', url: `/api/red-packets/export?storeId=${guide.storeId}&month=${month}&format=xlsx`, headers: { cookie: supervisor } })
      expect(xlsx.statusCode).toBe(200)
      const workbook = new ExcelJS.Workbook()
      await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
      const rows = workbook.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][]
      const billnos = rows.map(r => r[1]).filter((v): v is string => typeof v === 'string' && /^\d{28}$/.test(v))
      expect(new Set(billnos)).toEqual(new Set(pay.state.packets().map(p => p.mchBillno).concat(third ? [billnos.find(b => !pay.state.ledger.has(b))!] : [])))
      const paidRow = rows.find(r => r[1] === '已发放(含已领取)')!
      expect(Math.round(Number(paidRow[7]) * 100)).toBe(ledgerPaid)

      const csv = await stack.app.inject({ method: 'GET', url: `/api/red-packets/export?storeId=${guide.storeId}&month=${month}&format=csv`, headers: { cookie: supervisor } })
      expect(csv.headers['content-type']).toMatch(/GBK/i)
      const text = iconv.decode(csv.rawPayload, 'gbk')
      expect(text.split('\r\n')[0]).toMatch(/^商户订单号,门店,导购,客户/)
      const csvPaid = text.split('\r\n').find(l => l.startsWith('已发放(含已领取)'))!.split(',')[6]
      expect(Math.round(Number(csvPaid) * 100)).toBe(ledgerPaid)
      expect((await stack.app.inject({ method: 'GET', url: `/api/red-packets/export?storeId=NOPE&month=${month}&format=csv`, headers: { cookie: supervisor } })).statusCode).toBe(404)
    })
  })
}
