import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppConfig } from '../config.ts'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { WecomClient } from '../wecom/client.ts'
import { randomBytes } from 'node:crypto'
import { ApiError, LoginQuery, Me, OAuthCallbackQuery } from '@scrm/shared'
import { eq } from 'drizzle-orm'
import { secureCookies } from '../config.ts'
import { staff, stores } from '../db/schema.ts'
import { badRequest, forbidden, unauthorized } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { WecomApiError } from '../wecom/errors.ts'
import { sameOriginPath } from './next-path.ts'

const OAUTH_COOKIE = 'scrm_oauth'
const DEFAULT_NEXT = '/app/'
/** getuserinfo returned no userid: the code belongs to someone outside the corp (client.ts). */
const NON_MEMBER_ERRCODE = 60111
const NOT_STAFF_MESSAGE = '你的企业微信账号不在本系统的员工名单中，或已被停用，暂时无法登录。请联系管理员同步员工后再试。'

/** 403 for someone WeCom knows but this SCRM does not serve: a page for the browser, JSON otherwise. */
function notAStaffMember(request: FastifyRequest, reply: FastifyReply) {
  if (request.headers.accept?.includes('text/html')) {
    return reply.status(403).type('text/html; charset=utf-8').send(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>无法登录</title><p>${NOT_STAFF_MESSAGE}</p></html>`)
  }
  throw forbidden(NOT_STAFF_MESSAGE)
}

interface AuthOptions {
  db: AsyncDbOrTx
  config: AppConfig
  wecom: Pick<WecomClient, 'oauthAuthorizeUrl' | 'getUserIdByCode'>
}

/** WeCom OAuth (snsapi_base) → signed session cookie. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthOptions> = async (app, { db, config, wecom }) => {
  app.get('/api/auth/login', { onRequest: app.rateLimits.auth, schema: { querystring: LoginQuery } }, async (request, reply) => {
    const next = sameOriginPath(request.query.next ?? DEFAULT_NEXT, config.publicUrl)
    if (next === null)
      throw badRequest('next must be a path on this site (no other host, control characters or spaces)')
    const state = randomBytes(12).toString('hex')
    // The state ties the callback to this browser (CSRF); `next` rides along in the same signed cookie.
    reply.setCookie(OAUTH_COOKIE, `${state}|${next}`, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(config),
      path: '/api/auth',
      maxAge: 300,
    })
    return reply.redirect(wecom.oauthAuthorizeUrl({
      oauthBase: config.wecom.oauthBase,
      redirectUri: `${config.publicUrl}/api/auth/callback`,
      state,
    }))
  })

  app.get('/api/auth/callback', { onRequest: app.rateLimits.auth, schema: { querystring: OAuthCallbackQuery, response: { 400: ApiError, 403: ApiError } } }, async (request, reply) => {
    const raw = request.cookies[OAUTH_COOKIE]
    const unsigned = raw ? request.unsignCookie(raw) : null
    const value = unsigned?.valid && unsigned.value ? unsigned.value : ''
    const separator = value.indexOf('|')
    const expectedState = separator > 0 ? value.slice(0, separator) : ''
    if (!expectedState || expectedState !== request.query.state)
      throw badRequest('state does not match this browser\'s login; start again at /api/auth/login')
    // Checked when the cookie was set; checked again so a redirect never depends on that alone.
    const next = sameOriginPath(value.slice(separator + 1), config.publicUrl) ?? DEFAULT_NEXT

    let userid: string
    try {
      userid = await wecom.getUserIdByCode(request.query.code)
    }
    catch (error) {
      if (error instanceof WecomApiError && error.kind === 'oauth')
        throw badRequest('code is invalid, expired or already used; start again at /api/auth/login')
      // WeCom answers with an openid instead of a userid for someone outside the corp.
      if (error instanceof WecomApiError && error.errcode === NON_MEMBER_ERRCODE)
        return notAStaffMember(request, reply)
      throw error
    }
    const member = await db.select().from(staff).where(eq(staff.userid, userid)).get()
    if (!member || member.status !== 1)
      return notAStaffMember(request, reply)
    await app.sessions.issue(reply, member.userid)
    reply.clearCookie(OAUTH_COOKIE, { path: '/api/auth' })
    return reply.redirect(next)
  })

  app.post('/api/auth/logout', { onRequest: app.rateLimits.api }, async (request, reply) => {
    await app.sessions.revoke(request, reply)
    return reply.status(204).send()
  })

  app.get('/api/me', { onRequest: app.rateLimits.api, schema: { response: { 200: Me, 401: ApiError } } }, async (request) => {
    const session = await app.sessions.read(request)
    if (!session)
      throw unauthorized()
    request.session = session
    const me = await db.select({ userid: staff.userid, name: staff.name, role: staff.role, storeId: staff.storeId, avatar: staff.avatar, storeName: stores.name })
      .from(staff)
      .leftJoin(stores, eq(stores.id, staff.storeId))
      .where(eq(staff.userid, sessionOf(request).userid))
      .get()
    if (!me)
      throw unauthorized('session user no longer exists')
    return { ...me, storeName: me.storeName ?? null, corpId: config.wecom.corpId, agentId: config.wecom.agentId }
  })
}
