// All mutable state of the WeCom emulator and the WeCom business rules it reproduces
// (reference §2, §6). The HTTP layer (index.ts) only parses requests, applies transport-level
// rules (method, faults, rate limits) through this class and formats replies.

import type { EmulatorExternalContact, EmulatorFollow, EmulatorTag, EmulatorTagGroup, EmulatorUser, WecomFixtures } from './fixtures.ts'
import { randomBytes } from 'node:crypto'
import { EmulatorClock } from './clock.ts'
import { personalTagShapes } from './tags.ts'

/** A reply body before the HTTP layer adds `errmsg` ("ok" or text + hint suffix). */
export interface ApiReply {
  errcode: number
  /** Error text without the hint suffix (ignored when errcode is 0). */
  errtext?: string
  [field: string]: unknown
}

export type TokenKind = 'app' | 'contact' | 'archive'
export type TicketKind = 'corp' | 'agent'

/** Groups whose `groupId` starts with this prefix are rule-group (规则组) tags: `tags[].type` 3. */
export const RULE_TAG_GROUP_PREFIX = 'etRule'

/** Default error texts, close to the real `errmsg` heads. */
export const ERROR_TEXT: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40058: 'invalid Request Parameter',
  40068: 'invalid tagid',
  40071: 'UserTag Name Already Exist',
  40096: 'invalid external userid',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41008: 'missing code',
  42001: 'access_token expired',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  47001: 'data format error',
  48002: 'api forbidden',
  60011: 'no privilege to access/modify contact/party/agent',
  60020: 'not allow to access from your ip',
  60123: 'invalid party id',
  60111: 'invalid string value `userid`. userid not found',
  84061: 'not exist contact',
  701008: 'member has no interop license',
}

export function fail(errcode: number, detail?: string): ApiReply {
  const head = ERROR_TEXT[errcode] ?? 'error'
  return { errcode, errtext: detail ? `${head}, ${detail}` : head }
}

export function ok(data: Record<string, unknown> = {}): ApiReply {
  return { errcode: 0, ...data }
}

export interface EmulatorLimits {
  /** Calls per (corp, API) per minute; over it → 45009 and a 60 s block. */
  perMinute: number
  /** Calls per (corp, API) per hour; over it → 45009 and a 60 min block. */
  perHour: number
  /** Calls per (caller IP, API) per minute / hour (WeCom: 20 000 / 600 000). */
  ipPerMinute: number
  ipPerHour: number
  /** Calls with `debug=1` per (corp, API) per minute. */
  debugPerMinute: number
  /** Requests in flight per (corp, API); over it → 45033. */
  concurrency: number
  /** Artificial latency added to every /cgi-bin call (ms), to make concurrency observable. */
  latencyMs: number
  /** Ticket fetches per corp per hour (both kinds). */
  corpTicketsPerHour: number
  /** Agent-ticket fetches per app per hour. */
  agentTicketsPerHour: number
  /** Lifetime of access tokens and JS-SDK tickets. */
  tokenTtlSeconds: number
}

export const DEFAULT_LIMITS: EmulatorLimits = {
  perMinute: 10_000,
  perHour: 150_000,
  ipPerMinute: 20_000,
  ipPerHour: 600_000,
  debugPerMinute: 5,
  concurrency: 300,
  latencyMs: 0,
  corpTicketsPerHour: 400,
  agentTicketsPerHour: 100,
  tokenTtlSeconds: 7200,
}

export interface Fault {
  /** `/cgi-bin/...` path or `*` for any WeCom API. */
  api: string
  /** Reply with this errcode instead of serving the call… */
  errcode?: number
  /** …or hold the reply this long (ms) before serving it normally. */
  timeoutMs?: number
  /** Calls still to affect. */
  count: number
}

export interface CallLogEntry {
  seq: number
  method: string
  path: string
  /** Emulator time, epoch ms. */
  time: number
  errcode: number
  /** Which secret's token was presented, when it was valid. */
  tokenKind?: TokenKind
  /** A fault that shaped this call. */
  fault?: 'errcode' | 'timeout'
}

interface IssuedToken {
  kind: TokenKind
  expiresAt: number
  revoked: boolean
}

interface IssuedTicket {
  ticket: string
  expiresAt: number
}

interface OauthCode {
  userid: string
  expiresAt: number
  used: boolean
}

interface WindowCounter {
  minuteStart: number
  minuteCount: number
  hourStart: number
  hourCount: number
  blockedUntil: number
}

const OAUTH_CODE_TTL_MS = 5 * 60_000
const FOLLOW_PAGE_SIZE = 500
const HOUR_MS = 3_600_000

function encodeCursor(offset: number): string {
  return Buffer.from(`emu:${offset}`).toString('base64url')
}

/** Parses a cursor we issued; '' → 0; anything else → undefined (invalid). */
function decodeCursor(cursor: unknown): number | undefined {
  if (cursor === undefined || cursor === null || cursor === '')
    return 0
  if (typeof cursor !== 'string')
    return undefined
  const m = /^emu:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString())
  return m ? Number(m[1]) : undefined
}

/** A tag or group `order`: an integer in [0, 2^32). */
function isTagOrder(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every(x => typeof x === 'string')
}

export class EmulatorState {
  readonly clock: EmulatorClock
  fixtures: WecomFixtures
  limits: EmulatorLimits
  private tokens = new Map<string, IssuedToken>()
  private tickets = new Map<TicketKind, IssuedTicket>()
  /** Fetch times (ms) for the hourly ticket caps. */
  private ticketFetches: { kind: TicketKind, at: number }[] = []
  private oauthCodes = new Map<string, OauthCode>()
  private counters = new Map<string, WindowCounter>()
  private inflight = new Map<string, number>()
  faults: Fault[] = []
  calls: CallLogEntry[] = []
  /** Receives the callback events caused by mutations (wired to the CallbackPusher by index.ts). */
  emit: (event: Record<string, string | number>) => void = () => {}
  private seq = 0
  private hintSeq = 0
  private tagSeq = 0
  private readonly initialTtlSeconds: number

  constructor(fixtures: WecomFixtures, options: { now?: () => number, tokenTtlSeconds?: number } = {}) {
    this.clock = new EmulatorClock(options.now)
    this.fixtures = structuredClone(fixtures)
    this.initialTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_LIMITS.tokenTtlSeconds
    this.limits = { ...DEFAULT_LIMITS, tokenTtlSeconds: this.initialTtlSeconds }
  }

  now(): number {
    return this.clock.now()
  }

  // ---------------------------------------------------------------- control

  replaceFixtures(fixtures: WecomFixtures): void {
    this.fixtures = structuredClone(fixtures)
    this.oauthCodes.clear()
  }

  /** Forgets tokens, tickets, codes, counters, faults, the call log, custom limits and clock offsets; keeps fixtures. */
  reset(): void {
    this.clock.reset()
    this.tokens.clear()
    this.tickets.clear()
    this.ticketFetches = []
    this.oauthCodes.clear()
    this.counters.clear()
    this.faults = []
    this.calls = []
    this.limits = { ...DEFAULT_LIMITS, tokenTtlSeconds: this.initialTtlSeconds }
  }

  setLimits(patch: Partial<EmulatorLimits>): EmulatorLimits {
    for (const key of Object.keys(DEFAULT_LIMITS) as (keyof EmulatorLimits)[]) {
      const v = patch[key]
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0)
        this.limits[key] = v
    }
    // New limits start from fresh windows.
    this.counters.clear()
    return { ...this.limits }
  }

  /** Revokes one token, or all when `token` is undefined. Returns how many were revoked. */
  revokeTokens(token?: string): number {
    let n = 0
    for (const [t, info] of this.tokens) {
      if ((token === undefined || t === token) && !info.revoked) {
        info.revoked = true
        n++
      }
    }
    return n
  }

  addFault(fault: Fault): void {
    this.faults.push(fault)
  }

  /** Takes (decrements) the first fault matching `path`, if any. */
  takeFault(path: string): Fault | undefined {
    const f = this.faults.find(x => x.count > 0 && (x.api === '*' || x.api === path))
    if (!f)
      return undefined
    f.count--
    this.faults = this.faults.filter(x => x.count > 0)
    return { ...f }
  }

  logCall(entry: Omit<CallLogEntry, 'seq'>): void {
    this.calls.push({ seq: ++this.seq, ...entry })
  }

  /** `<unix>_<n>_<hex>` as in real `hint: [...]` suffixes. */
  nextHint(): string {
    return `${this.clock.nowSeconds()}_${++this.hintSeq}_${randomBytes(16).toString('hex')}`
  }

  // ---------------------------------------------------------------- transport rules

  /** 60020 when the app has a trusted-IP list that does not contain `ip`. */
  checkIp(ip: string): ApiReply | undefined {
    const trusted = this.fixtures.app.trustedIps
    if (trusted.length > 0 && !trusted.includes(ip))
      return fail(60020, `from ip: ${ip}`)
    return undefined
  }

  /**
   * Counts a call against the per-(corp, API) and per-(IP, API) minute/hour windows (and the
   * `debug=1` window); 45009 when over or still blocked (60 s after a minute limit, 60 min after
   * an hour limit).
   */
  checkRate(path: string, ip: string, debug = false): ApiReply | undefined {
    const l = this.limits
    const windows: [string, number, number][] = [
      [`corp:${this.fixtures.corpId}:${path}`, l.perMinute, l.perHour],
      [`ip:${ip}:${path}`, l.ipPerMinute, l.ipPerHour],
    ]
    if (debug)
      windows.push([`debug:${this.fixtures.corpId}:${path}`, l.debugPerMinute, Number.POSITIVE_INFINITY])
    for (const [key, perMinute, perHour] of windows) {
      const blocked = this.countWindow(key, perMinute, perHour)
      if (blocked)
        return blocked
    }
    return undefined
  }

  private countWindow(key: string, perMinute: number, perHour: number): ApiReply | undefined {
    const now = this.now()
    let c = this.counters.get(key)
    if (!c) {
      c = { minuteStart: now, minuteCount: 0, hourStart: now, hourCount: 0, blockedUntil: 0 }
      this.counters.set(key, c)
    }
    if (now < c.blockedUntil)
      return fail(45009)
    if (now - c.minuteStart >= 60_000) {
      c.minuteStart = now
      c.minuteCount = 0
    }
    if (now - c.hourStart >= HOUR_MS) {
      c.hourStart = now
      c.hourCount = 0
    }
    c.minuteCount++
    c.hourCount++
    if (c.hourCount > perHour) {
      c.blockedUntil = now + HOUR_MS
      return fail(45009, 'hour limit')
    }
    if (c.minuteCount > perMinute) {
      c.blockedUntil = now + 60_000
      return fail(45009, 'minute limit')
    }
    return undefined
  }

  /** Takes a concurrency slot for (corp, API); returns a release function, or 45033. */
  acquireSlot(path: string): ApiReply | (() => void) {
    const key = `${this.fixtures.corpId}:${path}`
    const n = this.inflight.get(key) ?? 0
    if (n >= this.limits.concurrency)
      return fail(45033)
    this.inflight.set(key, n + 1)
    let released = false
    return () => {
      if (released)
        return
      released = true
      this.inflight.set(key, (this.inflight.get(key) ?? 1) - 1)
    }
  }

  // ---------------------------------------------------------------- tokens

  getToken(corpid: string | undefined, secret: string | undefined): ApiReply {
    if (!corpid)
      return fail(41002)
    if (!secret)
      return fail(41004)
    if (corpid !== this.fixtures.corpId)
      return fail(40013)
    let kind: TokenKind
    if (secret === this.fixtures.app.secret)
      kind = 'app'
    else if (secret === this.fixtures.contactSecret)
      kind = 'contact'
    else if (this.fixtures.archiveSecret && secret === this.fixtures.archiveSecret)
      kind = 'archive'
    else
      return fail(40001)
    const ttl = this.limits.tokenTtlSeconds
    const token = `EMU_${kind.toUpperCase()}_${randomBytes(24).toString('base64url')}`
    this.tokens.set(token, { kind, expiresAt: this.now() + ttl * 1000, revoked: false })
    return ok({ access_token: token, expires_in: ttl })
  }

  /** Validates a presented token; returns its kind or the WeCom error. */
  checkToken(token: string | undefined, allowed: readonly TokenKind[]): ApiReply | TokenKind {
    if (!token)
      return fail(41001)
    const info = this.tokens.get(token)
    if (!info || info.revoked)
      return fail(40014)
    if (this.now() >= info.expiresAt)
      return fail(42001)
    if (!allowed.includes(info.kind))
      return fail(48002, `${info.kind} secret cannot call this api`)
    return info.kind
  }

  /**
   * externalcontact/* access (reference §2.4): the app's own token when the app is listed under
   * 客户联系 → 可调用接口的应用; the 客户联系 system secret's token only for corps created before
   * 2023-12-01. Anything else: 48002 api forbidden.
   */
  checkExternalContactAccess(kind: TokenKind): ApiReply | undefined {
    if (kind === 'app' && this.fixtures.app.customerContactApi === false)
      return fail(48002, 'app is not allowed to call customer contact apis')
    if (kind === 'contact' && this.fixtures.corpCreatedAfter20231201 === true)
      return fail(48002, 'system app secret is not supported for corps created after 2023-12-01')
    return undefined
  }

  // ---------------------------------------------------------------- tickets

  /** The current ticket of a kind, issuing a new one when none is valid (no cap accounting). */
  currentTicket(kind: TicketKind): IssuedTicket {
    const cur = this.tickets.get(kind)
    if (cur && this.now() < cur.expiresAt)
      return cur
    const fresh = {
      ticket: `EMU_${kind === 'corp' ? 'CORP' : 'AGENT'}_TICKET_${randomBytes(18).toString('base64url')}`,
      expiresAt: this.now() + this.limits.tokenTtlSeconds * 1000,
    }
    this.tickets.set(kind, fresh)
    return fresh
  }

  /**
   * A ticket fetch through the API: applies the hourly caps (corp: all fetches; app: agent
   * fetches), then returns the current ticket. While a ticket is valid, repeated fetches return
   * the same ticket with its remaining lifetime, so the mock JS bridge can verify signatures
   * against `/__emulator/jsapi-tickets`.
   */
  fetchTicket(kind: TicketKind): ApiReply {
    const now = this.now()
    this.ticketFetches = this.ticketFetches.filter(f => now - f.at < HOUR_MS)
    const corpCount = this.ticketFetches.length
    const appCount = this.ticketFetches.filter(f => f.kind === 'agent').length
    if (corpCount >= this.limits.corpTicketsPerHour)
      return fail(45009, 'jsapi ticket: corp hourly limit')
    if (kind === 'agent' && appCount >= this.limits.agentTicketsPerHour)
      return fail(45009, 'agent ticket: app hourly limit')
    this.ticketFetches.push({ kind, at: now })
    const t = this.currentTicket(kind)
    return ok({ ticket: t.ticket, expires_in: Math.max(1, Math.floor((t.expiresAt - now) / 1000)) })
  }

  // ---------------------------------------------------------------- members and OAuth

  findUser(userid: string): EmulatorUser | undefined {
    const wanted = userid.toLowerCase() // userids are case-insensitive
    return this.fixtures.users.find(u => u.userid.toLowerCase() === wanted)
  }

  /** A user the app can see, or the WeCom error for why not (40003 / 60111 / 60011). */
  private visibleUser(userid: string | undefined): EmulatorUser | ApiReply {
    if (!userid)
      return fail(40003, 'userid missing')
    const u = this.findUser(userid)
    if (!u)
      return fail(60111)
    if (!u.visibleToApp)
      return fail(60011)
    return u
  }

  departmentName(id: number): string {
    return this.fixtures.departments.find(d => d.id === id)?.name ?? ''
  }

  issueOauthCode(userid: string): string {
    const code = randomBytes(24).toString('base64url')
    this.oauthCodes.set(code, { userid, expiresAt: this.now() + OAUTH_CODE_TTL_MS, used: false })
    return code
  }

  getUserInfoByCode(code: string | undefined): ApiReply {
    if (!code)
      return fail(41008)
    const c = this.oauthCodes.get(code)
    if (!c || c.used || this.now() >= c.expiresAt)
      return fail(40029)
    c.used = true
    return ok({ userid: c.userid })
  }

  getUser(userid: string | undefined): ApiReply {
    const u = this.visibleUser(userid)
    return 'errcode' in u ? u : ok(this.userShape(u))
  }

  private userShape(u: EmulatorUser): Record<string, unknown> {
    return {
      userid: u.userid,
      name: u.name,
      department: u.department,
      order: u.department.map(() => 0),
      position: u.position,
      // Real user/get sends gender as a string.
      gender: String(u.gender),
      avatar: u.avatar,
      thumb_avatar: u.avatar,
      status: u.status,
      enable: u.status === 2 ? 0 : 1,
      alias: '',
      is_leader_in_dept: u.isLeaderInDept,
      direct_leader: [],
      main_department: u.mainDepartment,
      open_userid: `woEmuOpen_${u.userid}`,
      external_profile: { external_attr: [] },
    }
  }

  listDepartments(id: string | undefined): ApiReply {
    const all = this.fixtures.departments
    let picked = all
    if (id !== undefined && id !== '') {
      const root = Number(id)
      if (!all.some(d => d.id === root))
        return fail(60123)
      const keep = new Set([root])
      let grew = true
      while (grew) {
        grew = false
        for (const d of all) {
          if (!keep.has(d.id) && keep.has(d.parentId)) {
            keep.add(d.id)
            grew = true
          }
        }
      }
      picked = all.filter(d => keep.has(d.id))
    }
    return ok({
      department: picked.map((d, i) => ({
        id: d.id,
        name: d.name,
        parentid: d.parentId,
        order: 100_000_000 - i,
        department_leader: this.fixtures.users
          .filter(u => u.department.some((dep, j) => dep === d.id && u.isLeaderInDept[j] === 1))
          .map(u => u.userid),
      })),
    })
  }

  // ---------------------------------------------------------------- external contacts

  private visibleMember(userid: string): EmulatorUser | undefined {
    const u = this.findUser(userid)
    return u && u.visibleToApp ? u : undefined
  }

  getFollowUserList(): ApiReply {
    return ok({
      follow_user: this.fixtures.users.filter(u => u.customerContact && u.visibleToApp).map(u => u.userid),
    })
  }

  listExternalContacts(userid: string | undefined): ApiReply {
    const u = this.visibleUser(userid)
    if ('errcode' in u)
      return u
    const ids = this.fixtures.externalContacts
      .filter(c => c.follows.some(f => f.userid === u.userid))
      .map(c => c.externalUserid)
    if (ids.length === 0)
      return fail(84061)
    return ok({ external_userid: ids })
  }

  private findContact(externalUserid: string): EmulatorExternalContact | undefined {
    return this.fixtures.externalContacts.find(c => c.externalUserid === externalUserid)
  }

  private contactShape(c: EmulatorExternalContact): Record<string, unknown> {
    const shape: Record<string, unknown> = {
      external_userid: c.externalUserid,
      name: c.name,
      avatar: c.avatar,
      type: c.type,
      gender: c.gender,
    }
    if (c.unionid)
      shape.unionid = c.unionid
    if (c.type === 2) {
      shape.position = ''
      shape.corp_name = c.corpName ?? ''
      shape.corp_full_name = c.corpName ?? ''
    }
    return shape
  }

  private tagById(tagId: string): { group: EmulatorTagGroup, tag: EmulatorTagGroup['tags'][number] } | undefined {
    for (const group of this.fixtures.tagGroups) {
      if (group.deleted)
        continue
      const tag = group.tags.find(t => t.id === tagId && !t.deleted)
      if (tag)
        return { group, tag }
    }
    return undefined
  }

  private liveTagIds(f: EmulatorFollow): string[] {
    return f.tagIds.filter(id => this.tagById(id) !== undefined)
  }

  private followShape(f: EmulatorFollow): Record<string, unknown> {
    return {
      userid: f.userid,
      remark: f.remark,
      description: f.description,
      createtime: f.createtime,
      tags: [...this.liveTagIds(f).map((id) => {
        const { group, tag } = this.tagById(id)!
        return { group_name: group.groupName, tag_name: tag.name, tag_id: tag.id, type: group.groupId.startsWith(RULE_TAG_GROUP_PREFIX) ? 3 : 1 }
      }), ...personalTagShapes(f)],
      remark_corp_name: '',
      remark_mobiles: f.remarkMobiles,
      oper_userid: f.userid,
      add_way: f.addWay,
      ...(f.state ? { state: f.state } : {}),
    }
  }

  getExternalContact(externalUserid: string | undefined, cursor: string | undefined): ApiReply {
    if (!externalUserid)
      return fail(40096, 'external_userid missing')
    const c = this.findContact(externalUserid)
    if (!c)
      return fail(40096)
    const follows = c.follows.filter(f => this.visibleMember(f.userid))
    if (follows.length === 0)
      return fail(84061)
    const offset = decodeCursor(cursor)
    if (offset === undefined || offset > follows.length)
      return fail(40058, 'invalid cursor')
    const page = follows.slice(offset, offset + FOLLOW_PAGE_SIZE)
    const next = offset + FOLLOW_PAGE_SIZE < follows.length ? encodeCursor(offset + FOLLOW_PAGE_SIZE) : ''
    return ok({
      external_contact: { ...this.contactShape(c), external_profile: { external_attr: [] } },
      follow_user: page.map(f => this.followShape(f)),
      next_cursor: next,
    })
  }

  batchGetByUser(body: Record<string, unknown>): ApiReply {
    let userids: string[]
    if (body.userid_list !== undefined) {
      if (!isStringArray(body.userid_list))
        return fail(40058, 'userid_list must be a string array')
      userids = body.userid_list
    }
    else if (typeof body.userid === 'string') {
      userids = [body.userid] // legacy single-userid form
    }
    else {
      return fail(40058, 'userid_list missing')
    }
    if (userids.length === 0 || userids.length > 100)
      return fail(40058, 'userid_list size must be 1..100')
    const limit = body.limit === undefined ? 50 : body.limit
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100)
      return fail(40058, 'limit must be 1..100')
    const offset = decodeCursor(body.cursor)
    if (offset === undefined)
      return fail(40058, 'invalid cursor')

    const pairs: { c: EmulatorExternalContact, f: EmulatorFollow }[] = []
    const unlicensed: string[] = []
    for (const uid of userids) {
      const u = this.visibleMember(uid)
      if (!u)
        continue
      if (u.interopLicensed === false) {
        unlicensed.push(uid)
        continue
      }
      for (const c of this.fixtures.externalContacts) {
        const f = c.follows.find(x => x.userid === u.userid)
        if (f)
          pairs.push({ c, f })
      }
    }
    if (unlicensed.length === userids.length)
      return fail(701008)
    if (offset > pairs.length)
      return fail(40058, 'invalid cursor')
    const page = pairs.slice(offset, offset + limit)
    return ok({
      ...(unlicensed.length > 0 ? { fail_info: { unlicensed_userid_list: unlicensed } } : {}),
      external_contact_list: page.map(({ c, f }) => ({
        external_contact: this.contactShape(c),
        follow_info: {
          userid: f.userid,
          remark: f.remark,
          description: f.description,
          createtime: f.createtime,
          tag_id: this.liveTagIds(f),
          remark_corp_name: '',
          remark_mobiles: f.remarkMobiles,
          oper_userid: f.userid,
          add_way: f.addWay,
          ...(f.state ? { state: f.state } : {}),
        },
      })),
      next_cursor: offset + limit < pairs.length ? encodeCursor(offset + limit) : '',
    })
  }

  // ---------------------------------------------------------------- corp tags

  private groupShape(g: EmulatorTagGroup, onlyTags?: Set<string>): Record<string, unknown> {
    return {
      group_id: g.groupId,
      group_name: g.groupName,
      create_time: g.createTime,
      order: g.order,
      tag: g.tags
        .filter(t => !t.deleted && (!onlyTags || onlyTags.has(t.id)))
        .map(t => ({ id: t.id, name: t.name, create_time: t.createTime, order: t.order })),
    }
  }

  getCorpTagList(body: Record<string, unknown>): ApiReply {
    const groups = this.fixtures.tagGroups.filter(g => !g.deleted)
    const groupIds = isStringArray(body.group_id) ? body.group_id : []
    const tagIds = isStringArray(body.tag_id) ? body.tag_id : []
    if (groupIds.length > 0) // group_id wins when both are given
      return ok({ tag_group: groups.filter(g => groupIds.includes(g.groupId)).map(g => this.groupShape(g)) })
    if (tagIds.length > 0) {
      const wanted = new Set(tagIds)
      return ok({
        tag_group: groups
          .filter(g => g.tags.some(t => !t.deleted && wanted.has(t.id)))
          .map(g => this.groupShape(g, wanted)),
      })
    }
    return ok({ tag_group: groups.map(g => this.groupShape(g)) })
  }

  private newTagId(prefix: string): string {
    return `${prefix}${this.now().toString(36)}${(++this.tagSeq).toString(36)}${randomBytes(3).toString('hex')}`
  }

  private isRuleGroup(g: EmulatorTagGroup): boolean {
    return g.groupId.startsWith(RULE_TAG_GROUP_PREFIX)
  }

  /**
   * Whether the caller may edit/delete this group or tag: the 客户联系 system secret may touch every
   * corp tag; an app only what it created ("应用仅能编辑和删除本应用创建的标签"). Rule-group tags are
   * managed through the strategy-tag APIs only. The docs do not name the errcode of this refusal
   * (81011 is the contacts-tag API's); the emulator answers 40068 (the id is not one this caller may
   * manage), and the server refuses such tags itself before asking WeCom.
   */
  private mayManage(kind: TokenKind, g: EmulatorTagGroup, t?: EmulatorTag): boolean {
    if (this.isRuleGroup(g))
      return false
    if (kind === 'contact')
      return true
    return (t?.createdByAgentId ?? g.createdByAgentId) === this.fixtures.app.agentId
  }

  addCorpTag(body: Record<string, unknown>, kind: TokenKind): ApiReply {
    if (!Array.isArray(body.tag) || body.tag.length === 0)
      return fail(40058, 'tag list empty')
    const tags: { name: string, order: number }[] = []
    for (const raw of body.tag as unknown[]) {
      const t = raw as { name?: unknown, order?: unknown }
      if (typeof t?.name !== 'string' || t.name.trim() === '' || [...t.name].length > 30)
        return fail(40058, 'tag name must be 1..30 chars')
      if (t.order !== undefined && !isTagOrder(t.order))
        return fail(40058, 'order must be an integer in [0, 2^32)')
      if (!tags.some(x => x.name === t.name)) // duplicates inside one request collapse to one
        tags.push({ name: t.name, order: typeof t.order === 'number' ? t.order : 0 })
    }
    const now = this.clock.nowSeconds()
    let group: EmulatorTagGroup | undefined
    if (typeof body.group_id === 'string' && body.group_id !== '') {
      group = this.fixtures.tagGroups.find(g => g.groupId === body.group_id && !g.deleted)
      if (!group)
        return fail(40068, 'invalid group_id')
    }
    else if (typeof body.group_name === 'string' && body.group_name !== '') {
      if ([...body.group_name].length > 30)
        return fail(40058, 'group name must be ≤ 30 chars')
      group = this.fixtures.tagGroups.find(g => g.groupName === body.group_name && !g.deleted)
    }
    else {
      return fail(40058, 'group_id or group_name required')
    }
    if (group && this.isRuleGroup(group))
      return fail(40068, 'rule-group tags are managed through the strategy tag apis')
    for (const t of tags) {
      if (group?.tags.some(x => !x.deleted && x.name === t.name))
        return fail(40071, t.name)
    }
    let createdGroup = false
    if (!group) {
      createdGroup = true
      group = {
        ...(kind === 'app' ? { createdByAgentId: this.fixtures.app.agentId } : {}),
        groupId: this.newTagId('etEmuGroup'),
        groupName: body.group_name as string,
        order: typeof body.order === 'number' ? body.order : 0,
        createTime: now,
        tags: [],
      }
      this.fixtures.tagGroups.push(group)
    }
    const created: EmulatorTag[] = tags.map(t => ({
      ...(kind === 'app' ? { createdByAgentId: this.fixtures.app.agentId } : {}),
      id: this.newTagId('etEmuTag'),
      name: t.name,
      order: t.order,
      createTime: now,
    }))
    group.tags.push(...created)
    if (createdGroup)
      this.emit({ Event: 'change_external_tag', Id: group.groupId, TagType: 'tag_group', ChangeType: 'create' })
    else
      created.forEach(t => this.emit({ Event: 'change_external_tag', Id: t.id, TagType: 'tag', ChangeType: 'create' }))
    return ok({ tag_group: this.groupShape(group, new Set(created.map(t => t.id))) })
  }

  editCorpTag(body: Record<string, unknown>, kind: TokenKind): ApiReply {
    if (typeof body.id !== 'string')
      return fail(40068, 'id missing')
    // "name: 新的标签或标签组名称，最长为30个字符"; "order: 有效的值范围是[0, 2^32)".
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.trim() === '' || [...body.name].length > 30))
      return fail(40058, 'name must be 1..30 chars')
    if (body.order !== undefined && !isTagOrder(body.order))
      return fail(40058, 'order must be an integer in [0, 2^32)')
    for (const g of this.fixtures.tagGroups.filter(x => !x.deleted)) {
      if (g.groupId === body.id) {
        if (!this.mayManage(kind, g))
          return fail(40068, 'not created by this app')
        if (typeof body.name === 'string') {
          if (this.fixtures.tagGroups.some(x => !x.deleted && x !== g && x.groupName === body.name))
            return fail(40071, body.name)
          g.groupName = body.name
        }
        if (typeof body.order === 'number')
          g.order = body.order
        this.emit({ Event: 'change_external_tag', Id: g.groupId, TagType: 'tag_group', ChangeType: 'update' })
        return ok()
      }
      const t = g.tags.find(x => x.id === body.id && !x.deleted)
      if (t) {
        if (!this.mayManage(kind, g, t))
          return fail(40068, 'not created by this app')
        if (typeof body.name === 'string') {
          if (g.tags.some(x => !x.deleted && x !== t && x.name === body.name))
            return fail(40071, body.name)
          t.name = body.name
        }
        if (typeof body.order === 'number')
          t.order = body.order
        this.emit({ Event: 'change_external_tag', Id: t.id, TagType: 'tag', ChangeType: 'update' })
        return ok()
      }
    }
    return fail(40068)
  }

  delCorpTag(body: Record<string, unknown>, kind: TokenKind): ApiReply {
    const tagIds = isStringArray(body.tag_id) ? body.tag_id : []
    const groupIds = isStringArray(body.group_id) ? body.group_id : []
    if (tagIds.length === 0 && groupIds.length === 0)
      return fail(40058, 'tag_id or group_id required')
    for (const id of tagIds) {
      const found = this.tagById(id)
      if (!found || !this.mayManage(kind, found.group, found.tag))
        return fail(40068, id)
    }
    for (const id of groupIds) {
      const g = this.fixtures.tagGroups.find(x => x.groupId === id && !x.deleted)
      if (!g || !this.mayManage(kind, g))
        return fail(40068, id)
    }
    for (const id of tagIds) {
      const { group, tag } = this.tagById(id)!
      tag.deleted = true
      this.emit({ Event: 'change_external_tag', Id: tag.id, TagType: 'tag', ChangeType: 'delete' })
      if (group.tags.every(t => t.deleted)) { // deleting the last tag deletes the group
        group.deleted = true
        this.emit({ Event: 'change_external_tag', Id: group.groupId, TagType: 'tag_group', ChangeType: 'delete' })
      }
    }
    for (const g of this.fixtures.tagGroups) {
      if (groupIds.includes(g.groupId) && !g.deleted) {
        g.deleted = true
        g.tags.forEach(t => (t.deleted = true))
        this.emit({ Event: 'change_external_tag', Id: g.groupId, TagType: 'tag_group', ChangeType: 'delete' })
      }
    }
    return ok()
  }

  markTag(body: Record<string, unknown>, kind: TokenKind): ApiReply {
    const add = body.add_tag === undefined ? [] : body.add_tag
    const remove = body.remove_tag === undefined ? [] : body.remove_tag
    if (!isStringArray(add) || !isStringArray(remove))
      return fail(40058, 'add_tag/remove_tag must be string arrays')
    if (add.length === 0 && remove.length === 0)
      return fail(40058, 'add_tag and remove_tag both empty')
    if (typeof body.userid !== 'string' || body.userid === '')
      return fail(40003, 'userid missing')
    if (typeof body.external_userid !== 'string' || body.external_userid === '')
      return fail(40096, 'external_userid missing')
    const u = this.visibleUser(body.userid)
    if ('errcode' in u)
      return u
    const c = this.findContact(body.external_userid)
    if (!c)
      return fail(40096)
    const follow = c.follows.find(f => f.userid === u.userid)
    if (!follow)
      return fail(84061)
    for (const id of [...add, ...remove]) {
      const found = this.tagById(id)
      if (!found)
        return fail(40068, id)
      // "如果要使用某个客户联系规则组下的企业客户标签，则规则组必须由同一个应用创建"
      if (kind === 'app' && this.isRuleGroup(found.group) && found.group.createdByAgentId !== this.fixtures.app.agentId)
        return fail(40068, `${id} belongs to a rule group of another app`)
    }
    const set = new Set(follow.tagIds)
    add.forEach(id => set.add(id))
    remove.forEach(id => set.delete(id))
    follow.tagIds = [...set]
    this.emit({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: u.userid, ExternalUserID: c.externalUserid })
    return ok()
  }
}
