// The WeCom client: the only way the server talks to WeCom (production: https://qyapi.weixin.qq.com;
// tests and demo: the emulator's URL). Behaviour (reference §2.1, §2.2, §2.9, §2.10):
//
// - Access tokens per secret ('app' = self-built app secret, 'contact' = 客户联系 secret), cached in
//   the CredentialStore until 90 % of expires_in; one in-flight gettoken per key (single-flight)
//   inside this process. Across instances the DB store shares the cached value; two instances
//   refreshing at the same instant may both call gettoken (harmless: old tokens stay valid).
// - JS-SDK tickets (corp / agent) cached the same way (they are capped at 400/h per corp, 100/h
//   per app, so they live in the shared store).
// - externalcontact/* calls use the self-built app's token (the app must be listed under 客户联系 →
//   可调用接口的应用). The 客户联系 system secret is refused for corps created after 2023-12-01 and
//   by the transfer APIs, so it is only a legacy fallback: when configured, a 48002 on the app
//   token is retried ONCE with the contact secret's token (48002 means nothing was executed).
// - Every call carries the token in the query string. 40014/42001/41001 → drop the cached token
//   (only if it is still the one that failed), fetch a new one, retry the call ONCE.
// - -1 (system busy) → exponential backoff, ≤ maxRetries retries. 45033 (concurrency) → short
//   linear backoff, ≤ maxRetries retries (same budget). Only for idempotent calls: after -1 a
//   non-idempotent write may have happened, so it is never repeated.
// - 45009 (frequency limit) → no retry storm: throws WecomApiError kind 'rate_limit' with
//   retryAfterMs = 60 s (WeCom does not say which window tripped; minute windows block 60 s).
//   Exception: idempotent reads wait once and retry when the client was created with
//   rateLimitWaitMs ≥ retryAfterMs (off by default — a sidebar request should fail fast).
// - Timeouts (AbortSignal.timeout(timeoutMs)) and network errors: idempotent reads retry
//   ≤ maxRetries, then WecomApiError kind 'timeout' (or 'retryable' for network errors), errcode -1.
//   Non-idempotent writes never retry on a timeout (the write may have happened).

import type { AppConfig } from '../config.ts'
import type { CredentialStore } from './credential-store.ts'
import type {
  BatchExternalContact,
  BatchGetByUserPage,
  CorpTagGroup,
  ExternalContactDetail,
  ExternalContactFollowUser,
  ExternalContactProfile,
  WecomDepartment,
  WecomEnvelope,
  WecomUser,
} from './types.ts'
import { randomBytes } from 'node:crypto'
import { ticketKey, tokenKey } from './credential-store.ts'
import { isTokenErrcode, WecomApiError } from './errors.ts'
import { jsapiSignature, signableUrl } from './signature.ts'

export const WECOM_API_BASE = 'https://qyapi.weixin.qq.com'
export const WECOM_OAUTH_BASE = 'https://open.weixin.qq.com'

export type TokenWhich = 'app' | 'contact'
export type TicketKind = 'corp' | 'agent'

export interface WecomClientEvent {
  type: 'token_refresh' | 'ticket_refresh' | 'token_invalidated' | 'retry' | 'contact_secret_fallback'
  api: string
  errcode?: number
  attempt?: number
  delayMs?: number
}

export interface WecomClientOptions {
  /** `https://qyapi.weixin.qq.com` in production, the emulator URL in tests/demo. */
  apiBase: string
  corpId: string
  agentId: number | string
  /** Self-built app secret: OAuth, user/department reads, JS-SDK tickets and externalcontact/* APIs. */
  appSecret: string
  /** Optional legacy 客户联系 system secret ('' = none): tried only when the app token gets 48002. */
  contactSecret?: string
  store: CredentialStore
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number
  /** Epoch ms (default Date.now): cache expiry and JS-SDK timestamps. */
  now?: () => number
  /** Backoff sleeper (tests pass a recording, instant one). */
  sleep?: (ms: number) => Promise<void>
  /** Retries for -1, 45033 and read timeouts (default 3). */
  maxRetries?: number
  /** Idempotent reads may wait this long once on 45009 (default 0 = throw at once). */
  rateLimitWaitMs?: number
  /** At most one ticket refresh after a reported agentConfig/config failure per kind per this long (default 5 min). */
  ticketRefreshIntervalMs?: number
  fetch?: typeof fetch
  onEvent?: (event: WecomClientEvent) => void
}

export interface RequestSpec {
  /** Whose token to send; null = none (gettoken). */
  which: TokenWhich | null
  method: 'GET' | 'POST'
  /** `/cgi-bin/...` */
  path: string
  /** An externalcontact/* API: may fall back to the legacy contact secret on 48002. */
  externalContact?: boolean
  query?: Record<string, string | number | undefined>
  body?: unknown
  /** A multipart body instead of JSON (media/upload); a factory, so a retry sends a fresh one. */
  form?: () => FormData
  /** Safe to repeat after a timeout (reads, idempotent writes such as mark_tag). */
  idempotent: boolean
}

export interface JsapiSignatureResult {
  /** Seconds. */
  timestamp: number
  nonceStr: string
  signature: string
}

export interface AddCorpTagInput {
  groupId?: string
  groupName?: string
  order?: number
  tags: { name: string, order?: number }[]
}

export interface MarkTagInput {
  userid: string
  externalUserid: string
  addTag?: string[]
  removeTag?: string[]
}

/** The client for the corp in the app configuration, caching tokens/tickets in `store`. */
/** 在职继承 (transfer_customer) or 离职继承 (resigned/transfer_customer). */
export type TransferKind = 'in_service' | 'resigned'

export interface TransferCustomerInput {
  kind: TransferKind
  handoverUserid: string
  takeoverUserid: string
  /** ≤ 100 (TRANSFER_BATCH_LIMIT). */
  externalUserids: string[]
  /** transfer_success_msg, ≤ 200 characters (在职继承 only). */
  message?: string
}

/** Per customer: errcode 0 = the transfer started (not done: WeCom hands over after 24 h unless the customer refuses). */
export interface TransferCustomerResult {
  external_userid: string
  errcode: number
}

/** transfer_result row: status 1 taken over, 2 waiting, 3 customer refused, 4 new member at their limit. */
export interface TransferStatusRow {
  external_userid: string
  status: number
  /** Seconds; the (future) takeover time while waiting, 0 when it failed. */
  takeover_time: number
}

export interface UnassignedCustomer {
  handover_userid: string
  external_userid: string
  /** Seconds. */
  dimission_time: number
}

export function createWecomClientFromConfig(config: AppConfig['wecom'], store: CredentialStore, extra: Partial<WecomClientOptions> = {}) {
  return createWecomClient({
    apiBase: config.apiBase,
    corpId: config.corpId,
    agentId: config.agentId,
    appSecret: config.appSecret,
    contactSecret: config.contactSecret,
    store,
    ...extra,
  })
}

/** Ratio of expires_in after which a cached token/ticket is refreshed. */
const REFRESH_RATIO = 0.9
const RATE_LIMIT_RETRY_MS = 60_000
const DEFAULT_TICKET_REFRESH_INTERVAL_MS = 5 * 60_000
const MAX_BATCH_USERIDS = 100
/** batch/get_by_user: none of the requested members holds an interop licence (互通账号). */
const UNLICENSED_ERRCODE = 701008

export interface BatchGetByUserResult {
  contacts: BatchExternalContact[]
  /** Requested members WeCom could not answer for (no interop licence): their follows are unknown. */
  unlicensedUserids: string[]
}

const defaultSleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

function isAbortTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
}

export type WecomClient = ReturnType<typeof createWecomClient>

export function createWecomClient(options: WecomClientOptions) {
  const {
    apiBase,
    corpId,
    agentId,
    appSecret,
    contactSecret = '',
    store,
    timeoutMs = 5000,
    now = Date.now,
    sleep = defaultSleep,
    maxRetries = 3,
    rateLimitWaitMs = 0,
    ticketRefreshIntervalMs = DEFAULT_TICKET_REFRESH_INTERVAL_MS,
    onEvent,
  } = options
  const doFetch = options.fetch ?? fetch
  const base = apiBase.replace(/\/+$/, '')
  const inflight = new Map<string, Promise<string>>()

  function emit(event: WecomClientEvent): void {
    onEvent?.(event)
  }

  /** One promise per key: concurrent callers share a single refresh. */
  function singleFlight(key: string, work: () => Promise<string>): Promise<string> {
    const running = inflight.get(key)
    if (running)
      return running
    const p = work().finally(() => inflight.delete(key))
    inflight.set(key, p)
    return p
  }

  function secretOf(which: TokenWhich): string {
    return which === 'app' ? appSecret : contactSecret
  }

  async function fresh(key: string): Promise<string | undefined> {
    const c = await store.get(key)
    return c && now() < c.expiresAt ? c.value : undefined
  }

  /** One HTTP exchange; throws on timeout/network/non-JSON, returns the parsed envelope otherwise. */
  async function exchange(spec: RequestSpec, token: string | undefined): Promise<WecomEnvelope & Record<string, unknown>> {
    const url = new URL(base + spec.path)
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined)
        url.searchParams.set(k, String(v))
    }
    if (token !== undefined)
      url.searchParams.set('access_token', token)
    const json = spec.method === 'POST' && !spec.form
    const res = await doFetch(url, {
      method: spec.method,
      // A FormData body sets its own multipart Content-Type with the boundary.
      headers: json ? { 'Content-Type': 'application/json; charset=utf-8' } : undefined,
      body: spec.form ? spec.form() : json ? JSON.stringify(spec.body ?? {}) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    if (!res.ok)
      throw new Error(`HTTP ${res.status}`)
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null)
      throw new Error('reply is not a JSON object')
    const obj = parsed as Record<string, unknown>
    return { ...obj, errcode: typeof obj.errcode === 'number' ? obj.errcode : 0, errmsg: typeof obj.errmsg === 'string' ? obj.errmsg : '' }
  }

  /**
   * Performs a WeCom API call with the token / retry policy described at the top of this file.
   * Resolves with the reply (errcode 0) or rejects with a WecomApiError.
   */
  async function request<T extends object = Record<string, unknown>>(spec: RequestSpec): Promise<T & WecomEnvelope> {
    let attempt = 0
    let tokenRetried = false
    let waitedForRateLimit = false
    let which = spec.which
    for (;;) {
      const token = which ? await getAccessToken(which) : undefined
      let reply: WecomEnvelope & Record<string, unknown>
      try {
        reply = await exchange(spec, token)
      }
      catch (err) {
        const timedOut = isAbortTimeout(err)
        if (spec.idempotent && attempt < maxRetries) {
          attempt++
          const delayMs = 100 * attempt
          emit({ type: 'retry', api: spec.path, attempt, delayMs })
          await sleep(delayMs)
          continue
        }
        throw new WecomApiError({
          errcode: -1,
          errmsg: timedOut ? `no reply within ${timeoutMs} ms` : `network error: ${err instanceof Error ? err.message : String(err)}`,
          api: spec.path,
          kind: timedOut ? 'timeout' : 'retryable',
          cause: err,
        })
      }
      const code = reply.errcode
      if (code === 0)
        return reply as T & WecomEnvelope
      if (which && isTokenErrcode(code) && !tokenRetried) {
        tokenRetried = true
        await invalidateToken(which, token)
        emit({ type: 'token_invalidated', api: spec.path, errcode: code })
        continue
      }
      if (code === 48002 && spec.externalContact && which === 'app' && contactSecret) {
        which = 'contact'
        tokenRetried = false
        emit({ type: 'contact_secret_fallback', api: spec.path, errcode: code })
        continue
      }
      if ((code === -1 || code === 45033) && spec.idempotent && attempt < maxRetries) {
        attempt++
        // -1: exponential (200, 400, 800 ms…) with jitter; 45033: short linear steps.
        const delayMs = code === -1
          ? 200 * 2 ** (attempt - 1) + Math.floor(Math.random() * 100)
          : 250 * attempt
        emit({ type: 'retry', api: spec.path, errcode: code, attempt, delayMs })
        await sleep(delayMs)
        continue
      }
      if (code === 45009) {
        if (spec.idempotent && !waitedForRateLimit && rateLimitWaitMs >= RATE_LIMIT_RETRY_MS) {
          waitedForRateLimit = true
          emit({ type: 'retry', api: spec.path, errcode: code, delayMs: RATE_LIMIT_RETRY_MS })
          await sleep(RATE_LIMIT_RETRY_MS)
          continue
        }
        throw new WecomApiError({ errcode: code, errmsg: reply.errmsg, api: spec.path, retryAfterMs: RATE_LIMIT_RETRY_MS })
      }
      throw new WecomApiError({ errcode: code, errmsg: reply.errmsg, api: spec.path })
    }
  }

  async function getAccessToken(which: TokenWhich): Promise<string> {
    const secret = secretOf(which)
    const key = tokenKey(corpId, secret)
    const cached = await fresh(key)
    if (cached)
      return cached
    return singleFlight(key, async () => {
      const again = await fresh(key) // another instance may have refreshed it meanwhile
      if (again)
        return again
      const r = await request<{ access_token: string, expires_in: number }>({
        which: null,
        method: 'GET',
        path: '/cgi-bin/gettoken',
        query: { corpid: corpId, corpsecret: secret },
        idempotent: true,
      })
      await store.set(key, r.access_token, now() + r.expires_in * 1000 * REFRESH_RATIO)
      emit({ type: 'token_refresh', api: '/cgi-bin/gettoken' })
      return r.access_token
    })
  }

  /** Drops the cached token if it is still the one that failed. */
  async function invalidateToken(which: TokenWhich, failed: string | undefined): Promise<void> {
    const key = tokenKey(corpId, secretOf(which))
    const cur = await store.get(key)
    if (cur && (failed === undefined || cur.value === failed))
      await store.delete(key)
  }

  async function getJsapiTicket(kind: TicketKind): Promise<string> {
    const key = ticketKey(corpId, kind, agentId, appSecret)
    const cached = await fresh(key)
    if (cached)
      return cached
    return singleFlight(key, async () => {
      const again = await fresh(key)
      if (again)
        return again
      const r = await request<{ ticket: string, expires_in: number }>(kind === 'corp'
        ? { which: 'app', method: 'GET', path: '/cgi-bin/get_jsapi_ticket', idempotent: true }
        : { which: 'app', method: 'GET', path: '/cgi-bin/ticket/get', query: { type: 'agent_config' }, idempotent: true })
      await store.set(key, r.ticket, now() + r.expires_in * 1000 * REFRESH_RATIO)
      emit({ type: 'ticket_refresh', api: kind === 'corp' ? '/cgi-bin/get_jsapi_ticket' : '/cgi-bin/ticket/get' })
      return r.ticket
    })
  }

  /**
   * The sidebar reported that config/agentConfig failed with our signature (e.g. 42012/40093: the
   * ticket is stale or was revoked): drop the cached ticket and fetch a new one — at most once per
   * ticketRefreshIntervalMs per kind across all instances (the claim lives in the shared store),
   * so a broken setup cannot burn the 100/h ticket quota.
   */
  async function refreshTicketAfterConfigFailure(kind: TicketKind): Promise<{ refreshed: boolean, retryAfterMs: number }> {
    const key = ticketKey(corpId, kind, agentId, appSecret)
    const claimKey = `wecom:ticket-refresh:${key.slice('wecom:ticket:'.length)}`
    const at = now()
    const claim = await store.claim(claimKey, at + ticketRefreshIntervalMs, at)
    if (!claim.taken)
      return { refreshed: false, retryAfterMs: Math.max(0, claim.heldUntil - at) }
    await store.delete(key)
    await getJsapiTicket(kind)
    return { refreshed: true, retryAfterMs: ticketRefreshIntervalMs }
  }

  /** JS-SDK signature for `url` (the page URL the sidebar passed; the `#…` part is not signed). */
  async function signJsapi(kind: TicketKind, url: string): Promise<JsapiSignatureResult> {
    const ticket = await getJsapiTicket(kind)
    const timestamp = Math.floor(now() / 1000)
    const nonceStr = randomBytes(8).toString('hex')
    return { timestamp, nonceStr, signature: jsapiSignature({ ticket, nonceStr, timestamp, url: signableUrl(url) }) }
  }

  /** Browser redirect URL for silent (snsapi_base) OAuth, parameters in WeCom's order. */
  function oauthAuthorizeUrl({ oauthBase = WECOM_OAUTH_BASE, redirectUri, state }: { oauthBase?: string, redirectUri: string, state: string }): string {
    const b = oauthBase.replace(/\/+$/, '')
    return `${b}/connect/oauth2/authorize?appid=${encodeURIComponent(corpId)}&redirect_uri=${encodeURIComponent(redirectUri)}`
      + `&response_type=code&scope=snsapi_base&state=${encodeURIComponent(state)}&agentid=${encodeURIComponent(String(agentId))}#wechat_redirect`
  }

  /** The member behind an OAuth code. 40029 (used/expired) → kind 'oauth'; a non-member → kind 'not_found'. */
  async function getUserIdByCode(code: string): Promise<string> {
    // Not idempotent: a retried exchange after a timeout would meet an already-used code.
    const r = await request<{ userid?: string, openid?: string }>({ which: 'app', method: 'GET', path: '/cgi-bin/auth/getuserinfo', query: { code }, idempotent: false })
    if (!r.userid)
      throw new WecomApiError({ errcode: 60111, errmsg: 'code belongs to a non-member (openid/external_userid)', api: '/cgi-bin/auth/getuserinfo', kind: 'not_found' })
    return r.userid
  }

  /**
   * POST media/upload (multipart field `media` with filename and content type): a temporary media id, valid
   * 3 days from `createdAt` (epoch ms; WeCom sends seconds as a string). Repeating an upload only makes
   * another id, so it is retried like a read.
   */
  async function uploadMedia(input: { type: 'image' | 'voice' | 'video' | 'file', fileName: string, contentType: string, bytes: Uint8Array }): Promise<{ mediaId: string, createdAt: number }> {
    const r = await request<{ type: string, media_id: string, created_at: string | number }>({
      which: 'app',
      method: 'POST',
      path: '/cgi-bin/media/upload',
      query: { type: input.type },
      form: () => {
        const form = new FormData()
        form.append('media', new Blob([input.bytes], { type: input.contentType }), input.fileName)
        return form
      },
      idempotent: true,
    })
    const seconds = Number(r.created_at)
    return { mediaId: r.media_id, createdAt: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : now() }
  }

  async function getUser(userid: string): Promise<WecomUser> {
    const { errcode: _c, errmsg: _m, ...user } = await request<WecomUser>({ which: 'app', method: 'GET', path: '/cgi-bin/user/get', query: { userid }, idempotent: true })
    return user
  }

  async function listDepartments(id?: number): Promise<WecomDepartment[]> {
    const r = await request<{ department: WecomDepartment[] }>({ which: 'app', method: 'GET', path: '/cgi-bin/department/list', query: { id }, idempotent: true })
    return r.department
  }

  async function getFollowUserList(): Promise<string[]> {
    const r = await request<{ follow_user: string[] }>({ which: 'app', externalContact: true, method: 'GET', path: '/cgi-bin/externalcontact/get_follow_user_list', idempotent: true })
    return r.follow_user
  }

  /** External userids of a member's customers; [] when WeCom answers 84061 (no customers). */
  async function listExternalContacts(userid: string): Promise<string[]> {
    try {
      const r = await request<{ external_userid: string[] }>({ which: 'app', externalContact: true, method: 'GET', path: '/cgi-bin/externalcontact/list', query: { userid }, idempotent: true })
      return r.external_userid
    }
    catch (err) {
      if (err instanceof WecomApiError && err.errcode === 84061)
        return []
      throw err
    }
  }

  /** A customer with ALL follow users (follows every `next_cursor` page and merges them). */
  async function getExternalContact(externalUserid: string): Promise<ExternalContactDetail> {
    let cursor = ''
    let contact: ExternalContactProfile | undefined
    const follows: ExternalContactFollowUser[] = []
    for (let page = 0; page < 1000; page++) {
      const r = await request<{ external_contact: ExternalContactProfile, follow_user?: ExternalContactFollowUser[], next_cursor?: string }>({
        which: 'app',
        externalContact: true,
        method: 'GET',
        path: '/cgi-bin/externalcontact/get',
        query: { external_userid: externalUserid, cursor: cursor || undefined },
        idempotent: true,
      })
      contact ??= r.external_contact
      follows.push(...(r.follow_user ?? []))
      if (!r.next_cursor || r.next_cursor === cursor)
        break
      cursor = r.next_cursor
    }
    return { external_contact: contact!, follow_user: follows }
  }

  /** One page of externalcontact/batch/get_by_user (≤ 100 userids, limit ≤ 100, default 50). */
  async function batchGetByUser(userids: string[], { cursor = '', limit = 50 }: { cursor?: string, limit?: number } = {}): Promise<BatchGetByUserPage> {
    const r = await request<BatchGetByUserPage>({
      which: 'app',
      externalContact: true,
      method: 'POST',
      path: '/cgi-bin/externalcontact/batch/get_by_user',
      body: { userid_list: userids, cursor, limit },
      idempotent: true,
    })
    return { external_contact_list: r.external_contact_list ?? [], next_cursor: r.next_cursor ?? '', ...(r.fail_info ? { fail_info: r.fail_info } : {}) }
  }

  /**
   * Every page of batch/get_by_user for any number of userids (chunked by 100), as an async
   * iterator: `for await (const page of client.iterateBatchGetByUser(ids)) …`. Members without an
   * interop licence (互通账号) come back in `unlicensedUserids` — from `fail_info` when some of a
   * chunk lack one, or the whole chunk when WeCom answers 701008 (all of them lack one). Their
   * customers are unknown, not gone.
   */
  async function* iterateBatchGetByUser(userids: string[], { limit = 100 }: { limit?: number } = {}): AsyncGenerator<BatchGetByUserResult, void, undefined> {
    for (let i = 0; i < userids.length; i += MAX_BATCH_USERIDS) {
      const chunk = userids.slice(i, i + MAX_BATCH_USERIDS)
      let cursor = ''
      for (;;) {
        let page: BatchGetByUserPage
        try {
          page = await batchGetByUser(chunk, { cursor, limit })
        }
        catch (err) {
          if (err instanceof WecomApiError && err.errcode === UNLICENSED_ERRCODE) {
            yield { contacts: [], unlicensedUserids: chunk }
            break
          }
          throw err
        }
        yield { contacts: page.external_contact_list, unlicensedUserids: page.fail_info?.unlicensed_userid_list ?? [] }
        if (!page.next_cursor || page.next_cursor === cursor)
          break
        cursor = page.next_cursor
      }
    }
  }

  async function getCorpTagList(filter: { tagIds?: string[], groupIds?: string[] } = {}): Promise<CorpTagGroup[]> {
    const r = await request<{ tag_group: CorpTagGroup[] }>({
      which: 'app',
      externalContact: true,
      method: 'POST',
      path: '/cgi-bin/externalcontact/get_corp_tag_list',
      body: { ...(filter.tagIds?.length ? { tag_id: filter.tagIds } : {}), ...(filter.groupIds?.length ? { group_id: filter.groupIds } : {}) },
      idempotent: true,
    })
    return r.tag_group
  }

  /** Adds tags to a group (by id, or by name — an existing name appends, a new one creates it). */
  async function addCorpTag(input: AddCorpTagInput): Promise<CorpTagGroup> {
    const r = await request<{ tag_group: CorpTagGroup }>({
      which: 'app',
      externalContact: true,
      method: 'POST',
      path: '/cgi-bin/externalcontact/add_corp_tag',
      body: {
        ...(input.groupId ? { group_id: input.groupId } : { group_name: input.groupName }),
        ...(input.order !== undefined ? { order: input.order } : {}),
        tag: input.tags.map(t => ({ name: t.name, ...(t.order !== undefined ? { order: t.order } : {}) })),
        agentid: Number(agentId),
      },
      idempotent: false, // a repeated add answers 40071
    })
    return r.tag_group
  }

  async function editCorpTag(input: { id: string, name?: string, order?: number }): Promise<void> {
    await request({ which: 'app', externalContact: true, method: 'POST', path: '/cgi-bin/externalcontact/edit_corp_tag', body: input, idempotent: true })
  }

  async function delCorpTag(input: { tagIds?: string[], groupIds?: string[] }): Promise<void> {
    await request({
      which: 'app',
      externalContact: true,
      method: 'POST',
      path: '/cgi-bin/externalcontact/del_corp_tag',
      body: { tag_id: input.tagIds ?? [], group_id: input.groupIds ?? [] },
      idempotent: false, // a repeat answers 40068 for the now-deleted ids
    })
  }

  /** Adds/removes corp tags on one member↔customer relation (84061 when not that member's customer). */
  async function markTag(input: MarkTagInput): Promise<void> {
    await request({
      which: 'app',
      externalContact: true,
      method: 'POST',
      path: '/cgi-bin/externalcontact/mark_tag',
      body: { userid: input.userid, external_userid: input.externalUserid, add_tag: input.addTag ?? [], remove_tag: input.removeTag ?? [] },
      idempotent: true, // set semantics: repeating it changes nothing
    })
  }

  /** A customer's openid for payment APIs (企业红包), from externalcontact/convert_to_openid. */
  async function convertToOpenid(externalUserid: string): Promise<string> {
    const r = await request<{ openid: string }>({
      which: 'app',
      externalContact: true,
      method: 'POST',
      path: '/cgi-bin/externalcontact/convert_to_openid',
      body: { external_userid: externalUserid },
      idempotent: true, // a pure mapping
    })
    return r.openid
  }

  /**
   * Starts handing customers over. Only the self-built app's token is accepted (reference §2.4), so there is no
   * fallback to the 客户联系 secret. Not retried here: a repeat after a lost reply answers 40129 ("being
   * transferred") for the customers that did start, which the caller treats as started.
   */
  async function transferCustomer(input: TransferCustomerInput): Promise<TransferCustomerResult[]> {
    const r = await request<{ customer?: TransferCustomerResult[] }>({
      which: 'app',
      method: 'POST',
      path: input.kind === 'in_service' ? '/cgi-bin/externalcontact/transfer_customer' : '/cgi-bin/externalcontact/resigned/transfer_customer',
      body: {
        handover_userid: input.handoverUserid,
        takeover_userid: input.takeoverUserid,
        external_userid: input.externalUserids,
        ...(input.kind === 'in_service' && input.message ? { transfer_success_msg: input.message } : {}),
      },
      idempotent: false,
    })
    return r.customer ?? []
  }

  /** Every page of transfer_result (or resigned/transfer_result) for one pair of members. */
  async function transferResult(kind: TransferKind, handoverUserid: string, takeoverUserid: string): Promise<TransferStatusRow[]> {
    const rows: TransferStatusRow[] = []
    let cursor = ''
    for (let page = 0; page < 10_000; page++) {
      const r = await request<{ customer?: TransferStatusRow[], next_cursor?: string }>({
        which: 'app',
        method: 'POST',
        path: kind === 'in_service' ? '/cgi-bin/externalcontact/transfer_result' : '/cgi-bin/externalcontact/resigned/transfer_result',
        body: { handover_userid: handoverUserid, takeover_userid: takeoverUserid, cursor },
        idempotent: true,
      })
      rows.push(...(r.customer ?? []))
      if (!r.next_cursor || r.next_cursor === cursor)
        break
      cursor = r.next_cursor
    }
    return rows
  }

  /** Every customer of members who left and has not been handed over yet (get_unassigned_list, all pages). */
  async function getUnassignedList(): Promise<UnassignedCustomer[]> {
    const rows: UnassignedCustomer[] = []
    let cursor = ''
    for (let page = 0; page < 10_000; page++) {
      const r = await request<{ info?: UnassignedCustomer[], is_last?: boolean, next_cursor?: string }>({
        which: 'app',
        method: 'POST',
        path: '/cgi-bin/externalcontact/get_unassigned_list',
        body: { cursor, page_size: 1000 },
        idempotent: true,
      })
      rows.push(...(r.info ?? []))
      if (r.is_last || !r.next_cursor || r.next_cursor === cursor)
        break
      cursor = r.next_cursor
    }
    return rows
  }

  return {
    corpId,
    agentId,
    request,
    getAccessToken,
    getJsapiTicket,
    refreshTicketAfterConfigFailure,
    signJsapi,
    oauthAuthorizeUrl,
    getUserIdByCode,
    getUser,
    listDepartments,
    getFollowUserList,
    listExternalContacts,
    getExternalContact,
    batchGetByUser,
    iterateBatchGetByUser,
    getCorpTagList,
    addCorpTag,
    editCorpTag,
    delCorpTag,
    markTag,
    convertToOpenid,
    uploadMedia,
    transferCustomer,
    transferResult,
    getUnassignedList,
  }
}
