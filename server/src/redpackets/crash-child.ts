// Test only (crash.test.ts): a server process that reserves red packets and is killed with SIGKILL before it
// can pay them. Packets listed in HOLD_KEYS stop right after their reserve commit (between reserve and pay);
// the others go on to the pay call, which the test's emulator leaves unanswered. Prints `reserved <id>` per
// held packet and `paying <id>` once the pay call for the others is on its way.
import { emulatedOpenid } from '../../emulator/wechatpay.ts'
import { connectDatabase } from '../db/client.ts'
import { createWechatPayClient } from '../wechatpay/client.ts'
import { createRedPacket, setReservedHookForTests } from './service.ts'

const env = process.env
const { port } = await connectDatabase({ databaseUrl: env.CRASH_DATABASE_URL ?? '', databasePath: env.CRASH_DATABASE_PATH ?? '' })
const hold = new Set((env.CRASH_HOLD_KEYS ?? '').split(',').filter(Boolean))
setReservedHookForTests(async (packet) => {
  if (hold.has(packet.idempotencyKey)) {
    process.stdout.write(`reserved ${packet.id}\n`)
    await new Promise(() => {}) // the test kills the process here
  }
  process.stdout.write(`paying ${packet.id}\n`)
})
const pay = createWechatPayClient({ apiBase: env.CRASH_PAY_URL!, mchId: env.CRASH_MCH_ID!, apiKey: env.CRASH_API_KEY!, paySecret: env.CRASH_PAY_SECRET!, corpId: env.CRASH_CORP_ID!, agentId: 1000002, clientCertStandIn: env.CRASH_MCH_ID, timeoutMs: 600_000 })
const deps = { db: port.db, pay, mchId: env.CRASH_MCH_ID!, wecom: { convertToOpenid: async (id: string) => emulatedOpenid(env.CRASH_CORP_ID!, id) }, now: Date.now }
const requests = JSON.parse(env.CRASH_REQUESTS!) as { idempotencyKey: string, memberId: number, amountFen: number }[]
await Promise.all(requests.map(async r => createRedPacket(deps, { userid: env.CRASH_GUIDE!, role: 'guide', storeId: 'S1', exp: 0 }, { ...r, reasonCode: 'thanks', wishing: '谢谢' })))
