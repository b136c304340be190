import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../config.ts'
import type { Db } from '../db/client.ts'
import type { WecomClient } from '../wecom/client.ts'
import { randomBytes } from 'node:crypto'
import { ApiError, LoginQuery, Me, OAuthCallbackQuery } from '@scrm/shared'
import { eq } from 'drizzle-orm'
import { staff, stores } from '../db/schema.ts'
import { badRequest, forbidden, unauthorized } from '../plugins/errors.ts'
import { sessionOf } from '../plugins/session.ts'
import { WecomApiError } from '../wecom/errors.ts'

const OAUTH_COOKIE = 'scrm_oauth'

interface AuthOptions {
  db: Db
  config: AppConfig
  wecom: Pick<WecomClient, 'oauthAuthorizeUrl' | 'getUserIdByCode'>
}

/** WeCom OAuth (snsapi_base) → signed session cookie. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthOptions> = async (app, { db, config, wecom }) => {
  app.get('/api/auth/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const state = randomBytes(12).toString('hex')
    // The state ties the callback to this browser (CSRF); `next` rides along in the same signed cookie.
    reply.setCookie(OAUTH_COOKIE, `${state}|${request.query.next ?? '/app/'}`, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/api/auth',
      maxAge: 300,
    })
    return reply.redirect(wecom.oauthAuthorizeUrl({
      oauthBase: config.wecom.oauthBase,
      redirectUri: `${config.publicUrl}/api/auth/callback`,
      state,
    }))
  })

  app.get('/api/auth/callback', { schema: { querystring: OAuthCallbackQuery, response: { 400: ApiError, 403: ApiError } } }, async (request, reply) => {
    const raw = request.cookies[OAUTH_COOKIE]
    const unsigned = raw ? request.unsignCookie(raw) : null
    const [expectedState, next = '/app/'] = unsigned?.valid && unsigned.value ? unsigned.value.split('|') : []
    if (!expectedState || expectedState !== request.query.state)
      throw badRequest('state does not match this browser\'s login; start again at /api/auth/login')

    let userid: string
    try {
      userid = await wecom.getUserIdByCode(request.query.code)
    }
    catch (error) {
      if (error instanceof WecomApiError && error.kind === 'oauth')
        throw badRequest('code is invalid, expired or already used; start again at /api/auth/login')
      throw error
    }
    const member = db.select().from(staff).where(eq(staff.userid, userid)).get()
    if (!member || member.status !== 1)
      throw forbidden(`WeCom user ${userid} is not an active member of this SCRM; ask an admin to sync staff`)
    app.sessions.issue(reply, { userid: member.userid, role: member.role, storeId: member.storeId })
    reply.clearCookie(OAUTH_COOKIE, { path: '/api/auth' })
    return reply.redirect(next)
  })

  app.post('/api/auth/logout', async (_request, reply) => {
    app.sessions.clear(reply)
    return reply.status(204).send()
  })

  app.get('/api/me', { schema: { response: { 200: Me, 401: ApiError } } }, async (request) => {
    const session = app.sessions.read(request)
    if (!session)
      throw unauthorized()
    request.session = session
    const me = db.select({ userid: staff.userid, name: staff.name, role: staff.role, storeId: staff.storeId, avatar: staff.avatar, storeName: stores.name })
      .from(staff)
      .leftJoin(stores, eq(stores.id, staff.storeId))
      .where(eq(staff.userid, sessionOf(request).userid))
      .get()
    if (!me)
      throw unauthorized('session user no longer exists')
    return { ...me, storeName: me.storeName ?? null, corpId: config.wecom.corpId, agentId: config.wecom.agentId }
  })
}
