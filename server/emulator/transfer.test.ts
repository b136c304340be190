import type { RunningEmulator } from './index.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator } from './index.ts'
import { makeTestFixtures, TEST_CORP_ID, TEST_FIXTURE_SECRETS } from './test-fixtures.ts'
import { TRANSFER_WINDOW_SECONDS } from './transfer.ts'

let em: RunningEmulator
type Reply = Record<string, unknown> & { errcode: number, errmsg: string }
interface CustomerResult { external_userid: string, errcode: number }
interface StatusResult { external_userid: string, status: number, takeover_time: number }

async function tokenOf(secret: string): Promise<string> {
  const res = await fetch(`${em.url}/cgi-bin/gettoken?corpid=${TEST_CORP_ID}&corpsecret=${secret}`)
  return ((await res.json()) as { access_token: string }).access_token
}
const appToken = () => tokenOf(TEST_FIXTURE_SECRETS.app)

async function api(path: string, body: unknown, token?: string): Promise<Reply> {
  const res = await fetch(`${em.url}/cgi-bin/externalcontact/${path}?access_token=${token ?? await appToken()}`, { method: 'POST', body: JSON.stringify(body) })
  return await res.json() as Reply
}
async function control(path: string, body?: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
  const res = await fetch(`${em.url}/__emulator/${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, json: await res.json() as Record<string, unknown> }
}
const followers = (externalUserid: string) => em.state.fixtures.externalContacts.find(c => c.externalUserid === externalUserid)!.follows.map(f => f.userid).sort()
const events = () => em.callbacks.deliveries.map(d => d.event)

beforeAll(async () => {
  em = await startEmulator({ fixtures: makeTestFixtures() })
})
beforeEach(async () => {
  await control('reset', {})
  await control('fixtures', makeTestFixtures())
  em.callbacks.deliveries = []
})
afterAll(async () => em.close())

describe('在职继承 in the emulator', () => {
  it('starts a transfer, keeps the customer with the old member for 24 h, then moves the relation with events', async () => {
    const started = await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    expect(started).toMatchObject({ errcode: 0, customer: [{ external_userid: 'wmCust0002', errcode: 0 }] })
    expect(followers('wmCust0002')).toEqual(['guide01'])
    const waiting = await api('transfer_result', { handover_userid: 'guide01', takeover_userid: 'guide03' })
    const [row] = waiting.customer as StatusResult[]
    expect(row).toMatchObject({ external_userid: 'wmCust0002', status: 2 })
    expect(row!.takeover_time - em.state.clock.nowSeconds()).toBeGreaterThan(TRANSFER_WINDOW_SECONDS - 5)

    await control('clock', { advanceSeconds: TRANSFER_WINDOW_SECONDS + 1 })
    const done = await api('transfer_result', { handover_userid: 'guide01', takeover_userid: 'guide03' })
    expect((done.customer as StatusResult[])[0]).toMatchObject({ status: 1 })
    expect(followers('wmCust0002')).toEqual(['guide03'])
    expect(events()).toEqual([
      { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: 'guide01', ExternalUserID: 'wmCust0002', Source: 'DELETE_BY_TRANSFER' },
      { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'guide03', ExternalUserID: 'wmCust0002' },
    ])
  })

  it('answers per customer: unknown 40096, not hers 84061, already moving 40129; a refusal sends transfer_fail', async () => {
    const r = await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0001', 'wmNobody', 'wmCust0003'] })
    expect((r.customer as CustomerResult[]).map(c => c.errcode)).toEqual([0, 40096, 84061])
    const again = await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide02', external_userid: ['wmCust0001'] })
    expect((again.customer as CustomerResult[])[0]!.errcode).toBe(40129)
    const refused = await control('transfers/decide', { externalUserid: 'wmCust0001', decision: 'refuse' })
    expect(refused.status).toBe(200)
    expect(followers('wmCust0001')).toEqual(['guide01', 'guide02'])
    expect(events()).toEqual([{ Event: 'change_external_contact', ChangeType: 'transfer_fail', UserID: 'guide03', ExternalUserID: 'wmCust0001', FailReason: 'customer_refused' }])
    const result = await api('transfer_result', { handover_userid: 'guide01', takeover_userid: 'guide03' })
    expect((result.customer as StatusResult[])[0]).toMatchObject({ status: 3, takeover_time: 0 })
  })

  it('allows two transfers of a customer in 90 days (40128 after), refuses the same member (40130), > 100 customers, unfit new members and the contact secret', async () => {
    await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    await control('transfers/decide', { externalUserid: 'wmCust0002', decision: 'accept' })
    await api('transfer_customer', { handover_userid: 'guide03', takeover_userid: 'guide01', external_userid: ['wmCust0002'] })
    await control('transfers/decide', { externalUserid: 'wmCust0002', decision: 'accept' })
    const third = await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    expect((third.customer as CustomerResult[])[0]!.errcode).toBe(40128)
    await control('clock', { advanceSeconds: 91 * 86400 })
    const later = await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    expect((later.customer as CustomerResult[])[0]!.errcode).toBe(0)

    expect((await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide01', external_userid: ['wmCust0001'] })).errcode).toBe(40130)
    const many = Array.from({ length: 101 }, (_, i) => `wm${i}`)
    expect((await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: many })).errcode).toBe(40058)
    expect((await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'disabled01', external_userid: ['wmCust0001'] })).errcode).toBe(40098)
    expect((await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'admin01', external_userid: ['wmCust0001'] })).errcode).toBe(84074)
    const contact = await tokenOf(TEST_FIXTURE_SECRETS.contact)
    expect((await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0001'] }, contact)).errcode).toBe(48002)
  })

  it('a full new member: 40099 up front, or transfer_fail customer_limit_exceed when the 24 h end', async () => {
    await control('transfers/capacity', { userid: 'guide03', max: 1 })
    const full = await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    expect((full.customer as CustomerResult[])[0]!.errcode).toBe(40099)
    await control('transfers/capacity', { userid: 'guide03', max: 2 })
    await api('transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    await control('transfers/capacity', { userid: 'guide03', max: 1 })
    await control('clock', { advanceSeconds: TRANSFER_WINDOW_SECONDS })
    expect((await control('transfers/settle', {})).json.settled).toHaveLength(1)
    expect(followers('wmCust0002')).toEqual(['guide01'])
    expect(events()).toEqual([{ Event: 'change_external_contact', ChangeType: 'transfer_fail', UserID: 'guide03', ExternalUserID: 'wmCust0002', FailReason: 'customer_limit_exceed' }])
  })
})

describe('离职继承 in the emulator', () => {
  it('lists a resigned member\'s customers and hands them over; an employed member gets 40097', async () => {
    expect((await api('resigned/transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })).errcode).toBe(40097)
    expect((await control('transfers/resign', { userid: 'guide01' })).status).toBe(200)
    const list = await api('get_unassigned_list', { page_size: 1 })
    expect(list).toMatchObject({ errcode: 0, is_last: false })
    const all = await api('get_unassigned_list', {})
    expect((all.info as { handover_userid: string, external_userid: string }[]).map(i => i.external_userid).sort()).toEqual(['wmCust0001', 'wmCust0002'])
    const started = await api('resigned/transfer_customer', { handover_userid: 'guide01', takeover_userid: 'guide03', external_userid: ['wmCust0002'] })
    expect((started.customer as CustomerResult[])[0]!.errcode).toBe(0)
    expect(((await api('get_unassigned_list', {})).info as unknown[]).length).toBe(1)
    await control('clock', { advanceSeconds: TRANSFER_WINDOW_SECONDS })
    const result = await api('resigned/transfer_result', { handover_userid: 'guide01', takeover_userid: 'guide03' })
    expect((result.customer as StatusResult[])[0]).toMatchObject({ external_userid: 'wmCust0002', status: 1 })
    expect(followers('wmCust0002')).toEqual(['guide03'])
    expect(events()).toEqual([{ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'guide03', ExternalUserID: 'wmCust0002' }])
  })
})
