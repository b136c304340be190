import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AppConfig } from '../config.ts'
import type { RateLimitCounting } from './rate-limit-store.ts'
import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import { forbidden, HttpError } from './errors.ts'
import { SESSION_COOKIE, sessionTokenOf } from './session.ts'

export interface SecurityOptions {
  config: AppConfig
  /** Counter store shared by every limit; in-memory per instance when absent. */
  rateLimitStore?: FastifyRateLimitStoreCtor
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Cross-cutting protection: security headers (helmet), `no-store` on the API, an Origin check on
 * state-changing requests, and rate limits exposed as hooks (`app.rateLimits`) for the routes
 * that need them.
 */
export const securityPlugin = fp(async (app: FastifyInstance, { config, rateLimitStore }: SecurityOptions) => {
  const https = config.publicUrl.startsWith('https://')
  // helmet's middleware built once: @fastify/helmet rebuilds it (parsing the CSP directives) on every
  // request, a measured 6% of the member context's CPU under load (bench/context.ts).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ['\'self\''],
        // Vite emits external module scripts and stylesheets only; Vue sets styles through the CSSOM.
        'script-src': ['\'self\''],
        'style-src': ['\'self\''],
        // Product images and avatars come from the brand's CDN and WeCom.
        'img-src': ['\'self\'', 'data:', 'https:'],
        'font-src': ['\'self\'', 'data:'],
        'connect-src': ['\'self\'', ...config.cspConnectSrc],
        // The sidebar opens top-level in the WeCom client; only our own demo shell frames it.
        'frame-ancestors': ['\'self\''],
        // @wecom/jssdk frames these for its browser-mode components (open data, login); the client bridge needs none.
        'frame-src': ['\'self\'', 'https://login.work.weixin.qq.com', 'https://open.work.weixin.qq.com'],
        'form-action': ['\'self\''],
        'base-uri': ['\'self\''],
        'object-src': ['\'none\''],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    // HSTS only means something over https; sent over http it would be ignored anyway.
    strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // The demo shell talks to the emulator on another port; nothing here needs cross-origin isolation.
    crossOriginEmbedderPolicy: false,
  })
  app.addHook('onRequest', (request, reply, done) => {
    // helmet's middleware only ever calls next() without an error.
    securityHeaders(request.raw, reply.raw, () => done())
  })

  // API answers carry customers' personal data: never keep them in a browser or proxy cache.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/'))
      reply.header('cache-control', 'no-store')
  })

  const allowedOrigins = new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins.map(o => new URL(o).origin)])
  const originOf = (value: string | undefined): string | null => {
    if (!value)
      return null
    try {
      return new URL(value).origin
    }
    catch {
      return 'invalid'
    }
  }
  /**
   * Refuses cross-site state changes (CSRF): the Origin (else the Referer) must be ours. A request
   * with neither is refused when it carries our session cookie; without the cookie it has no
   * authority to borrow. The WeCom callback is signed and never carries either.
   */
  app.addHook('onRequest', async (request) => {
    if (!STATE_CHANGING.has(request.method) || request.routeOptions.config?.signedWebhook)
      return
    const origin = originOf(request.headers.origin) ?? originOf(request.headers.referer)
    if (origin === null) {
      if (request.cookies[SESSION_COOKIE])
        throw forbidden('Origin or Referer header required for this request')
      return
    }
    if (!allowedOrigins.has(origin))
      throw forbidden(`cross-site request refused: Origin ${origin} is not this site`)
  })

  await app.register(fastifyRateLimit, { global: false, ...(rateLimitStore ? { store: rateLimitStore } : {}) })
  const { rateLimit: limits } = config
  const ip = (request: FastifyRequest) => `ip:${request.ip}`

  const limiter = (name: string, max: number, key: (request: FastifyRequest) => string, counting: RateLimitCounting = 'shared'): Hook => {
    const check = app.createRateLimit({ timeWindow: limits.windowMs, keyGenerator: request => `${name}:${key(request)}`, max, counting })
    return async (request, reply) => {
      const result = await check(request)
      if (result.isAllowed || !result.isExceeded || result.max === 0)
        return
      reply.header('retry-after', result.ttlInSeconds)
      throw new HttpError(429, 'Too Many Requests', `too many requests; retry after ${result.ttlInSeconds} s`)
    }
  }

  // Per session once the cookie's signature holds, counted in this process: it guards against a runaway
  // client, not an attacker (only we can sign a session cookie), and a database write on every sidebar
  // request would cost more than the request. Forged or missing cookies count against the IP, shared.
  const apiPerSession = limiter('api', limits.apiPerSession, request => `s:${sessionTokenOf(request)}`, 'process')
  const apiPerIp = limiter('api', limits.apiWithoutSessionPerIp, ip)
  app.decorate('rateLimits', {
    auth: limiter('auth', limits.authPerIp, ip),
    wecomCallback: limiter('wecom-callback', limits.wecomCallbackPerIp, ip),
    api: async (request, reply) => (sessionTokenOf(request) ? apiPerSession : apiPerIp)(request, reply),
    sends: limiter('sends', limits.sendsPerSession, request => `s:${sessionTokenOf(request) ?? ip(request)}`),
  })
}, { name: 'security', dependencies: ['session'] })

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: { auth: Hook, wecomCallback: Hook, api: Hook, sends: Hook }
  }
  interface FastifyContextConfig {
    /** Authenticated by its own signature: exempt from the Origin check. */
    signedWebhook?: boolean
  }
}
