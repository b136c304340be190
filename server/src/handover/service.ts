// Handover (在职继承 / 离职继承): an admin hands a guide's customers to another guide through WeCom's transfer APIs.
//
// Lifecycle of one customer (handover_items): queued (written with the request, in one transaction with the
// submit job) → the submit job calls transfer_customer in batches of 100 → pending (WeCom started it; the
// customer may refuse within 24 h and stays with the old guide meanwhile) or failed (WeCom refused this
// customer: reason + errcode) → completed (confirmed by transfer_result or by the add/del events that follow a
// transfer: reassign.ts moves the member) or refused (transfer_fail / status 3 or 4).
import type { CreateHandoverRequest, HandoverCounts, HandoverCustomerList, HandoverDetail, HandoverItemStatus, HandoverKind, HandoverList, HandoverReason, HandoverStaffList, UnassignedGuideList } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import type { TransferCustomerResult, TransferStatusRow, WecomClient } from '../wecom/client.ts'
import { TRANSFER_BATCH_LIMIT } from '@scrm/shared'
import { aliasedTable, and, asc, desc, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import { requireAdmin } from '../auth/access.ts'
import { follows, handoverItems, handovers, members, staff, stores } from '../db/schema.ts'
import { qualified } from '../db/sql.ts'
import { enqueueJob } from '../jobs/queue.ts'
import { groupBy } from '../lib/collections.ts'
import { badRequest, conflict, notFound } from '../plugins/errors.ts'
import { WecomApiError } from '../wecom/errors.ts'
import { reassignMember } from './reassign.ts'

export const SUBMIT_JOB = 'handover.submit'
export const POLL_JOB = 'handover.poll'

/** WeCom takes a customer over 24 h after the transfer starts unless they refuse. */
const TAKEOVER_DELAY_MS = 24 * 3600_000
/** WeCom staff status 5: the member left the company. */
const RESIGNED = 5
const ACTIVE = 1

/** What only an admin may do here (the 403's message). */
const HANDOVER_REFUSAL = 'only admins may hand customers over'

export type TransferClient = Pick<WecomClient, 'transferCustomer' | 'transferResult' | 'getUnassignedList'>

/** Per-customer errcodes of transfer_customer: WeCom started the transfer (40129/40100: it already had). */
const STARTED = new Set([0, 40100, 40129])

/** Why WeCom refused a customer or a whole call, as a reason the console explains. */
function reasonOf(errcode: number): HandoverReason {
  switch (errcode) {
    case 40096:
    case 84061:
      return 'not_customer'
    case 40097:
      return 'handover_not_resigned'
    case 40098:
      return 'takeover_not_verified'
    case 40099:
      return 'takeover_limit'
    case 40128:
      return 'transferred_too_often'
    case 40130:
      return 'same_guide'
    case 48002:
    case 60011:
    case 84074:
      return 'no_permission'
    default:
      return 'wecom_error'
  }
}

const takeover = aliasedTable(staff, 'takeover')

const noCounts = (): HandoverCounts => ({ queued: 0, pending: 0, completed: 0, refused: 0, failed: 0 })

async function countsOf(db: AsyncDbOrTx, handoverIds: number[]): Promise<Map<number, HandoverCounts>> {
  const out = new Map<number, HandoverCounts>()
  if (handoverIds.length === 0)
    return out
  const rows = await db.select({ handoverId: handoverItems.handoverId, status: handoverItems.status, n: sql<number>`count(*)` })
    .from(handoverItems)
    .where(inArray(handoverItems.handoverId, handoverIds))
    .groupBy(handoverItems.handoverId, handoverItems.status)
    .all()
  for (const id of handoverIds)
    out.set(id, noCounts())
  for (const r of rows)
    out.get(r.handoverId)![r.status] = Number(r.n)
  return out
}

const summaryColumns = {
  id: handovers.id,
  kind: handovers.kind,
  handoverUserid: handovers.handoverUserid,
  handoverName: staff.name,
  takeoverUserid: handovers.takeoverUserid,
  takeoverName: takeover.name,
  createdBy: handovers.createdBy,
  createdAt: handovers.createdAt,
}

export async function listHandovers(db: AsyncDbOrTx, session: Session, limit = 50): Promise<HandoverList> {
  requireAdmin(session, HANDOVER_REFUSAL)
  const rows = await db.select(summaryColumns).from(handovers).innerJoin(staff, eq(staff.userid, handovers.handoverUserid)).innerJoin(takeover, eq(takeover.userid, handovers.takeoverUserid)).orderBy(desc(handovers.createdAt), desc(handovers.id)).limit(limit).all()
  const counts = await countsOf(db, rows.map(r => r.id))
  return { items: rows.map(r => ({ ...r, counts: counts.get(r.id)! })) }
}

export async function getHandover(db: AsyncDbOrTx, session: Session, id: number): Promise<HandoverDetail> {
  requireAdmin(session, HANDOVER_REFUSAL)
  const row = await db.select(summaryColumns).from(handovers).innerJoin(staff, eq(staff.userid, handovers.handoverUserid)).innerJoin(takeover, eq(takeover.userid, handovers.takeoverUserid)).where(eq(handovers.id, id)).get()
  if (!row)
    throw notFound(`handover ${id} not found`)
  const items = await db.select({
    id: handoverItems.id,
    memberId: handoverItems.memberId,
    memberName: members.name,
    externalUserid: handoverItems.externalUserid,
    status: handoverItems.status,
    reason: handoverItems.reason,
    errcode: handoverItems.errcode,
    takeoverAt: handoverItems.takeoverAt,
    updatedAt: handoverItems.updatedAt,
  }).from(handoverItems).innerJoin(members, eq(members.id, handoverItems.memberId)).where(eq(handoverItems.handoverId, id)).orderBy(asc(handoverItems.id)).all()
  // Every item is here: the counts are theirs.
  const counts = noCounts()
  for (const item of items)
    counts[item.status]++
  return { ...row, counts, items }
}

/** Guides (and supervisors, who may serve customers too) with how many customers each actively serves. */
export async function listHandoverStaff(db: AsyncDbOrTx, session: Session): Promise<HandoverStaffList> {
  requireAdmin(session, HANDOVER_REFUSAL)
  const active = sql<number>`(select count(*) from ${follows} where ${qualified(follows.guideUserid)} = ${qualified(staff.userid)} and ${qualified(follows.status)} = 'active')`
  const rows = await db.select({ userid: staff.userid, name: staff.name, storeName: stores.name, status: staff.status, activeCustomers: active })
    .from(staff)
    .leftJoin(stores, eq(stores.id, staff.storeId))
    .where(inArray(staff.role, ['guide', 'supervisor']))
    .orderBy(asc(staff.storeId), asc(staff.userid))
    .all()
  return { items: rows.map(({ status, activeCustomers, ...r }) => ({ ...r, resigned: status === RESIGNED, activeCustomers: Number(activeCustomers) })) }
}

const openStatuses: HandoverItemStatus[] = ['queued', 'pending']

/** The customers a guide can hand over (on `follows` joined with `members`): actively served, known to WeCom. */
const servedBy = (guideUserid: string) => and(eq(follows.guideUserid, guideUserid), eq(follows.status, 'active'), isNotNull(members.externalUserid))

/** The customers a guide serves now, each with the status of its open handover (if one is under way). */
export async function listHandoverCustomers(db: AsyncDbOrTx, session: Session, fromUserid: string): Promise<HandoverCustomerList> {
  requireAdmin(session, HANDOVER_REFUSAL)
  const openStatus = sql<HandoverItemStatus | null>`(select ${qualified(handoverItems.status)} from ${handoverItems} where ${qualified(handoverItems.memberId)} = ${qualified(members.id)} and ${qualified(handoverItems.status)} in ('queued', 'pending') limit 1)`
  const rows = await db.select({ memberId: members.id, name: members.name, externalUserid: members.externalUserid, remark: follows.remark, openStatus })
    .from(follows)
    .innerJoin(members, eq(members.id, follows.memberId))
    .where(servedBy(fromUserid))
    .orderBy(asc(members.id))
    .all()
  return { items: rows.map(r => ({ ...r, externalUserid: r.externalUserid! })) }
}

/**
 * Records a handover and queues its submission. Refuses (4xx, nothing written): not an admin; unknown guides;
 * the same guide; a new guide who is not active; customers the old guide does not serve; customers already in
 * an open handover (409).
 */
export async function createHandover(db: AsyncDbOrTx, session: Session, request: CreateHandoverRequest, now: number, wecom: Pick<TransferClient, 'getUnassignedList'>): Promise<HandoverDetail> {
  requireAdmin(session, HANDOVER_REFUSAL)
  if ((request.all === true) === (request.memberIds !== undefined))
    throw badRequest('give either memberIds or all: true')
  if (request.fromUserid === request.toUserid)
    throw badRequest('fromUserid and toUserid must be different guides', { reason: 'handover_same_guide' })
  // WeCom is the record of who left: a guide it lists with unassigned customers is handed over as 离职继承.
  // Asked before the transaction (a network call), and only while our row does not already say so.
  const known = await db.select({ status: staff.status }).from(staff).where(eq(staff.userid, request.fromUserid)).get()
  const leftCompany = known?.status === RESIGNED || (known !== undefined && (await wecom.getUnassignedList()).some(r => r.handover_userid === request.fromUserid))
  const id = await db.transaction(async (tx) => {
    const [from, to] = await Promise.all([
      tx.select().from(staff).where(eq(staff.userid, request.fromUserid)).get(),
      tx.select().from(staff).where(eq(staff.userid, request.toUserid)).get(),
    ])
    if (!from)
      throw notFound(`guide ${request.fromUserid} not found`)
    if (!to)
      throw notFound(`guide ${request.toUserid} not found`)
    if (to.status !== ACTIVE || to.role === 'admin')
      throw badRequest(`toUserid ${to.userid} is not an active guide`, { reason: 'handover_target_inactive' })
    const kind: HandoverKind = leftCompany ? 'resigned' : 'in_service'
    if (kind === 'resigned' && request.message)
      throw badRequest('message is sent only for 在职继承; the old guide has left')
    const served = await tx.select({ memberId: follows.memberId, externalUserid: members.externalUserid })
      .from(follows)
      .innerJoin(members, eq(members.id, follows.memberId))
      .where(and(servedBy(from.userid), request.memberIds ? inArray(follows.memberId, request.memberIds) : undefined))
      .orderBy(asc(follows.memberId))
      .all()
    if (request.memberIds) {
      const servedIds = new Set(served.map(s => s.memberId))
      const strangers = request.memberIds.filter(m => !servedIds.has(m))
      if (strangers.length > 0)
        throw badRequest(`memberIds not served by ${from.userid}: ${strangers.slice(0, 20).join(', ')}`, { reason: 'handover_not_served', params: { count: strangers.length } })
    }
    const open = served.length === 0
      ? []
      : await tx.select({ memberId: handoverItems.memberId }).from(handoverItems).where(and(inArray(handoverItems.memberId, served.map(s => s.memberId)), inArray(handoverItems.status, openStatuses))).all()
    if (request.memberIds && open.length > 0)
      throw conflict(`already being handed over: ${open.map(o => o.memberId).slice(0, 20).join(', ')}`, { reason: 'handover_already_open', params: { count: open.length } })
    const busy = new Set(open.map(o => o.memberId))
    const moving = served.filter(s => !busy.has(s.memberId))
    if (moving.length === 0)
      throw badRequest(`${from.userid} has no customers left to hand over`, { reason: 'handover_nothing_left' })
    // From now on her row says she left (which also ends any session of hers).
    if (leftCompany && from.status !== RESIGNED)
      await tx.update(staff).set({ status: RESIGNED }).where(eq(staff.userid, from.userid)).run()
    const created = (await tx.insert(handovers).values({
      kind,
      handoverUserid: from.userid,
      takeoverUserid: to.userid,
      createdBy: session.userid,
      message: request.message ?? null,
      createdAt: now,
    }).returning({ id: handovers.id }).get())!
    for (let i = 0; i < moving.length; i += 500) {
      await tx.insert(handoverItems).values(moving.slice(i, i + 500).map(m => ({
        handoverId: created.id,
        memberId: m.memberId,
        externalUserid: m.externalUserid!,
        status: 'queued' as const,
        updatedAt: now,
      }))).run()
    }
    await enqueueJob(tx, now, SUBMIT_JOB, { handoverId: created.id }, { singletonKey: String(created.id) })
    return created.id
  })
  return getHandover(db, session, id)
}

/** A call that failing again later may fix (system busy, limits, no answer): the job retries it. */
function isTransient(err: WecomApiError): boolean {
  return err.kind === 'retryable' || err.kind === 'timeout' || err.kind === 'rate_limit' || err.kind === 'concurrency' || err.kind === 'token'
}

/**
 * Sends the queued customers of a handover to WeCom, 100 per call. Each batch's outcome is written in one
 * transaction. A transient failure throws (the job retries; a repeat answers 40129 for customers that did
 * start, which counts as started); WeCom refusing the whole call fails that batch's customers with its reason.
 */
export async function submitHandover(db: AsyncDbOrTx, wecom: TransferClient, handoverId: number, now: () => number): Promise<{ started: number, failed: number }> {
  const handover = await db.select().from(handovers).where(eq(handovers.id, handoverId)).get()
  if (!handover)
    return { started: 0, failed: 0 }
  const tally = { started: 0, failed: 0 }
  for (;;) {
    const batch = await db.select({ id: handoverItems.id, externalUserid: handoverItems.externalUserid }).from(handoverItems).where(and(eq(handoverItems.handoverId, handoverId), eq(handoverItems.status, 'queued'))).orderBy(asc(handoverItems.id)).limit(TRANSFER_BATCH_LIMIT).all()
    if (batch.length === 0)
      return tally
    let results: TransferCustomerResult[]
    try {
      results = await wecom.transferCustomer({
        kind: handover.kind,
        handoverUserid: handover.handoverUserid,
        takeoverUserid: handover.takeoverUserid,
        externalUserids: batch.map(b => b.externalUserid),
        ...(handover.message ? { message: handover.message } : {}),
      })
    }
    catch (err) {
      if (!(err instanceof WecomApiError) || isTransient(err))
        throw err
      results = batch.map(b => ({ external_userid: b.externalUserid, errcode: err.errcode }))
    }
    const byCustomer = new Map(results.map(r => [r.external_userid, r.errcode]))
    // A customer WeCom did not answer for cannot be known to have started: failed (-1), so it is not resent blindly.
    // One UPDATE per distinct answer, not one per customer.
    const byErrcode = groupBy(batch, item => byCustomer.get(item.externalUserid) ?? -1)
    const at = now()
    await db.transaction(async (tx) => {
      for (const [errcode, items] of byErrcode) {
        const stillQueued = and(inArray(handoverItems.id, items.map(i => i.id)), eq(handoverItems.status, 'queued'))
        if (STARTED.has(errcode)) {
          tally.started += items.length
          await tx.update(handoverItems).set({ status: 'pending', takeoverAt: at + TAKEOVER_DELAY_MS, updatedAt: at }).where(stillQueued).run()
        }
        else {
          tally.failed += items.length
          await tx.update(handoverItems).set({ status: 'failed', reason: reasonOf(errcode), errcode, updatedAt: at }).where(stillQueued).run()
        }
      }
    })
  }
}

interface OpenItem {
  id: number
  memberId: number
  externalUserid: string
  handoverUserid: string
  takeoverUserid: string
}

const openItemColumns = {
  id: handoverItems.id,
  memberId: handoverItems.memberId,
  externalUserid: handoverItems.externalUserid,
  handoverUserid: handovers.handoverUserid,
  takeoverUserid: handovers.takeoverUserid,
}

/** Confirms one pending customer: the item is completed and the member moves, in one transaction. */
async function confirm(db: AsyncDbOrTx, item: OpenItem, takeoverAt: number, now: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const moved = await tx.update(handoverItems).set({ status: 'completed', takeoverAt, updatedAt: now }).where(and(eq(handoverItems.id, item.id), eq(handoverItems.status, 'pending'))).returning({ id: handoverItems.id }).all()
    if (moved.length === 0)
      return false
    await reassignMember(tx, { memberId: item.memberId, fromUserid: item.handoverUserid, toUserid: item.takeoverUserid, at: takeoverAt })
    return true
  })
}

async function refuse(db: AsyncDbOrTx, itemId: number, reason: HandoverReason, now: number): Promise<boolean> {
  const rows = await db.update(handoverItems).set({ status: 'refused', reason, takeoverAt: null, updatedAt: now }).where(and(eq(handoverItems.id, itemId), eq(handoverItems.status, 'pending'))).returning({ id: handoverItems.id }).all()
  return rows.length > 0
}

/** Queued customers untouched this long have lost their submit job (it died after its retries): queue it again. */
export const STALLED_AFTER_MS = 10 * 60_000

/** Re-enqueues the submit job of handovers whose queued customers stalled; returns their ids. */
export async function requeueStalledSubmissions(db: AsyncDbOrTx, now: number): Promise<number[]> {
  const stalled = await db.selectDistinct({ handoverId: handoverItems.handoverId }).from(handoverItems).where(and(eq(handoverItems.status, 'queued'), lt(handoverItems.updatedAt, now - STALLED_AFTER_MS))).orderBy(asc(handoverItems.handoverId)).all()
  for (const { handoverId } of stalled)
    await enqueueJob(db, now, SUBMIT_JOB, { handoverId }, { singletonKey: String(handoverId) })
  return stalled.map(s => s.handoverId)
}

/** A pending customer WeCom still does not list a day after the expected takeover is given up (failed). */
export const LOST_AFTER_MS = 24 * 3600_000

/**
 * Asks WeCom how every pending transfer went (transfer_result per pair of guides) and settles what is known:
 * 1 → completed (the member moves), 3 → refused by the customer, 4 → the new guide is full, 2 → still waiting.
 * One WeCom no longer lists long after its takeover time fails, so it does not stay open (and block a new try).
 */
export async function pollHandovers(db: AsyncDbOrTx, wecom: TransferClient, now: () => number): Promise<{ completed: number, refused: number, waiting: number, lost: number }> {
  const pending = await db.select({ ...openItemColumns, kind: handovers.kind, takeoverAt: handoverItems.takeoverAt }).from(handoverItems).innerJoin(handovers, eq(handovers.id, handoverItems.handoverId)).where(eq(handoverItems.status, 'pending')).orderBy(asc(handoverItems.id)).all()
  const tally = { completed: 0, refused: 0, waiting: 0, lost: 0 }
  const pairs = groupBy(pending, p => `${p.kind}|${p.handoverUserid}|${p.takeoverUserid}`)
  for (const items of pairs.values()) {
    const first = items[0]!
    const rows: TransferStatusRow[] = await wecom.transferResult(first.kind, first.handoverUserid, first.takeoverUserid)
    const byCustomer = new Map(rows.map(r => [r.external_userid, r]))
    for (const item of items) {
      const row = byCustomer.get(item.externalUserid)
      const at = now()
      if (row?.status === 1 && await confirm(db, item, row.takeover_time > 0 ? row.takeover_time * 1000 : at, at)) {
        tally.completed++
      }
      else if ((row?.status === 3 || row?.status === 4) && await refuse(db, item.id, row.status === 3 ? 'customer_refused' : 'takeover_limit', at)) {
        tally.refused++
      }
      else if (row?.status === 2) {
        tally.waiting++
      }
      else if (!row && item.takeoverAt !== null && at > item.takeoverAt + LOST_AFTER_MS) {
        const lost = await db.update(handoverItems).set({ status: 'failed', reason: 'wecom_error', updatedAt: at }).where(and(eq(handoverItems.id, item.id), eq(handoverItems.status, 'pending'))).returning({ id: handoverItems.id }).all()
        tally.lost += lost.length
      }
    }
  }
  return tally
}

async function pendingItem(db: AsyncDbOrTx, externalUserid: string, by: { takeoverUserid?: string, handoverUserid?: string, kind?: HandoverKind }): Promise<OpenItem | undefined> {
  return db.select(openItemColumns).from(handoverItems).innerJoin(handovers, eq(handovers.id, handoverItems.handoverId)).where(and(
    eq(handoverItems.externalUserid, externalUserid),
    eq(handoverItems.status, 'pending'),
    by.takeoverUserid ? eq(handovers.takeoverUserid, by.takeoverUserid) : undefined,
    by.handoverUserid ? eq(handovers.handoverUserid, by.handoverUserid) : undefined,
    by.kind ? eq(handovers.kind, by.kind) : undefined,
  )).get()
}

type TransferEventOutcome = 'handover_completed' | 'handover_refused'

/**
 * What a change_external_contact event means for an open handover (contacts/events.ts calls this first):
 * transfer_fail (UserID = the new guide) refuses it; del_external_contact with Source DELETE_BY_TRANSFER (UserID =
 * the old guide) confirms an in-service one, add_external_contact by the new guide a resigned one. Undefined when
 * no handover is concerned; transfer_result (the poll job) settles whatever no event did.
 */
export async function applyTransferEvent(db: AsyncDbOrTx, fields: Record<string, string>, now: number): Promise<TransferEventOutcome | undefined> {
  const externalUserid = fields.ExternalUserID
  const userid = fields.UserID
  if (fields.Event !== 'change_external_contact' || !externalUserid || !userid)
    return undefined
  switch (fields.ChangeType) {
    case 'transfer_fail': {
      const item = await pendingItem(db, externalUserid, { takeoverUserid: userid })
      const reason: HandoverReason = fields.FailReason === 'customer_limit_exceed' ? 'takeover_limit' : 'customer_refused'
      return item && await refuse(db, item.id, reason, now) ? 'handover_refused' : undefined
    }
    case 'del_external_contact': {
      if (fields.Source !== 'DELETE_BY_TRANSFER')
        return undefined
      const item = await pendingItem(db, externalUserid, { handoverUserid: userid })
      return item && await confirm(db, item, now, now) ? 'handover_completed' : undefined
    }
    case 'add_external_contact': {
      // Only for 离职继承: an in-service transfer is confirmed by its DELETE_BY_TRANSFER event, while an add by the
      // new guide during the 24 h may be her own, unrelated to the transfer.
      const item = await pendingItem(db, externalUserid, { takeoverUserid: userid, kind: 'resigned' })
      return item && await confirm(db, item, now, now) ? 'handover_completed' : undefined
    }
    default:
      return undefined
  }
}

/**
 * Customers of guides who left that WeCom still lists as unassigned, per old guide (离职继承 candidates). Only
 * reads: creating the handover records that its old guide left.
 */
export async function unassignedCustomers(db: AsyncDbOrTx, session: Session, wecom: Pick<TransferClient, 'getUnassignedList'>): Promise<UnassignedGuideList> {
  requireAdmin(session, HANDOVER_REFUSAL)
  const rows = await wecom.getUnassignedList()
  const byGuide = new Map<string, { customers: number, dimissionTime: number }>()
  for (const r of rows) {
    const g = byGuide.get(r.handover_userid) ?? { customers: 0, dimissionTime: r.dimission_time * 1000 }
    g.customers++
    byGuide.set(r.handover_userid, g)
  }
  const ids = [...byGuide.keys()]
  const names = ids.length === 0 ? [] : await db.select({ userid: staff.userid, name: staff.name }).from(staff).where(inArray(staff.userid, ids)).all()
  const nameOf = new Map(names.map(n => [n.userid, n.name]))
  return { items: ids.map(id => ({ handoverUserid: id, name: nameOf.get(id) ?? null, ...byGuide.get(id)! })) }
}
