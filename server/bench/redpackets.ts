// Red packets under load (`pnpm bench --only redpackets`): the full app over loopback HTTP and the WeChat Pay
// emulator on its own port. 1,000 clicks from 50 guides in 5 stores, all at once; every click's request is
// sent twice at the same moment (a double click), and a click whose answer was 处理中 (the emulator drops the
// reply of some pay calls: a simulated timeout after the money moved) is sent a third time, as the sidebar
// retries. Limits are set so only some clicks may pass; the settle job then resolves what is left.
//
// expectedPaid comes from the scenario alone: a refused click reserves nothing, so per store the number paid
// is min(budget ÷ amount, Σ over its guides of min(daily count, daily amount ÷ amount, distinct members)),
// whatever the order the clicks land in. WeCom's convert_to_openid is answered in-process with the
// emulator's mapping (it is not what is measured).
import type { RedPacketRecord, RedPacketSettings } from '@scrm/shared'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { emulatedOpenid, startWechatPayEmulator } from '../emulator/wechatpay.ts'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { connectDatabase } from '../src/db/client.ts'
import { follows, members, redPackets, redPacketSettings, staff, stores } from '../src/db/schema.ts'
import { DEFAULT_RED_PACKET_SETTINGS, SETTLE_GRACE_MS, settleRedPackets } from '../src/redpackets/service.ts'
import { createWechatPayClient } from '../src/wechatpay/client.ts'
import { createWecomClientFromConfig } from '../src/wecom/client.ts'
import { createMemoryCredentialStore } from '../src/wecom/credential-store.ts'

const CORP_ID = 'ww0000000000000001'
const merchant = { mchId: '1900000109', apiKey: 'BENCH_MCH_API_KEY_32_CHARS_00000', paySecret: 'BENCH_PAY_APP_SECRET', corpId: CORP_ID }

export interface RedPacketBenchOptions {
  clicks?: number
  guides?: number
  stores?: number
  /** Pay calls whose reply the emulator drops after paying (the client times out). */
  timeouts?: number
  log?: (line: string) => void
}

export interface RedPacketBench {
  clicks: number
  requests: number
  paid: number
  expectedPaid: number
  refused: number
  duplicateBillnos: number
  overBudgetFen: number
  ledgerMatchesDb: boolean
  settledByJob: number
  seconds: number
  requestsPerSecond: number
}

export async function benchRedPackets(options: RedPacketBenchOptions = {}): Promise<RedPacketBench> {
  const log = options.log ?? (() => {})
  const clickCount = options.clicks ?? 1000
  const guideCount = options.guides ?? 50
  const storeCount = options.stores ?? 5
  const clicksPerGuide = clickCount / guideCount
  // Each guide clicks for 15 distinct members; the first 5 get a second click (the daily count of 1 refuses it).
  const membersPerGuide = Math.min(15, clicksPerGuide)
  const settings: RedPacketSettings = { ...DEFAULT_RED_PACKET_SETTINGS, guideDayCount: 12, guideDayFen: 20_000, memberDayCount: 1, memberMonthCount: 3, storeMonthFen: 20_000 }
  const amountOfStore = (store: number) => settings.presetsFen[store % settings.presetsFen.length]!

  const dir = mkdtempSync(join(tmpdir(), 'scrm-bench-rp-'))
  const pay = await startWechatPayEmulator({ merchant: { ...merchant, balance: 100_000_000 } })
  const initialBalance = pay.state.merchant.balance
  let clock = Date.now()
  const { port: database } = await connectDatabase({ databaseUrl: '', databasePath: join(dir, 'bench.db') })
  try {
    const db = database.db
    await db.insert(stores).values(Array.from({ length: storeCount }, (_, s) => ({ id: `S${s}`, name: `门店${s}`, city: '上海', wecomDepartmentId: 100 + s })))
    const guideIds = Array.from({ length: guideCount }, (_, g) => `g${String(g).padStart(3, '0')}`)
    const storeOf = (g: number) => g % storeCount
    await db.insert(staff).values(guideIds.map((userid, g) => ({ userid, name: `导购${g}`, role: 'guide' as const, storeId: `S${storeOf(g)}` })))
    const memberRows = await db.insert(members).values(Array.from({ length: guideCount * membersPerGuide }, (_, i) => ({ name: `客户${i}`, externalUserid: `wmBENCH${i}` }))).returning({ id: members.id })
    const memberOf = (g: number, k: number) => memberRows[g * membersPerGuide + k]!.id
    await db.insert(follows).values(guideIds.flatMap((userid, g) => Array.from({ length: membersPerGuide }, (_, k) => ({ guideUserid: userid, memberId: memberOf(g, k), addedAt: clock - 86_400_000 }))))
    await db.insert(redPacketSettings).values({ id: 'brand', settings, updatedAt: clock })

    const config = loadConfig({
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
      WECOM_CORP_ID: CORP_ID,
      WECOM_AGENT_ID: '1000002',
      WECOM_APP_SECRET: 'unused',
      WECOM_API_BASE: 'http://127.0.0.1:9',
      RATE_LIMIT_API_PER_SESSION: '100000000',
      WECHATPAY_MCH_ID: merchant.mchId,
      WECHATPAY_API_KEY: merchant.apiKey,
      WECOM_PAY_SECRET: merchant.paySecret,
      WECHATPAY_API_BASE: pay.url,
      WECHATPAY_CLIENT_CERT_STAND_IN: merchant.mchId,
      WECHATPAY_TIMEOUT_MS: '3000',
    })
    const wecom = { ...createWecomClientFromConfig(config.wecom, createMemoryCredentialStore()), convertToOpenid: async (externalUserid: string) => emulatedOpenid(CORP_ID, externalUserid) }
    const app = await buildApp({ config, database, wecom, logger: false, jobs: false, now: () => clock })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    const cookies = await Promise.all(guideIds.map(async id => app.sessions.cookieHeaderFor(id)))
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

    for (let i = 0; i < (options.timeouts ?? 50); i++)
      pay.state.injectFault({ api: 'send', kind: 'timeout' })

    let requests = 0
    const post = async (g: number, body: Record<string, unknown>): Promise<{ status: number, record?: RedPacketRecord }> => {
      requests++
      const payload = JSON.stringify(body)
      return new Promise((resolve, reject) => {
        const request = http.request(`${url}/api/red-packets`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'cookie': cookies[g]!, 'origin': config.publicUrl } }, (response) => {
          const chunks: Buffer[] = []
          response.on('data', (c: Buffer) => chunks.push(c))
          response.on('end', () => {
            const status = response.statusCode ?? 0
            resolve({ status, record: status < 300 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as RedPacketRecord : undefined })
          })
          response.on('error', reject)
        })
        request.on('error', reject)
        request.end(payload)
      })
    }
    const clicks = guideIds.flatMap((_, g) => Array.from({ length: clicksPerGuide }, (_, c) => ({
      g,
      body: { idempotencyKey: randomUUID(), memberId: memberOf(g, c % membersPerGuide), amountFen: amountOfStore(storeOf(g)), reasonCode: 'thanks', wishing: '感谢支持' },
    })))
    log(`red packets: ${clicks.length} clicks from ${guideCount} guides, each sent twice at once …`)
    const started = performance.now()
    let refused = 0
    await Promise.all(clicks.map(async ({ g, body }) => {
      const answers = await Promise.all([post(g, body), post(g, body)])
      if (answers.every(a => a.status === 422))
        refused++
      // 处理中: the sidebar asks again with the same key (the server retries the same bill).
      if (answers.some(a => a.record?.status === 'sending'))
        await post(g, body)
    }))
    const seconds = (performance.now() - started) / 1000

    // What is still uncertain is the settle job's: past the grace period it queries and pays the same bill.
    clock += SETTLE_GRACE_MS + 1
    const deps = { db, pay: createWechatPayClient(config.wechatPay!), mchId: merchant.mchId, wecom, now: () => clock }
    const stillSending = async () => (await db.select({ id: redPackets.id, status: redPackets.status }).from(redPackets).all()).filter(p => p.status === 'sending').length
    const settledByJob = await stillSending()
    for (let round = 0; round < 5 && await stillSending() > 0; round++)
      await settleRedPackets(deps)

    const rows = await db.select({ billno: redPackets.mchBillno, amount: redPackets.amount, status: redPackets.status, storeId: redPackets.storeId, guide: redPackets.guideUserid, memberId: redPackets.memberId }).from(redPackets).all()
    const paidRows = rows.filter(r => r.status === 'sent' || r.status === 'received')
    const ledger = pay.state.packets()
    const byBill = new Map<string, number>()
    for (const r of rows) byBill.set(r.billno, (byBill.get(r.billno) ?? 0) + 1)
    const duplicateBillnos = [...byBill.values()].filter(n => n > 1).length + ledger.filter(p => byBill.get(p.mchBillno) !== 1).length
    const sumBy = (key: (r: typeof paidRows[number]) => string) => {
      const sums = new Map<string, number>()
      for (const r of paidRows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.amount)
      return sums
    }
    const overBudgetFen = [...sumBy(r => r.storeId).values()].reduce((s, v) => s + Math.max(0, v - settings.storeMonthFen), 0)
      + [...sumBy(r => r.guide).values()].reduce((s, v) => s + Math.max(0, v - settings.guideDayFen), 0)
      + [...sumBy(r => String(r.memberId)).values()].reduce((s, v) => s + Math.max(0, v - settings.memberDayFen), 0)
    const ledgerPaid = ledger.filter(p => p.status !== 'REFUND').map(p => `${p.mchBillno}:${p.totalAmount}`).sort()
    const dbPaid = paidRows.map(r => `${r.billno}:${r.amount}`).sort()
    const ledgerMatchesDb = ledgerPaid.length === dbPaid.length && ledgerPaid.every((v, i) => v === dbPaid[i])
      && initialBalance - pay.state.merchant.balance === paidRows.reduce((s, r) => s + r.amount, 0)

    const expectedPaid = Array.from({ length: storeCount }, (_, s) => {
      const amount = amountOfStore(s)
      const perGuide = Math.min(settings.guideDayCount, Math.floor(settings.guideDayFen / amount), membersPerGuide, Math.floor(settings.memberDayFen / amount) * membersPerGuide)
      const guides = guideIds.filter((_, g) => storeOf(g) === s).length
      return Math.min(Math.floor(settings.storeMonthFen / amount), perGuide * guides)
    }).reduce((a, b) => a + b, 0)

    await app.close()
    agent.destroy()
    return {
      clicks: clicks.length,
      requests,
      paid: paidRows.length,
      expectedPaid,
      refused,
      duplicateBillnos,
      overBudgetFen,
      ledgerMatchesDb,
      settledByJob,
      seconds: Math.round(seconds * 100) / 100,
      requestsPerSecond: Math.round(requests / seconds),
    }
  }
  finally {
    await pay.close()
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
