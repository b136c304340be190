// Customer handover in the emulator (在职继承 / 离职继承, reference §2.4 and the official pages 分配在职成员的客户,
// 查询客户接替状态, 获取待分配的离职成员列表, 分配离职成员的客户, 查询离职客户接替状态):
//
// - transfer_customer / resigned/transfer_customer take ≤ 100 external_userids and answer per customer; errcode 0
//   only STARTS the transfer: the customer stays with the old member for 24 h, may refuse meanwhile, and is then
//   taken over automatically (status 2 → 1), unless the new member is full (status 4).
// - 在职继承: a customer can be transferred at most twice in 90 days (40128); the old and the new member must differ
//   (40130); the transfer_success_msg is ≤ 200 characters. 离职继承: the old member must have left (40097).
// - Per-customer errors: 40096 unknown customer, 84061 not the old member's customer, 40129 already being
//   transferred, 40128 too often, 40099 the new member is at their customer limit. The new member must be an
//   activated 客户联系 member in the app's visibility (40098 / 84074 / 60011).
// - Only the self-built app's token may call them ("企业需要使用配置到“可调用应用”列表中的自建应用secret"); the
//   客户联系 system secret gets 48002.
// - When the transfer completes, the follow relation moves (remark, tags and channel state with it — an
//   assumption: WeCom does not document what the new relation keeps) and WeCom pushes del_external_contact
//   (Source DELETE_BY_TRANSFER) for the old member (在职 only) and add_external_contact for the new one unless
//   they already had the customer. A refusal or a full new member pushes transfer_fail with the NEW member's
//   UserID and FailReason customer_refused / customer_limit_exceed.
//
// Control API (test and demo; the clock is the emulator's):
//   GET  /__emulator/transfers                                  → {transfers}
//   POST /__emulator/transfers/decide {externalUserid, decision: 'accept'|'refuse'|'limit'} → the settled transfer
//   POST /__emulator/transfers/settle                           → {settled}: completes those whose 24 h have passed
//   POST /__emulator/transfers/capacity {userid, max}           → caps a member's customers (default 50 000)
//   POST /__emulator/transfers/resign {userid}                  → the member leaves (status 5, dimission now)

import type { WecomFixtures } from './fixtures.ts'
import type { CgiRoute } from './index.ts'
import type { ApiReply, EmulatorState } from './state.ts'
import { ok } from './state.ts'

export const TRANSFER_WINDOW_SECONDS = 24 * 3600
export const TRANSFER_BATCH_LIMIT = 100
const TRANSFERS_PER_90_DAYS = 2
const NINETY_DAYS_SECONDS = 90 * 86400
/** 客户联系 members start at 5 000 customers and can be raised to 20 000; the emulator does not model the cap by default. */
const DEFAULT_CAPACITY = 50_000
const RESULT_PAGE_SIZE = 1000
const UNASSIGNED_PAGE_MAX = 1000

/** transfer_result status: 1 taken over, 2 waiting, 3 customer refused, 4 new member at their limit. */
export type TransferStatus = 1 | 2 | 3 | 4

export interface EmulatorTransfer {
  kind: 'in_service' | 'resigned'
  handoverUserid: string
  takeoverUserid: string
  externalUserid: string
  /** Seconds. */
  startedAt: number
  /** Seconds: when it will be (status 2) or was (status 1) taken over; 0 when it failed. */
  takeoverTime: number
  status: TransferStatus
  message?: string
}

interface TransferBook {
  transfers: EmulatorTransfer[]
  capacity: Map<string, number>
  dimission: Map<string, number>
}

const TEXT: Record<number, string> = {
  40003: 'invalid userid',
  40058: 'invalid Request Parameter',
  40096: 'invalid external userid',
  40097: 'the handover member has not resigned',
  40098: 'the takeover member is not verified',
  40099: 'the takeover member\'s external contacts reach the limit',
  40128: 'customer transferred too often (at most twice in 90 days)',
  40129: 'the customer is being transferred',
  40130: 'handover and takeover member are the same',
  60011: 'no privilege to access/modify contact/party/agent',
  60111: 'invalid string value `userid`. userid not found',
  84061: 'not exist contact',
  84074: 'no customer contact permission',
}

function failure(errcode: number, detail?: string): ApiReply {
  const head = TEXT[errcode] ?? 'error'
  return { errcode, errtext: detail ? `${head}, ${detail}` : head }
}

// Keyed by the fixtures object: replacing the fixtures starts a new world with no transfers.
const books = new WeakMap<WecomFixtures, TransferBook>()

export function transferBook(state: EmulatorState): TransferBook {
  let book = books.get(state.fixtures)
  if (!book) {
    book = { transfers: [], capacity: new Map(), dimission: new Map() }
    books.set(state.fixtures, book)
  }
  return book
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(x => typeof x === 'string')

function customerCount(state: EmulatorState, userid: string): number {
  return state.fixtures.externalContacts.filter(c => c.follows.some(f => f.userid === userid)).length
}

function complete(state: EmulatorState, t: EmulatorTransfer, now: number): void {
  const contact = state.fixtures.externalContacts.find(c => c.externalUserid === t.externalUserid)
  const old = contact?.follows.find(f => f.userid === t.handoverUserid)
  if (!contact || !old) {
    // The relation ended meanwhile (the customer deleted the member): nothing left to move.
    t.status = 3
    t.takeoverTime = 0
    return
  }
  const capacity = transferBook(state).capacity.get(t.takeoverUserid) ?? DEFAULT_CAPACITY
  const alreadyFollows = contact.follows.some(f => f.userid === t.takeoverUserid)
  if (!alreadyFollows && customerCount(state, t.takeoverUserid) >= capacity) {
    exceedLimit(state, t)
    return
  }
  contact.follows = contact.follows.filter(f => f.userid !== t.handoverUserid)
  if (!alreadyFollows)
    contact.follows.push({ ...old, userid: t.takeoverUserid, createtime: now })
  t.status = 1
  t.takeoverTime = now
  if (t.kind === 'in_service')
    state.emit({ Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: t.handoverUserid, ExternalUserID: t.externalUserid, Source: 'DELETE_BY_TRANSFER' })
  if (!alreadyFollows)
    state.emit({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: t.takeoverUserid, ExternalUserID: t.externalUserid })
}

function exceedLimit(state: EmulatorState, t: EmulatorTransfer): void {
  t.status = 4
  t.takeoverTime = 0
  state.emit({ Event: 'change_external_contact', ChangeType: 'transfer_fail', UserID: t.takeoverUserid, ExternalUserID: t.externalUserid, FailReason: 'customer_limit_exceed' })
}

function refuse(state: EmulatorState, t: EmulatorTransfer): void {
  t.status = 3
  t.takeoverTime = 0
  state.emit({ Event: 'change_external_contact', ChangeType: 'transfer_fail', UserID: t.takeoverUserid, ExternalUserID: t.externalUserid, FailReason: 'customer_refused' })
}

/** Completes every waiting transfer whose 24 h have passed on the emulator's clock. */
function settleDueTransfers(state: EmulatorState): EmulatorTransfer[] {
  const now = state.clock.nowSeconds()
  const due = transferBook(state).transfers.filter(t => t.status === 2 && t.takeoverTime <= now)
  for (const t of due)
    complete(state, t, now)
  return due
}

function checkTakeover(state: EmulatorState, userid: string): ApiReply | undefined {
  const user = state.findUser(userid)
  if (!user)
    return failure(60111, `takeover_userid ${userid}`)
  if (!user.visibleToApp)
    return failure(60011, `takeover_userid ${userid} is outside the app's visibility`)
  if (!user.customerContact)
    return failure(84074, `takeover_userid ${userid} has no customer contact`)
  if (user.status !== 1)
    return failure(40098, `takeover_userid ${userid} is not an active member`)
  return undefined
}

function transferCustomers(state: EmulatorState, body: Record<string, unknown>, kind: EmulatorTransfer['kind']): ApiReply {
  const { handover_userid: handover, takeover_userid: takeover, external_userid: ids, transfer_success_msg: message } = body
  if (typeof handover !== 'string' || handover === '')
    return failure(40003, 'handover_userid missing')
  if (typeof takeover !== 'string' || takeover === '')
    return failure(40003, 'takeover_userid missing')
  if (!isStringArray(ids) || ids.length === 0)
    return failure(40058, 'external_userid must be a non-empty string array')
  if (ids.length > TRANSFER_BATCH_LIMIT)
    return failure(40058, `external_userid holds at most ${TRANSFER_BATCH_LIMIT} customers`)
  if (message !== undefined && (typeof message !== 'string' || [...message].length > 200))
    return failure(40058, 'transfer_success_msg must be a string of at most 200 characters')
  const handoverUser = state.findUser(handover)
  if (!handoverUser)
    return failure(60111, `handover_userid ${handover}`)
  if (handoverUser.userid === state.findUser(takeover)?.userid)
    return failure(40130)
  if (kind === 'resigned' && handoverUser.status !== 5)
    return failure(40097)
  const refused = checkTakeover(state, takeover)
  if (refused)
    return refused
  settleDueTransfers(state)
  const book = transferBook(state)
  const now = state.clock.nowSeconds()
  const customer = ids.map((externalUserid) => {
    const contact = state.fixtures.externalContacts.find(c => c.externalUserid === externalUserid)
    if (!contact)
      return { external_userid: externalUserid, errcode: 40096 }
    if (!contact.follows.some(f => f.userid === handoverUser.userid))
      return { external_userid: externalUserid, errcode: 84061 }
    const past = book.transfers.filter(t => t.externalUserid === externalUserid)
    if (past.some(t => t.status === 2))
      return { external_userid: externalUserid, errcode: 40129 }
    if (kind === 'in_service' && past.filter(t => t.kind === 'in_service' && t.status !== 3 && t.status !== 4 && t.startedAt > now - NINETY_DAYS_SECONDS).length >= TRANSFERS_PER_90_DAYS)
      return { external_userid: externalUserid, errcode: 40128 }
    const capacity = book.capacity.get(takeover) ?? DEFAULT_CAPACITY
    if (!contact.follows.some(f => f.userid === takeover) && customerCount(state, takeover) >= capacity)
      return { external_userid: externalUserid, errcode: 40099 }
    book.transfers.push({
      kind,
      handoverUserid: handoverUser.userid,
      takeoverUserid: takeover,
      externalUserid,
      startedAt: now,
      takeoverTime: now + TRANSFER_WINDOW_SECONDS,
      status: 2,
      ...(typeof message === 'string' ? { message } : {}),
    })
    return { external_userid: externalUserid, errcode: 0 }
  })
  return ok({ customer })
}

function transferResult(state: EmulatorState, body: Record<string, unknown>, kind: EmulatorTransfer['kind']): ApiReply {
  const { handover_userid: handover, takeover_userid: takeover, cursor } = body
  if (typeof handover !== 'string' || handover === '' || typeof takeover !== 'string' || takeover === '')
    return failure(40003, 'handover_userid and takeover_userid are required')
  settleDueTransfers(state)
  const all = transferBook(state).transfers.filter(t => t.kind === kind && t.handoverUserid === handover && t.takeoverUserid === takeover)
  const offset = typeof cursor === 'string' && /^\d+$/.test(cursor) ? Number(cursor) : 0
  const page = all.slice(offset, offset + RESULT_PAGE_SIZE)
  const next = offset + RESULT_PAGE_SIZE < all.length ? String(offset + RESULT_PAGE_SIZE) : ''
  return ok({
    customer: page.map(t => ({ external_userid: t.externalUserid, status: t.status, takeover_time: t.takeoverTime })),
    next_cursor: next,
  })
}

function unassignedList(state: EmulatorState, body: Record<string, unknown>): ApiReply {
  const size = typeof body.page_size === 'number' ? body.page_size : UNASSIGNED_PAGE_MAX
  if (!Number.isInteger(size) || size < 1 || size > UNASSIGNED_PAGE_MAX)
    return failure(40058, `page_size must be 1…${UNASSIGNED_PAGE_MAX}`)
  settleDueTransfers(state)
  const book = transferBook(state)
  const waiting = new Set(book.transfers.filter(t => t.status === 2).map(t => `${t.handoverUserid}|${t.externalUserid}`))
  const left = state.fixtures.users.filter(u => u.status === 5)
  const info = left.flatMap(u => state.fixtures.externalContacts
    .filter(c => c.follows.some(f => f.userid === u.userid) && !waiting.has(`${u.userid}|${c.externalUserid}`))
    .map(c => ({ handover_userid: u.userid, external_userid: c.externalUserid, dimission_time: book.dimission.get(u.userid) ?? 0 })))
  const offset = typeof body.cursor === 'string' && /^\d+$/.test(body.cursor) ? Number(body.cursor) : 0
  const page = info.slice(offset, offset + size)
  const isLast = offset + size >= info.length
  return ok({ info: page, is_last: isLast, next_cursor: isLast ? '' : String(offset + size) })
}

const APP_ONLY = ['app'] as const

/** The transfer APIs, merged into the emulator's CGI routes (index.ts). */
export const TRANSFER_ROUTES: Record<string, CgiRoute> = {
  '/cgi-bin/externalcontact/transfer_customer': { method: 'POST', tokens: APP_ONLY, externalContact: true, handle: (_q, b, s) => transferCustomers(s, b, 'in_service') },
  '/cgi-bin/externalcontact/transfer_result': { method: 'POST', tokens: APP_ONLY, externalContact: true, handle: (_q, b, s) => transferResult(s, b, 'in_service') },
  '/cgi-bin/externalcontact/get_unassigned_list': { method: 'POST', tokens: APP_ONLY, externalContact: true, handle: (_q, b, s) => unassignedList(s, b) },
  '/cgi-bin/externalcontact/resigned/transfer_customer': { method: 'POST', tokens: APP_ONLY, externalContact: true, handle: (_q, b, s) => transferCustomers(s, b, 'resigned') },
  '/cgi-bin/externalcontact/resigned/transfer_result': { method: 'POST', tokens: APP_ONLY, externalContact: true, handle: (_q, b, s) => transferResult(s, b, 'resigned') },
}

/** The `/__emulator/transfers*` control routes; undefined for any other route. */
export function handleTransferControl(route: string, body: Record<string, unknown>, state: EmulatorState): { status: number, body: unknown } | undefined {
  const book = transferBook(state)
  switch (route) {
    case 'GET /__emulator/transfers':
      return { status: 200, body: { transfers: book.transfers } }
    case 'POST /__emulator/transfers/settle':
      return { status: 200, body: { settled: settleDueTransfers(state) } }
    case 'POST /__emulator/transfers/decide': {
      const decision = body.decision
      const t = book.transfers.find(x => x.externalUserid === body.externalUserid && x.status === 2)
      if (!t)
        return { status: 404, body: { error: 'no waiting transfer for this externalUserid' } }
      if (decision === 'accept')
        complete(state, t, state.clock.nowSeconds())
      else if (decision === 'refuse')
        refuse(state, t)
      else if (decision === 'limit')
        exceedLimit(state, t)
      else
        return { status: 400, body: { error: 'decision must be accept, refuse or limit' } }
      return { status: 200, body: { transfer: t } }
    }
    case 'POST /__emulator/transfers/capacity': {
      if (typeof body.userid !== 'string' || typeof body.max !== 'number' || body.max < 0)
        return { status: 400, body: { error: 'expected {userid, max ≥ 0}' } }
      book.capacity.set(body.userid, body.max)
      return { status: 200, body: { userid: body.userid, max: body.max } }
    }
    case 'POST /__emulator/transfers/resign': {
      const user = typeof body.userid === 'string' ? state.findUser(body.userid) : undefined
      if (!user)
        return { status: 404, body: { error: 'unknown userid' } }
      user.status = 5
      book.dimission.set(user.userid, state.clock.nowSeconds())
      return { status: 200, body: { userid: user.userid, status: user.status } }
    }
    default:
      return undefined
  }
}
