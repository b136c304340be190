// A server killed (SIGKILL) between reserve and pay, and one killed while its pay call was in flight: the
// settle job resolves every packet, pays each exactly once with its own bill number, and the books match.
import type { ChildProcess } from 'node:child_process'
import type { RunningWechatPayEmulator } from '../../emulator/wechatpay.ts'
import type { Database, Dialect } from '../db/port.ts'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { eq } from 'drizzle-orm'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { emulatedOpenid, startWechatPayEmulator } from '../../emulator/wechatpay.ts'
import { createPostgresTestDatabase, dialects } from '../../testing/dialects.ts'
import { connectDatabase } from '../db/client.ts'
import { follows, members, redPacketCounters, redPackets, staff, stores } from '../db/schema.ts'
import { shanghaiDate } from '../lib/china-time.ts'
import { createWechatPayClient } from '../wechatpay/client.ts'
import { SETTLE_GRACE_MS, settleRedPackets } from './service.ts'

const merchant = { mchId: '1900000109', apiKey: 'EMU_MCH_API_KEY_32_CHARS_0000000', paySecret: 'EMU_PAY_APP_SECRET', corpId: 'ww0000000000000001' }
const childPath = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

for (const dialect of dialects) {
  // PostgreSQL half skipped only when SCRM_TEST_PG=0 (no cluster); CI always runs it.
  describe.skipIf(dialect === 'postgres' && !inject('postgresUrl'))(`red packets after a crash [${dialect}]`, () => {
    const cleanups: (() => Promise<void> | void)[] = []
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup()
    })

    async function database(kind: Dialect): Promise<{ port: Database, env: Record<string, string> }> {
      if (kind === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'scrm-crash-'))
        const path = join(dir, 'scrm.db')
        const { port } = await connectDatabase({ databaseUrl: '', databasePath: path })
        cleanups.push(async () => {
          await port.close()
          rmSync(dir, { recursive: true, force: true })
        })
        return { port, env: { CRASH_DATABASE_PATH: path } }
      }
      const created = await createPostgresTestDatabase()
      const { port } = await connectDatabase({ databaseUrl: created.url, databasePath: '' })
      cleanups.push(async () => {
        await port.close()
        await created.drop()
      })
      return { port, env: { CRASH_DATABASE_URL: created.url } }
    }

    it('settles every packet reserved or in flight when the server was killed, paying each once', { timeout: 60_000 }, async () => {
      const pay: RunningWechatPayEmulator = await startWechatPayEmulator({ merchant: { ...merchant, balance: 100_000 } })
      cleanups.push(async () => pay.close())
      const { port, env } = await database(dialect)
      const db = port.db
      await db.insert(stores).values({ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 })
      await db.insert(staff).values({ userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' })
      const ids = (await db.insert(members).values(Array.from({ length: 4 }, (_, i) => ({ name: `客户${i}`, externalUserid: `wmK${i}` }))).returning({ id: members.id })).map(r => r.id)
      await db.insert(follows).values(ids.map(memberId => ({ guideUserid: 'g1', memberId, addedAt: Date.now() - 1 })))
      const requests = ids.map((memberId, i) => ({ idempotencyKey: `crash-key-${i}-0000`, memberId, amountFen: 100 + i * 10 }))
      // The last packet reaches WeChat Pay, which pays it and never answers: the process dies waiting.
      pay.state.injectFault({ api: 'send', kind: 'timeout', when: 'after' })

      const child: ChildProcess = spawn(process.execPath, ['--import', tsx, childPath], {
        env: { ...process.env, ...env, CRASH_PAY_URL: pay.url, CRASH_MCH_ID: merchant.mchId, CRASH_API_KEY: merchant.apiKey, CRASH_PAY_SECRET: merchant.paySecret, CRASH_CORP_ID: merchant.corpId, CRASH_GUIDE: 'g1', CRASH_REQUESTS: JSON.stringify(requests), CRASH_HOLD_KEYS: requests.slice(0, 3).map(r => r.idempotencyKey).join(',') },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let output = ''
      await new Promise<void>((resolve, reject) => {
        child.on('exit', code => reject(new Error(`child exited early (${code}): ${output}`)))
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString()
        })
        // Three held after their reserve commit, and the fourth paid by WeChat Pay (whose reply never comes).
        const timer = setInterval(() => {
          if ((output.match(/^reserved /gm)?.length ?? 0) === 3 && pay.state.ledger.size === 1) {
            clearInterval(timer)
            resolve()
          }
        }, 50)
      })
      child.removeAllListeners('exit')
      const exited = new Promise(resolve => child.on('exit', (_code, signal) => resolve(signal)))
      child.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')

      const before = await db.select().from(redPackets).orderBy(redPackets.idempotencyKey).all()
      expect(before.map(p => p.status)).toEqual(['sending', 'sending', 'sending', 'sending'])
      expect(before.map(p => p.payAttempts)).toEqual([0, 0, 0, 1])
      expect(pay.state.ledger.size).toBe(1)

      const deps = { db, pay: createWechatPayClient({ apiBase: pay.url, ...merchant, agentId: 1000002, clientCertStandIn: merchant.mchId, timeoutMs: 5_000 }), mchId: merchant.mchId, wecom: { convertToOpenid: async (id: string) => emulatedOpenid(merchant.corpId, id) }, now: () => Date.now() + SETTLE_GRACE_MS + 1 }
      expect(await settleRedPackets(deps)).toEqual({ checked: 4 })
      const after = await db.select().from(redPackets).orderBy(redPackets.idempotencyKey).all()
      expect(after.map(p => p.status)).toEqual(['sent', 'sent', 'sent', 'sent'])
      // In key order: the three held were paid once each; the one paid before the crash was found by query, not paid again.
      expect(after.map(p => p.payAttempts)).toEqual([1, 1, 1, 1])
      expect([...pay.state.ledger.keys()].sort()).toEqual(after.map(p => p.mchBillno).sort())
      expect(100_000 - pay.state.merchant.balance).toBe(after.reduce((s, p) => s + p.amount, 0))
      const guideDay = await db.select().from(redPacketCounters).where(eq(redPacketCounters.key, `guide:g1:${shanghaiDate(after[0]!.createdAt)}`)).get()
      expect(guideDay).toMatchObject({ count: 4, amount: after.reduce((s, p) => s + p.amount, 0) })
      expect(await settleRedPackets(deps)).toEqual({ checked: 0 })
    })
  })
}
