import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyServerOptions } from 'fastify'
import type { AppConfig } from './config.ts'
import type { OpenedDatabase } from './db/client.ts'
import type { RecommendationProvider } from './members/service.ts'
import type { WecomClient } from './wecom/client.ts'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { authRoutes } from './auth/routes.ts'
import { createSqliteSessionRepository } from './auth/session-repository.ts'
import { secureCookies } from './config.ts'
import { healthRoutes } from './health/routes.ts'
import { createJobQueue } from './jobs/queue.ts'
import { jobRoutes } from './jobs/routes.ts'
import { memberRoutes } from './members/routes.ts'
import { errorHandlerPlugin } from './plugins/errors.ts'
import { securityPlugin } from './plugins/security.ts'
import { sessionPlugin } from './plugins/session.ts'
import { finiteNumbersValidatorFactory } from './plugins/validation.ts'
import { registerRecommendJobs, scheduleRecommendJobs } from './recommend/jobs.ts'
import { todayRoutes } from './recommend/routes.ts'
import { createRecommender } from './recommend/scoring.ts'
import { reportRoutes } from './reports/routes.ts'
import { sendRoutes } from './sends/routes.ts'
import { wecomCallbackRoutes } from './wecom/callback-routes.ts'
import { wecomRoutes } from './wecom/routes.ts'

export interface AppDependencies {
  config: AppConfig
  database: OpenedDatabase
  wecom: WecomClient
  recommend?: RecommendationProvider
  /**
   * Run job-queue workers (training, attribution …) once listening. Default: SCRM_JOBS != '0' and not under
   * a test runner (NODE_ENV=test). Any number of instances may; each job runs once.
   */
  jobs?: boolean
  now?: () => number
  /** Default: pino at config.logLevel; false for silence (tests). */
  logger?: FastifyServerOptions['logger']
  /** Rate-limit counters shared across instances; in-memory per instance when absent. */
  rateLimitStore?: FastifyRateLimitStoreCtor
}

/** The whole HTTP app; `main.ts` and the demo launcher listen, tests use `inject` or a port. */
export async function buildApp(deps: AppDependencies) {
  const { config, database, wecom } = deps
  const db = database.db
  const now = deps.now ?? Date.now
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy,
    // Validation errors name the field ("body/memberId must be integer"); AJV coerces query strings.
    ajv: { customOptions: { allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: finiteNumbersValidatorFactory() } },
  })

  // Cross-cutting first: errors, sessions (cookie signing), then headers, Origin check and rate limits.
  await app.register(errorHandlerPlugin)
  await app.register(sessionPlugin, {
    secret: config.sessionSecret,
    ttlSeconds: config.sessionTtlSeconds,
    secureCookies: secureCookies(config),
    repository: createSqliteSessionRepository(db),
    now,
  })
  await app.register(securityPlugin, { config, rateLimitStore: deps.rateLimitStore })

  // Public routes: health and the OAuth round trip.
  await app.register(healthRoutes, { database: database.port, version: config.version })
  await app.register(authRoutes, { db, config, wecom })
  // WeCom callbacks authenticate by msg_signature, not by session.
  await app.register(wecomCallbackRoutes, { config, db, wecom, now })

  // Recommendations: scored in-process from the latest trained model (model-store re-checks the DB).
  const recommender = createRecommender({ now })
  const queue = createJobQueue({ database: database.port, now, log: app.log })
  registerRecommendJobs(queue, { db, port: database.port, now, trainIntervalHours: config.trainIntervalHours, log: app.log })
  if (deps.jobs ?? (config.jobs && process.env.NODE_ENV !== 'test')) {
    app.addHook('onListen', async () => {
      await scheduleRecommendJobs(queue, { trainIntervalHours: config.trainIntervalHours })
      queue.start()
    })
    app.addHook('onClose', async () => queue.stop())
  }

  // Everything else requires a session: one gate for the whole scope.
  await app.register(async (scope) => {
    scope.addHook('onRequest', app.rateLimits.api)
    scope.addHook('onRequest', app.sessions.require)
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'POST' && request.routeOptions.url === '/api/sends')
        await app.rateLimits.sends(request, reply)
    })
    await scope.register(wecomRoutes, { config, wecom })
    await scope.register(memberRoutes, { db, recommend: deps.recommend ?? recommender.provider })
    await scope.register(todayRoutes, { db, now, recommender })
    await scope.register(sendRoutes, { db, now })
    await scope.register(reportRoutes, { db, now })
    await scope.register(jobRoutes, { queue })
  })

  if (config.staticDir && existsSync(config.staticDir)) {
    await app.register(fastifyStatic, { root: config.staticDir, index: ['index.html'] })
    const hasDemoShell = existsSync(join(config.staticDir, 'index.html'))
    if (!(config.demo && hasDemoShell))
      app.get('/', async (_request, reply) => reply.redirect('/app/'))
  }
  return app
}
