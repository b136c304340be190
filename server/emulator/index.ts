// The WeCom emulator: a loopback HTTP server speaking WeCom's paths, methods and reply envelope
// (reference §6), plus an emulator-only control API under /__emulator/*. Test and demo tooling
// only — production server code never imports this module; it talks to whatever `apiBase` the
// WeCom client is given.
//
// WeCom rules modelled from the fixtures (reference §2.4/§2.5): externalcontact/* accept the app's
// token (unless app.customerContactApi is false) and the 客户联系 system secret's token only for
// corps created before 2023-12-01 (corpCreatedAfter20231201), else 48002; batch/get_by_user puts
// members without an interop licence (interopLicensed false) in fail_info, or answers 701008
// when none of the requested members has one; an app token may edit/delete only tags its app
// created (createdByAgentId) and use rule-group tags only of rule groups its app created (40068).
//
// Control API (JSON, CORS-enabled for the sidebar's dev-mode mock bridge):
//   GET  /__emulator/health                         → {ok, now}
//   GET  /__emulator/fixtures                       → the current fixtures (including tag edits)
//   POST /__emulator/fixtures        WecomFixtures  → replace the fixtures
//   POST /__emulator/reset                          → forget tokens/tickets/codes/faults/calls/limits/clock offset
//   POST /__emulator/clock  {advanceSeconds?|freezeAt?|freeze?|unfreeze?} → {now, nowSeconds, frozen}
//        (freezeAt: epoch ms, or epoch seconds when < 1e11)
//   POST /__emulator/tokens/revoke {token?|all?}    → {revoked}
//   POST /__emulator/faults {api, errcode, count} | {api, timeoutMs, count}; GET lists; DELETE clears
//   POST /__emulator/limits {perMinute?, perHour?, ipPerMinute?, ipPerHour?, debugPerMinute?,
//        concurrency?, latencyMs?, tokenTtlSeconds?, corpTicketsPerHour?, agentTicketsPerHour?} → the limits now in force; GET reads them
//   GET  /__emulator/calls[?path=/cgi-bin/…]        → {calls:[{seq, method, path, time, errcode, …}]}; DELETE clears
//   GET  /__emulator/media/<media_id>               → an uploaded media's type, name, size, sha256, expiry (media.ts)
//   GET  /__emulator/jsapi-tickets                  → {corpId, agentId, corpTicket, agentTicket}
//   GET  /__emulator/users                          → {users:[{userid, name, position, departmentName, …}]}
//   POST /__emulator/oauth/code {userid}            → {code} (skips the login page)
//   GET  /__emulator/callbacks                      → {deliveries:[{seq, event, status, attempts, lastResult}]}
//   POST /__emulator/callbacks/trigger {Event, ChangeType?, UserID?, …} → the finished delivery
//        (mark_tag / add|edit|del_corp_tag also push change_external_contact / change_external_tag)
//   POST /__emulator/callbacks/verify               → GET echostr verification of fixtures.app.callbackUrl
//   POST /__emulator/callbacks/config {timeoutMs?, attempts?, retryDelayMs?}
//   /__emulator/transfers*: customer handover controls (transfer.ts)

import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EmulatorArchiveOptions } from './archive.ts'
import type { WecomFixtures } from './fixtures.ts'
import type { ApiReply, EmulatorLimits, Fault, TokenKind } from './state.ts'
import { createServer } from 'node:http'
import { EmulatorArchive } from './archive.ts'
import { CallbackPusher } from './callbacks.ts'
import { describeMedia, mediaContent, uploadMedia } from './media.ts'
import { renderErrorPage, renderLoginPage } from './oauth-page.ts'
import { EmulatorState, fail } from './state.ts'
import { handleTransferControl, TRANSFER_ROUTES } from './transfer.ts'
import { convertToOpenid } from './wechatpay.ts'

export type { CallbackDelivery, CallbackEvent } from './callbacks.ts'
export { CallbackPusher } from './callbacks.ts'
export { EmulatorState, RULE_TAG_GROUP_PREFIX } from './state.ts'
export type { ApiReply, CallLogEntry, EmulatorLimits, Fault, TokenKind } from './state.ts'

export interface StartEmulatorOptions {
  fixtures: WecomFixtures
  /** 0 (default) = a random free port. */
  port?: number
  host?: string
  /** Lifetime of tokens and tickets (default 7200). */
  tokenTtlSeconds?: number
  /** Base time source in epoch ms (default Date.now); the control API offsets/freezes it. */
  now?: () => number
  /** The conversation archive's options (archive.ts). */
  archive?: EmulatorArchiveOptions
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` — use as the client's apiBase and oauthBase. */
  url: string
  port: number
  state: EmulatorState
  callbacks: CallbackPusher
  archive: EmulatorArchive
  close: () => Promise<void>
}

type Body = Record<string, unknown>

export interface CgiRoute {
  method: 'GET' | 'POST'
  /** Which secrets' tokens may call it; null = no token (gettoken). */
  tokens: readonly TokenKind[] | null
  /** An externalcontact/* API: the token must also pass EmulatorState.checkExternalContactAccess. */
  externalContact?: boolean
  handle: (q: URLSearchParams, body: Body, s: EmulatorState, token: TokenKind) => ApiReply
  /** Takes the raw body instead of JSON (multipart uploads). */
  handleRaw?: (q: URLSearchParams, body: Buffer, contentType: string | undefined, s: EmulatorState) => Promise<ApiReply>
}

const APP: readonly TokenKind[] = ['app']
const ANY: readonly TokenKind[] = ['app', 'contact']
const opt = (q: URLSearchParams, k: string) => q.get(k) ?? undefined

const CGI_ROUTES: Record<string, CgiRoute> = {
  '/cgi-bin/gettoken': { method: 'GET', tokens: null, handle: (q, _b, s) => s.getToken(opt(q, 'corpid'), opt(q, 'corpsecret')) },
  '/cgi-bin/get_jsapi_ticket': { method: 'GET', tokens: APP, handle: (_q, _b, s) => s.fetchTicket('corp') },
  '/cgi-bin/ticket/get': {
    method: 'GET',
    tokens: APP,
    handle: (q, _b, s) => q.get('type') === 'agent_config' ? s.fetchTicket('agent') : fail(40058, 'type must be agent_config'),
  },
  '/cgi-bin/auth/getuserinfo': { method: 'GET', tokens: APP, handle: (q, _b, s) => s.getUserInfoByCode(opt(q, 'code')) },
  '/cgi-bin/user/get': { method: 'GET', tokens: APP, handle: (q, _b, s) => s.getUser(opt(q, 'userid')) },
  '/cgi-bin/department/list': { method: 'GET', tokens: ANY, handle: (q, _b, s) => s.listDepartments(opt(q, 'id')) },
  '/cgi-bin/externalcontact/get_follow_user_list': { method: 'GET', tokens: ANY, externalContact: true, handle: (_q, _b, s) => s.getFollowUserList() },
  '/cgi-bin/externalcontact/list': { method: 'GET', tokens: ANY, externalContact: true, handle: (q, _b, s) => s.listExternalContacts(opt(q, 'userid')) },
  '/cgi-bin/externalcontact/get': {
    method: 'GET',
    tokens: ANY,
    externalContact: true,
    handle: (q, _b, s) => s.getExternalContact(opt(q, 'external_userid'), opt(q, 'cursor')),
  },
  '/cgi-bin/externalcontact/batch/get_by_user': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s) => s.batchGetByUser(b) },
  '/cgi-bin/externalcontact/get_corp_tag_list': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s) => s.getCorpTagList(b) },
  '/cgi-bin/externalcontact/add_corp_tag': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s, token) => s.addCorpTag(b, token) },
  '/cgi-bin/externalcontact/edit_corp_tag': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s, token) => s.editCorpTag(b, token) },
  '/cgi-bin/externalcontact/del_corp_tag': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s, token) => s.delCorpTag(b, token) },
  '/cgi-bin/externalcontact/mark_tag': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s, token) => s.markTag(b, token) },
  '/cgi-bin/externalcontact/convert_to_openid': { method: 'POST', tokens: ANY, externalContact: true, handle: (_q, b, s) => convertToOpenid(s, b) },
  '/cgi-bin/media/upload': { method: 'POST', tokens: ANY, handle: () => fail(44001), handleRaw: uploadMedia },
  ...TRANSFER_ROUTES,
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '600',
}

/** media/upload takes files up to 20 MB plus the multipart envelope. */
const MAX_BODY = 21 * 1024 * 1024

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new Error('body too large'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function normalizeIp(addr: string | undefined): string {
  if (!addr)
    return '0.0.0.0'
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr === '::1' ? '127.0.0.1' : addr
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed)
    return
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) })
  res.end(html)
}

/** `{errcode, errmsg, ...data}` with WeCom's errmsg suffix on errors. */
function envelope(reply: ApiReply, state: EmulatorState, ip: string): Record<string, unknown> {
  const { errcode, errtext, ...data } = reply
  if (errcode === 0)
    return { errcode: 0, errmsg: 'ok', ...data }
  const msg = `${errtext ?? 'error'}, hint: [${state.nextHint()}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`
  return { errcode, errmsg: msg }
}

function isTrustedRedirect(redirectUri: string, trusted: readonly string[]): boolean {
  let u: URL
  try {
    u = new URL(redirectUri)
  }
  catch {
    return false
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return false
  return trusted.some(d => d === u.host || d === u.hostname)
}

export async function startEmulator(options: StartEmulatorOptions): Promise<RunningEmulator> {
  const state = new EmulatorState(options.fixtures, { now: options.now, tokenTtlSeconds: options.tokenTtlSeconds })
  const callbacks = new CallbackPusher(() => state.fixtures, () => state.clock.nowSeconds())
  state.emit = (event) => {
    void callbacks.push(event)
  }
  const archive = new EmulatorArchive(() => state.now(), { notify: () => state.emit({ Event: 'msgaudit_notify', AgentID: state.fixtures.app.agentId }), ...options.archive })
  const archiveRoutes: Record<string, CgiRoute> = {
    '/cgi-bin/msgaudit/check_single_agree': { method: 'POST', tokens: ['archive'], handle: (_q, b) => archive.checkSingleAgree(b) },
    '/cgi-bin/message/send': { method: 'POST', tokens: APP, handle: (_q, b, s) => archive.sendAppMessage(b, s.fixtures.app.agentId) },
  }
  const timers = new Set<NodeJS.Timeout>()
  const delay = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t)
      resolve()
    }, ms)
    timers.add(t)
  })

  async function handleCgi(req: IncomingMessage, res: ServerResponse, url: URL, route: CgiRoute): Promise<void> {
    const path = url.pathname
    const ip = normalizeIp(req.socket.remoteAddress)
    const rawBody = await readBody(req)
    let tokenKind: TokenKind | undefined
    let faultKind: 'errcode' | 'timeout' | undefined
    const finish = (reply: ApiReply) => {
      state.logCall({ method: req.method ?? 'GET', path, time: state.now(), errcode: reply.errcode, tokenKind, fault: faultKind })
      sendJson(res, 200, envelope(reply, state, ip))
    }
    if (route.method === 'POST' && req.method !== 'POST')
      return finish(fail(40058, `${path} requires POST`))
    const ipError = state.checkIp(ip)
    if (ipError)
      return finish(ipError)
    const rateError = state.checkRate(path, ip, url.searchParams.get('debug') === '1')
    if (rateError)
      return finish(rateError)
    const slot = state.acquireSlot(path)
    if (typeof slot !== 'function')
      return finish(slot)
    try {
      const fault: Fault | undefined = state.takeFault(path)
      if (fault?.errcode !== undefined) {
        faultKind = 'errcode'
        return finish(fail(fault.errcode, 'injected by emulator'))
      }
      if (fault?.timeoutMs !== undefined) {
        faultKind = 'timeout'
        await delay(fault.timeoutMs)
      }
      if (state.limits.latencyMs > 0)
        await delay(state.limits.latencyMs)
      if (route.tokens) {
        const checked = state.checkToken(opt(url.searchParams, 'access_token'), route.tokens)
        if (typeof checked !== 'string')
          return finish(checked)
        tokenKind = checked
        const refused = route.externalContact ? state.checkExternalContactAccess(checked) : undefined
        if (refused)
          return finish(refused)
      }
      if (route.handleRaw)
        return finish(await route.handleRaw(url.searchParams, rawBody, req.headers['content-type'], state))
      let body: Body = {}
      if (req.method === 'POST' && rawBody.toString('utf8').trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(rawBody.toString('utf8'))
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            return finish(fail(47001))
          body = parsed as Body
        }
        catch {
          return finish(fail(47001))
        }
      }
      // Routes without a token (gettoken) never read it.
      finish(route.handle(url.searchParams, body, state, tokenKind ?? 'app'))
    }
    finally {
      slot()
    }
  }

  function handleOauth(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const q = url.searchParams
    const f = state.fixtures
    const appid = q.get('appid') ?? ''
    const redirectUri = q.get('redirect_uri') ?? ''
    const agentid = q.get('agentid') ?? ''
    const scope = q.get('scope') ?? 'snsapi_base'
    const stateParam = q.get('state') ?? ''
    if (appid !== f.corpId)
      return sendHtml(res, 400, renderErrorPage(`参数错误：appid 不是本企业的 CorpID（${appid}）`))
    if (!isTrustedRedirect(redirectUri, f.app.trustedDomains))
      return sendHtml(res, 400, renderErrorPage(`redirect_uri 需与应用的可信域名一致：${redirectUri}`))
    if ((q.get('response_type') ?? 'code') !== 'code' || !['snsapi_base', 'snsapi_privateinfo'].includes(scope))
      return sendHtml(res, 400, renderErrorPage('参数错误：response_type 或 scope'))
    if (agentid !== '' && agentid !== String(f.app.agentId))
      return sendHtml(res, 400, renderErrorPage(`参数错误：agentid ${agentid} 不存在`))

    if (url.pathname === '/connect/oauth2/authorize') {
      const href = (userid: string) => `/connect/oauth2/choose?${new URLSearchParams({ appid, redirect_uri: redirectUri, response_type: 'code', scope, state: stateParam, agentid, userid })}`
      return sendHtml(res, 200, renderLoginPage(f, href))
    }
    // /connect/oauth2/choose: the picked member → one-time code → 302 back to the app.
    const user = state.findUser(q.get('userid') ?? '')
    if (!user || (user.status !== 1 && user.status !== 4))
      return sendHtml(res, 400, renderErrorPage('该成员不存在或已停用'))
    const code = state.issueOauthCode(user.userid)
    const target = new URL(redirectUri)
    target.searchParams.set('code', code)
    target.searchParams.set('state', stateParam)
    res.writeHead(302, { 'Location': target.toString(), 'Cache-Control': 'no-store' })
    res.end()
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const send = (status: number, body: unknown) => sendJson(res, status, body, CORS_HEADERS)
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS)
      res.end()
      return
    }
    const raw = (await readBody(req)).toString('utf8')
    let body: Body = {}
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw) as Body
      }
      catch {
        return send(400, { error: 'invalid JSON' })
      }
    }
    const route = `${req.method} ${url.pathname.replace(/\/$/, '')}`
    const archiveReply = archive.control(route, body)
    if (archiveReply)
      return send(archiveReply.status, archiveReply.body)
    if (req.method === 'GET' && url.pathname.startsWith('/__emulator/media/')) {
      const [id = '', content] = url.pathname.slice('/__emulator/media/'.length).split('/')
      const media = content === 'content' ? mediaContent(state, decodeURIComponent(id)) : undefined
      if (media) {
        res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': media.contentType, 'Content-Length': media.bytes.byteLength })
        res.end(media.bytes)
        return
      }
      const described = describeMedia(state, decodeURIComponent(id))
      return described && content === undefined ? send(200, described) : send(404, { error: 'unknown media id' })
    }
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
    switch (route) {
      case 'GET /__emulator/health':
        return send(200, { ok: true, now: state.now() })
      case 'GET /__emulator/fixtures':
        return send(200, state.fixtures)
      case 'POST /__emulator/fixtures': {
        const f = body as Partial<WecomFixtures>
        if (typeof f.corpId !== 'string' || !f.app || !Array.isArray(f.users) || !Array.isArray(f.departments)
          || !Array.isArray(f.externalContacts) || !Array.isArray(f.tagGroups) || typeof f.contactSecret !== 'string') {
          return send(400, { error: 'not a WecomFixtures object' })
        }
        state.replaceFixtures(f as WecomFixtures)
        return send(200, { ok: true })
      }
      case 'POST /__emulator/reset':
        state.reset()
        callbacks.deliveries = []
        return send(200, { ok: true })
      case 'POST /__emulator/clock': {
        const advance = num(body.advanceSeconds)
        const freezeAt = num(body.freezeAt)
        if (body.unfreeze === true)
          state.clock.unfreeze()
        if (freezeAt !== undefined)
          state.clock.freeze(freezeAt < 1e11 ? freezeAt * 1000 : freezeAt)
        else if (body.freeze === true)
          state.clock.freeze()
        if (advance !== undefined)
          state.clock.advance(advance)
        return send(200, { now: state.now(), nowSeconds: state.clock.nowSeconds(), frozen: state.clock.frozen })
      }
      case 'POST /__emulator/tokens/revoke': {
        if (typeof body.token !== 'string' && body.all !== true)
          return send(400, { error: 'give token or all:true' })
        return send(200, { revoked: state.revokeTokens(typeof body.token === 'string' ? body.token : undefined) })
      }
      case 'GET /__emulator/faults':
        return send(200, { faults: state.faults })
      case 'DELETE /__emulator/faults':
        state.faults = []
        return send(200, { ok: true })
      case 'POST /__emulator/faults': {
        const api = typeof body.api === 'string' ? body.api : ''
        const count = num(body.count) ?? 1
        const errcode = num(body.errcode)
        const timeoutMs = num(body.timeoutMs)
        if (!(api === '*' || api.startsWith('/cgi-bin/')) || (errcode === undefined) === (timeoutMs === undefined) || count < 1)
          return send(400, { error: 'expected {api: "/cgi-bin/…" | "*", errcode | timeoutMs, count ≥ 1}' })
        state.addFault({ api, count, ...(errcode !== undefined ? { errcode } : { timeoutMs }) })
        return send(200, { faults: state.faults })
      }
      case 'GET /__emulator/limits':
        return send(200, state.limits)
      case 'POST /__emulator/limits':
        return send(200, state.setLimits(body as Partial<EmulatorLimits>))
      case 'GET /__emulator/calls': {
        const only = url.searchParams.get('path')
        return send(200, { calls: only ? state.calls.filter(c => c.path === only) : state.calls })
      }
      case 'DELETE /__emulator/calls':
        state.calls = []
        return send(200, { ok: true })
      case 'GET /__emulator/jsapi-tickets':
        return send(200, {
          corpId: state.fixtures.corpId,
          agentId: state.fixtures.app.agentId,
          corpTicket: state.currentTicket('corp').ticket,
          agentTicket: state.currentTicket('agent').ticket,
        })
      case 'GET /__emulator/users':
        return send(200, {
          users: state.fixtures.users.map(u => ({
            userid: u.userid,
            name: u.name,
            position: u.position,
            department: u.department,
            mainDepartment: u.mainDepartment,
            departmentName: state.departmentName(u.mainDepartment),
            status: u.status,
            visibleToApp: u.visibleToApp,
            customerContact: u.customerContact,
            avatar: u.avatar,
          })),
        })
      case 'POST /__emulator/oauth/code': {
        const user = typeof body.userid === 'string' ? state.findUser(body.userid) : undefined
        if (!user)
          return send(404, { error: 'unknown userid' })
        return send(200, { code: state.issueOauthCode(user.userid) })
      }
      case 'GET /__emulator/callbacks':
        return send(200, { deliveries: callbacks.deliveries })
      case 'POST /__emulator/callbacks/trigger': {
        const event = (typeof body.event === 'object' && body.event !== null ? body.event : body) as Record<string, unknown>
        if (typeof event.Event !== 'string')
          return send(400, { error: 'expected {Event, ChangeType?, …} (string/number values)' })
        const clean: Record<string, string | number> = {}
        for (const [k, v] of Object.entries(event)) {
          if (typeof v === 'string' || typeof v === 'number')
            clean[k] = v
        }
        return send(200, await callbacks.push(clean))
      }
      case 'POST /__emulator/callbacks/verify':
        return send(200, await callbacks.verifyUrl())
      case 'POST /__emulator/callbacks/config':
        callbacks.timeoutMs = num(body.timeoutMs) ?? callbacks.timeoutMs
        callbacks.attempts = num(body.attempts) ?? callbacks.attempts
        callbacks.retryDelayMs = num(body.retryDelayMs) ?? callbacks.retryDelayMs
        return send(200, { timeoutMs: callbacks.timeoutMs, attempts: callbacks.attempts, retryDelayMs: callbacks.retryDelayMs })
      default: {
        const transfers = handleTransferControl(route, body, state)
        return transfers ? send(transfers.status, transfers.body) : send(404, { error: `unknown control route ${route}` })
      }
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid')
    const path = url.pathname
    let work: Promise<void> | void
    if (path.startsWith('/__emulator/')) {
      work = handleControl(req, res, url)
    }
    else if (path === '/connect/oauth2/authorize' || path === '/connect/oauth2/choose') {
      work = handleOauth(req, res, url)
    }
    else {
      const route = CGI_ROUTES[path] ?? archiveRoutes[path]
      work = route
        ? handleCgi(req, res, url, route)
        : sendJson(res, 404, { errcode: 404, errmsg: `emulator: no such API ${path}` })
    }
    Promise.resolve(work).catch((err: unknown) => {
      sendJson(res, 500, { errcode: -1, errmsg: `emulator error: ${err instanceof Error ? err.message : String(err)}` })
    })
  })

  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    state,
    callbacks,
    archive,
    close: () => new Promise<void>((resolve) => {
      for (const t of timers)
        clearTimeout(t)
      timers.clear()
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
