import type { Role } from '@scrm/shared'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SessionRepository } from '../auth/session-repository.ts'
import { createHash, randomBytes } from 'node:crypto'
import fastifyCookie from '@fastify/cookie'
import { roleList } from '@scrm/shared'
import fp from 'fastify-plugin'
import { unauthorized } from './errors.ts'

/** Who is calling, re-read from the staff row on every request. */
export interface Session {
  userid: string
  role: Role
  storeId: string | null
  /** Expiry, epoch seconds. */
  exp: number
}

export const SESSION_COOKIE = 'scrm_session'
/** 32 random bytes, base64url without padding. */
const TOKEN_PATTERN = /^[\w-]{43}$/
const ACTIVE_STAFF_STATUS = 1

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth gate on every protected route. */
    session: Session | null
  }
}

export interface SessionOptions {
  secret: string
  ttlSeconds: number
  secureCookies: boolean
  repository: SessionRepository
  now?: () => number
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

const tokens = new WeakMap<FastifyRequest, string | null>()

/**
 * The token in a validly signed session cookie of the expected shape, or null. Checked once per request
 * (an HMAC): the rate limiter (plugins/security.ts) and the auth gate both ask.
 */
export function sessionTokenOf(request: FastifyRequest): string | null {
  let token = tokens.get(request)
  if (token === undefined) {
    const raw = request.cookies[SESSION_COOKIE]
    const unsigned = raw ? request.unsignCookie(raw) : null
    token = unsigned?.valid && unsigned.value !== null && TOKEN_PATTERN.test(unsigned.value) ? unsigned.value : null
    tokens.set(request, token)
  }
  return token
}

/**
 * Server-side sessions: the signed, HttpOnly cookie carries only a random token; the `sessions`
 * table holds its hash, so logout revokes at once and any instance can check it. The staff row is
 * joined on every request, so a demotion or deactivation takes effect immediately.
 */
export const sessionPlugin = fp(async (app: FastifyInstance, options: SessionOptions) => {
  const now = options.now ?? Date.now
  const { repository } = options
  await app.register(fastifyCookie, { secret: options.secret })
  app.decorateRequest('session', null)

  const read = async (request: FastifyRequest): Promise<Session | null> => {
    const token = sessionTokenOf(request)
    if (!token)
      return null
    const active = await repository.findActive(hashToken(token), now())
    if (!active || active.staffStatus !== ACTIVE_STAFF_STATUS || !roleList.includes(active.role))
      return null
    return { userid: active.userid, role: active.role, storeId: active.storeId, exp: Math.floor(active.expiresAt / 1000) }
  }

  const createToken = async (userid: string): Promise<string> => {
    const token = randomBytes(32).toString('base64url')
    const createdAt = now()
    await repository.create({ tokenHash: hashToken(token), userid, createdAt, expiresAt: createdAt + options.ttlSeconds * 1000 })
    return token
  }

  app.decorate('sessions', {
    async issue(reply: FastifyReply, userid: string): Promise<void> {
      const token = await createToken(userid)
      reply.setCookie(SESSION_COOKIE, token, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        path: '/',
        maxAge: options.ttlSeconds,
      })
    },
    read,
    async cookieHeaderFor(userid: string): Promise<string> {
      return `${SESSION_COOKIE}=${encodeURIComponent(app.signCookie(await createToken(userid)))}`
    },
    async revoke(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const token = sessionTokenOf(request)
      if (token)
        await repository.revoke(hashToken(token), now())
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secureCookies })
    },
    /** onRequest hook for protected scopes: 401 without a live session of an active staff member. */
    async require(request: FastifyRequest) {
      const session = await read(request)
      if (!session)
        throw unauthorized('login required: open the sidebar from WeCom or sign in at /api/auth/login')
      request.session = session
    },
  })
}, { name: 'session' })

declare module 'fastify' {
  interface FastifyInstance {
    sessions: {
      issue: (reply: FastifyReply, userid: string) => Promise<void>
      read: (request: FastifyRequest) => Promise<Session | null>
      /** A session for `userid` without the OAuth round trip, as a Cookie header (bench, tests). */
      cookieHeaderFor: (userid: string) => Promise<string>
      revoke: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
      require: (request: FastifyRequest) => Promise<void>
    }
  }
}

/** The session of a request that passed the auth gate. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session)
    throw unauthorized()
  return request.session
}
