import { eq } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { emulatedOpenid, startWechatPayEmulator } from '../../emulator/wechatpay.ts'
import { describeEachDialect } from '../../testing/dialects.ts'
import { jobs, jobSchedules, members, redPackets, staff, stores } from '../db/schema.ts'
import { createJobQueue } from '../jobs/queue.ts'
import { createWechatPayClient } from '../wechatpay/client.ts'
import { registerRedPacketJobs, scheduleRedPacketJobs, SETTLE_RED_PACKETS_JOB } from './jobs.ts'
import { SETTLE_GRACE_MS } from './service.ts'

const T = Date.UTC(2026, 11, 1, 2)
const merchant = { mchId: '1900000109', apiKey: 'EMU_MCH_API_KEY_32_CHARS_0000000', paySecret: 'EMU_PAY_APP_SECRET', corpId: 'ww0000000000000001' }

describeEachDialect('settle-red-packets job', ({ fresh }) => {
  it('pays a packet left sending, once, from either of two instances', async () => {
    const { database, another } = await fresh()
    const pay = await startWechatPayEmulator({ merchant: { ...merchant, balance: 10_000 } })
    try {
      await database.db.insert(stores).values({ id: 'S1', name: '静安店', city: '上海', wecomDepartmentId: 11 })
      await database.db.insert(staff).values({ userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' })
      const [member] = await database.db.insert(members).values({ name: '王女士', externalUserid: 'wmJ1' }).returning({ id: members.id })
      const [packet] = await database.db.insert(redPackets).values({
        idempotencyKey: 'job-packet-1',
        mchBillno: '1900000109202612010000000001',
        guideUserid: 'g1',
        storeId: 'S1',
        memberId: member!.id,
        openid: emulatedOpenid(merchant.corpId, 'wmJ1'),
        amount: 188,
        reasonCode: 'thanks',
        wishing: '谢谢',
        actName: '会员关怀',
        remark: '感谢支持',
        status: 'sending',
        reservedKeys: [],
        createdAt: T,
      }).returning({ id: redPackets.id })

      let now = T + SETTLE_GRACE_MS + 1
      const client = createWechatPayClient({ apiBase: pay.url, ...merchant, agentId: 1000002, clientCertStandIn: merchant.mchId })
      const instances = [createJobQueue({ database, now: () => now }), createJobQueue({ database: await another(), now: () => now })]
      for (const queue of instances) {
        registerRedPacketJobs(queue, { db: database.db, pay: client, mchId: merchant.mchId, wecom: { convertToOpenid: async () => '' }, now: () => now })
        await scheduleRedPacketJobs(queue, { paying: true })
      }
      for (const queue of instances) await queue.tick()
      expect((await database.db.select({ status: redPackets.status }).from(redPackets).where(eq(redPackets.id, packet!.id)).get())!.status).toBe('sent')
      expect(pay.state.ledger.size).toBe(1)
      expect((await database.db.select().from(jobs).where(eq(jobs.name, SETTLE_RED_PACKETS_JOB))).map(j => j.status)).toEqual(['succeeded'])
      now += 60_000
      for (const queue of instances) await queue.tick()
      expect(pay.state.ledger.size).toBe(1)
    }
    finally {
      await pay.close()
    }
  })

  it('is not scheduled where WeChat Pay is not configured', async () => {
    const { database } = await fresh()
    await scheduleRedPacketJobs(createJobQueue({ database, now: () => T }), { paying: false })
    expect(await database.db.select().from(jobSchedules).where(eq(jobSchedules.name, SETTLE_RED_PACKETS_JOB))).toEqual([])
  })
})
