// The submit and settle steps against a fake WeCom, on both dialects: batches of the API's limit, the
// per-customer answers, and one confirmation moving the member (reassign.ts).
import type { Database } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { TransferCustomerInput, TransferCustomerResult } from '../wecom/client.ts'
import type { TransferClient } from './service.ts'
import { TRANSFER_BATCH_LIMIT } from '@scrm/shared'
import { and, asc, eq } from 'drizzle-orm'
import { beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { follows, followTags, handoverItems, jobs, members, staff, stores, tagGroups, tags } from '../db/schema.ts'
import { applyTransferEvent, createHandover, requeueStalledSubmissions, STALLED_AFTER_MS, submitHandover } from './service.ts'

const admin: Session = { userid: 'adm', role: 'admin', storeId: null, exp: 0 }
const CUSTOMERS = 250
/** WeCom lists no unassigned customers: the old guide still works here (在职继承). */
const stillEmployed = { getUnassignedList: async () => [] }

describeEachDialect('handover submit and settle', ({ fresh }) => {
  let database: Database
  let memberIds: number[]

  beforeAll(async () => {
    database = (await fresh()).database
    const { db } = database
    await db.insert(stores).values({ id: 'S1', name: '一店', city: '上海', wecomDepartmentId: 1 }).run()
    await db.insert(staff).values([
      { userid: 'g1', name: '导购一', role: 'guide', storeId: 'S1' },
      { userid: 'g2', name: '导购二', role: 'guide', storeId: 'S1' },
      { userid: 'adm', name: '管理员', role: 'admin', storeId: null },
    ]).run()
    const rows = await db.insert(members).values(Array.from({ length: CUSTOMERS }, (_, i) => ({ name: `会员${i}`, externalUserid: `wm${String(i).padStart(4, '0')}` }))).returning({ id: members.id }).all()
    memberIds = rows.map(r => r.id).sort((a, b) => a - b)
    await db.insert(follows).values(memberIds.map(id => ({ guideUserid: 'g1', memberId: id, addedAt: 1, remark: '老客', state: 'store_S1' }))).run()
    await db.insert(tagGroups).values({ id: 'grp', name: '等级', source: 'wecom' }).run()
    await db.insert(tags).values({ id: 'gold', groupId: 'grp', name: '金卡' }).run()
    // A corp tag on g1's relation (WeCom keeps corp tags per relation: follow_tags).
    await db.insert(followTags).values({ guideUserid: 'g1', memberId: memberIds[0]!, tagId: 'gold' }).run()
  })

  it('sends every customer in calls of at most 100 and records each answer', async () => {
    const detail = await createHandover(database.db, admin, { fromUserid: 'g1', toUserid: 'g2', all: true }, 1_000, stillEmployed)
    expect(detail.counts.queued).toBe(CUSTOMERS)
    expect(await database.db.select({ name: jobs.name }).from(jobs).all()).toEqual([{ name: 'handover.submit' }])

    const calls: TransferCustomerInput[] = []
    const wecom: TransferClient = {
      transferCustomer: async (input) => {
        calls.push(input)
        // One already being transferred (a repeat after a lost reply), one moved too often, one left unanswered.
        return input.externalUserids.flatMap((id): TransferCustomerResult[] =>
          id === 'wm0001' ? [{ external_userid: id, errcode: 40129 }] : id === 'wm0002' ? [{ external_userid: id, errcode: 40128 }] : id === 'wm0003' ? [] : [{ external_userid: id, errcode: 0 }])
      },
      transferResult: async () => [],
      getUnassignedList: async () => [],
    }
    expect(await submitHandover(database.db, wecom, detail.id, () => 2_000)).toEqual({ started: CUSTOMERS - 2, failed: 2 })
    expect(calls.map(c => c.externalUserids.length)).toEqual([TRANSFER_BATCH_LIMIT, TRANSFER_BATCH_LIMIT, CUSTOMERS - 2 * TRANSFER_BATCH_LIMIT])
    expect(new Set(calls.flatMap(c => c.externalUserids)).size).toBe(CUSTOMERS)
    expect(calls.every(c => c.kind === 'in_service' && c.handoverUserid === 'g1' && c.takeoverUserid === 'g2')).toBe(true)

    const items = await database.db.select({ externalUserid: handoverItems.externalUserid, status: handoverItems.status, reason: handoverItems.reason, errcode: handoverItems.errcode }).from(handoverItems).orderBy(asc(handoverItems.externalUserid)).limit(4).all()
    expect(items).toEqual([
      { externalUserid: 'wm0000', status: 'pending', reason: null, errcode: null },
      { externalUserid: 'wm0001', status: 'pending', reason: null, errcode: null },
      { externalUserid: 'wm0002', status: 'failed', reason: 'transferred_too_often', errcode: 40128 },
      { externalUserid: 'wm0003', status: 'failed', reason: 'wecom_error', errcode: -1 },
    ])
    // Nothing queued is left: a second run calls WeCom no more.
    expect(await submitHandover(database.db, wecom, detail.id, () => 3_000)).toEqual({ started: 0, failed: 0 })
    expect(calls).toHaveLength(3)
  })

  it('the DELETE_BY_TRANSFER event moves the member once: follow, remark, channel state and tag authorship', async () => {
    const memberId = memberIds[0]!
    const event = { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: 'g1', ExternalUserID: 'wm0000', Source: 'DELETE_BY_TRANSFER' }
    expect(await applyTransferEvent(database.db, event, 5_000)).toBe('handover_completed')
    expect(await applyTransferEvent(database.db, event, 6_000)).toBeUndefined()
    const relations = await database.db.select({ guide: follows.guideUserid, status: follows.status, remark: follows.remark, state: follows.state, addedAt: follows.addedAt }).from(follows).where(eq(follows.memberId, memberId)).orderBy(asc(follows.guideUserid)).all()
    expect(relations).toEqual([
      { guide: 'g1', status: 'deleted_by_guide', remark: '老客', state: 'store_S1', addedAt: 1 },
      { guide: 'g2', status: 'active', remark: '老客', state: 'store_S1', addedAt: 5_000 },
    ])
    expect(await database.db.select({ taggedBy: followTags.guideUserid }).from(followTags).where(eq(followTags.memberId, memberId)).all()).toEqual([{ taggedBy: 'g2' }])
    const item = await database.db.select({ status: handoverItems.status, takeoverAt: handoverItems.takeoverAt }).from(handoverItems).where(and(eq(handoverItems.memberId, memberId))).get()
    expect(item).toEqual({ status: 'completed', takeoverAt: 5_000 })
    // A plain deletion (no transfer) of another pending customer settles nothing.
    expect(await applyTransferEvent(database.db, { ...event, ExternalUserID: 'wm0004', Source: '' }, 7_000)).toBeUndefined()
    // The new guide adding a customer of an in-service (在职) transfer herself does not confirm it: only 离职继承
    // is confirmed by the add event; this one waits for DELETE_BY_TRANSFER or transfer_result.
    const add = { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'g2', ExternalUserID: 'wm0004' }
    expect(await applyTransferEvent(database.db, add, 8_000)).toBeUndefined()
    const stillPending = await database.db.select({ status: handoverItems.status }).from(handoverItems).where(eq(handoverItems.externalUserid, 'wm0004')).get()
    expect(stillPending).toEqual({ status: 'pending' })
  })

  it('queues the submission again when its job died and customers are still queued', async () => {
    const failed = await database.db.select({ memberId: handoverItems.memberId }).from(handoverItems).where(eq(handoverItems.status, 'failed')).orderBy(asc(handoverItems.memberId)).all()
    const detail = await createHandover(database.db, admin, { fromUserid: 'g1', toUserid: 'g2', memberIds: failed.map(f => f.memberId) }, 10_000, stillEmployed)
    await database.db.delete(jobs).run() // the submit job ran out of attempts and was pruned
    expect(await requeueStalledSubmissions(database.db, 10_000 + STALLED_AFTER_MS - 1)).toEqual([])
    expect(await requeueStalledSubmissions(database.db, 10_000 + STALLED_AFTER_MS + 1)).toEqual([detail.id])
    expect(await database.db.select({ name: jobs.name, payload: jobs.payload }).from(jobs).all()).toEqual([{ name: 'handover.submit', payload: { handoverId: detail.id } }])
    // Live already: not queued twice.
    await requeueStalledSubmissions(database.db, 10_000 + STALLED_AFTER_MS + 2)
    expect(await database.db.select({ name: jobs.name }).from(jobs).all()).toHaveLength(1)
  })
})
