import type { Role } from '@scrm/shared'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fp from 'fastify-plugin'
import { unauthorized } from './errors.ts'

/** What the signed, HttpOnly session cookie carries: enough to authorise without a lookup. */
export interface Session {
  userid: string
  role: Role
  storeId: string | null
  /** Expiry, epoch seconds. */
  exp: number
}

export const SESSION_COOKIE = 'scrm_session'

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
  now?: () => number
}

/**
 * Stateless sessions in a signed cookie, so any server instance can serve any request.
 * Exposes `app.sessions` to issue, read and clear them.
 */
export const sessionPlugin = fp(async (app: FastifyInstance, options: SessionOptions) => {
  const now = options.now ?? Date.now
  await app.register(fastifyCookie, { secret: options.secret })
  app.decorateRequest('session', null)

  const read = (request: FastifyRequest): Session | null => {
    const raw = request.cookies[SESSION_COOKIE]
    if (!raw)
      return null
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid || unsigned.value === null)
      return null
    try {
      const session = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as Session
      return session.exp * 1000 > now() ? session : null
    }
    catch {
      return null
    }
  }

  app.decorate('sessions', {
    issue(reply: FastifyReply, session: Omit<Session, 'exp'>): Session {
      const full: Session = { ...session, exp: Math.floor(now() / 1000) + options.ttlSeconds }
      reply.setCookie(SESSION_COOKIE, Buffer.from(JSON.stringify(full)).toString('base64url'), {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        path: '/',
        maxAge: options.ttlSeconds,
      })
      return full
    },
    read,
    clear(reply: FastifyReply) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
    },
    /** onRequest hook for protected scopes: 401 without a valid session. */
    async require(request: FastifyRequest) {
      const session = read(request)
      if (!session)
        throw unauthorized('login required: open the sidebar from WeCom or sign in at /api/auth/login')
      request.session = session
    },
  })
}, { name: 'session' })

declare module 'fastify' {
  interface FastifyInstance {
    sessions: {
      issue: (reply: FastifyReply, session: Omit<Session, 'exp'>) => Session
      read: (request: FastifyRequest) => Session | null
      clear: (reply: FastifyReply) => void
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
