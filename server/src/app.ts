import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyReply, FastifyServerOptions } from 'fastify'
import type { ArchiveSource } from './archive/source.ts'
import type { AppConfig } from './config.ts'
import type { Database } from './db/port.ts'
import type { JobQueue } from './jobs/queue.ts'
import type { RecommendationProvider } from './members/service.ts'
import type { WecomClient } from './wecom/client.ts'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { enqueueArchivePull, registerArchiveJobs, scheduleArchiveJobs } from './archive/jobs.ts'
import { archiveRoutes } from './archive/routes.ts'
import { archiveParts } from './archive/wiring.ts'
import { authRoutes } from './auth/routes.ts'
import { registerSessionPurgeJob, scheduleSessionPurgeJob } from './auth/session-purge.ts'
import { createSessionRepository } from './auth/session-repository.ts'
import { secureCookies } from './config.ts'
import { wecomCallbackRoutes } from './contacts/callback-routes.ts'
import { registerContactJobs, scheduleContactJobs } from './contacts/jobs.ts'
import { contactRoutes } from './contacts/routes.ts'
import { registerHandoverJobs, scheduleHandoverJobs } from './handover/jobs.ts'
import { handoverRoutes } from './handover/routes.ts'
import { healthRoutes } from './health/routes.ts'
import { registerImportJobs } from './imports/jobs.ts'
import { importRoutes } from './imports/routes.ts'
import { createJobQueue } from './jobs/queue.ts'
import { jobRoutes } from './jobs/routes.ts'
import { registerMaterialJobs, scheduleMaterialJobs } from './materials/jobs.ts'
import { materialLinkRoutes, materialRoutes } from './materials/routes.ts'
import { linkKeyFrom } from './materials/service.ts'
import { createMaterialStorage } from './materials/storage.ts'
import { memberRoutes } from './members/routes.ts'
import { noteRoutes } from './notes/routes.ts'
import { errorHandlerPlugin } from './plugins/errors.ts'
import { databaseRateLimitStore } from './plugins/rate-limit-store.ts'
import { securityPlugin } from './plugins/security.ts'
import { sessionPlugin } from './plugins/session.ts'
import { finiteNumbersValidatorFactory } from './plugins/validation.ts'
import { registerRecommendJobs, scheduleRecommendJobs } from './recommend/jobs.ts'
import { createPrecomputedProvider } from './recommend/precomputed.ts'
import { todayRoutes } from './recommend/routes.ts'
import { createRecommender } from './recommend/scoring.ts'
import { redPacketDepsFromConfig } from './redpackets/deps.ts'
import { registerRedPacketJobs, scheduleRedPacketJobs } from './redpackets/jobs.ts'
import { redPacketRoutes } from './redpackets/routes.ts'
import { replyRoutes } from './replies/routes.ts'
import { reportRoutes } from './reports/routes.ts'
import { registerComputeJob, scheduleComputeJob } from './segments/compute-job.ts'
import { segmentRoutes } from './segments/routes.ts'
import { registerSendJobs, scheduleSendJobs } from './sends/jobs.ts'
import { sendRoutes } from './sends/routes.ts'
import { registerTagJobs, scheduleTagJobs } from './tags/push.ts'
import { tagRoutes } from './tags/routes.ts'
import { wecomRoutes } from './wecom/routes.ts'

const REQUEST_ID_HEADER = 'x-request-id'
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && UUID.test(header) ? header.toLowerCase() : randomUUID()
}

export interface AppDependencies {
  config: AppConfig
  database: Database
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
  /** Rate-limit counters: default in the database, shared by every instance; 'memory' counts per instance. */
  rateLimitStore?: FastifyRateLimitStoreCtor | 'memory'
  /** The conversation archive's source; default from config.archive (null = archiving off). */
  archiveSource?: ArchiveSource | null
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
    // The sidebar sends its own request id so the one a guide copies from 详情 is the one in the log;
    // anything but a UUID is replaced, so a client cannot write arbitrary text into log lines.
    genReqId: request => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
  })
  app.addHook('onSend', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id)
  })

  // Cross-cutting first: errors, sessions (cookie signing), then headers, Origin check and rate limits.
  await app.register(errorHandlerPlugin)
  await app.register(sessionPlugin, {
    secret: config.sessionSecret,
    ttlSeconds: config.sessionTtlSeconds,
    secureCookies: secureCookies(config),
    repository: createSessionRepository(db),
    now,
  })
  const rateLimitStore = deps.rateLimitStore === 'memory' ? undefined : deps.rateLimitStore ?? databaseRateLimitStore(database, now)
  await app.register(securityPlugin, { config, rateLimitStore })

  // Public routes: health and the OAuth round trip.
  await app.register(healthRoutes, { database, version: config.version })
  await app.register(authRoutes, { db, config, wecom })

  // Recommendations: precomputed by jobs from the latest trained model; the sidebar only reads them.
  const recommender = createRecommender({ now, modelRecheckMs: 0 })
  const queue = createJobQueue({ database, now, log: app.log })
  registerRecommendJobs(queue, { port: database, connection: { databaseUrl: config.databaseUrl, databasePath: config.databasePath }, recommender, precomputeThreads: config.precomputeThreads, now, trainIntervalHours: config.trainIntervalHours, log: app.log })
  registerContactJobs(queue, { db, wecom, now, log: app.log })
  registerSendJobs(queue, { db, now, log: app.log })
  registerSessionPurgeJob(queue, { db, now, log: app.log })
  const redPackets = redPacketDepsFromConfig(config, db, wecom, now)
  registerRedPacketJobs(queue, redPackets, app.log)
  const archive = archiveParts(config, wecom, deps.archiveSource)
  registerArchiveJobs(queue, { ...archive, database, now, log: app.log })
  app.addHook('onClose', async () => archive.keyring.close())
  registerImportJobs(queue, { database, now, log: app.log })
  registerTagJobs(queue, { db, wecom, now, log: app.log })
  registerComputeJob(queue, { db, now, log: app.log })
  const materials = { database, wecom, storage: createMaterialStorage(config.materials.dir), publicUrl: config.publicUrl, miniprogramAppid: config.materials.miniprogramAppid, productCardsAsMiniprogram: config.materials.productCardsAsMiniprogram, linkKey: linkKeyFrom(config.sessionSecret), now }
  registerMaterialJobs(queue, { ...materials, log: app.log })
  registerHandoverJobs(queue, { db, wecom, now, log: app.log })
  app.decorate('jobQueue', queue)
  if (deps.jobs ?? config.jobs) {
    app.addHook('onListen', async () => {
      await scheduleRecommendJobs(queue, { trainIntervalHours: config.trainIntervalHours })
      await scheduleContactJobs(queue)
      await scheduleSendJobs(queue)
      await scheduleSessionPurgeJob(queue)
      await scheduleRedPacketJobs(queue, { paying: redPackets.pay !== null })
      await scheduleArchiveJobs(queue, { pullIntervalSeconds: config.archive.pullIntervalSeconds, pulling: archive.source !== null })
      await scheduleComputeJob(queue)
      await scheduleTagJobs(queue)
      await scheduleMaterialJobs(queue)
      await scheduleHandoverJobs(queue)
      queue.start()
    })
    app.addHook('onClose', async () => queue.stop())
  }
  // WeCom callbacks authenticate by msg_signature, not by session; the events are processed as jobs.
  await app.register(wecomCallbackRoutes, { config, db, queue, now, onMsgauditNotify: archive.source ? async () => void await enqueueArchivePull(queue) : undefined })
  // A customer's WeChat opens sent links: no session, a signed token names the send.
  await app.register(materialLinkRoutes, materials)

  // Everything else requires a session: one gate for the whole scope.
  await app.register(async (scope) => {
    scope.addHook('onRequest', app.rateLimits.api)
    scope.addHook('onRequest', app.sessions.require)
    scope.addHook('onRequest', async (request, reply) => {
      if (request.method === 'POST' && request.routeOptions.url === '/api/sends')
        await app.rateLimits.sends(request, reply)
    })
    await scope.register(wecomRoutes, { config, wecom })
    await scope.register(memberRoutes, { db, recommend: deps.recommend ?? createPrecomputedProvider({ now }) })
    await scope.register(todayRoutes, { heavyReads: database.heavyReads, now })
    await scope.register(sendRoutes, { db, now })
    await scope.register(reportRoutes, { db, now })
    await scope.register(jobRoutes, { queue })
    await scope.register(contactRoutes, { queue })
    await scope.register(redPacketRoutes, { deps: redPackets })
    await scope.register(archiveRoutes, { database, now, sourceName: archive.sourceName, mediaDir: archive.mediaDir })
    await scope.register(importRoutes, { database, queue, now, importDir: config.importDir, importMaxBytes: config.importMaxBytes })
    await scope.register(tagRoutes, { db, wecom, now })
    await scope.register(segmentRoutes, { db, heavyReads: database.heavyReads, now })
    await scope.register(materialRoutes, materials)
    await scope.register(replyRoutes, { database, now })
    await scope.register(noteRoutes, { db, now })
    await scope.register(handoverRoutes, { db, wecom, now })
  })

  if (config.staticDir && existsSync(config.staticDir)) {
    await app.register(fastifyStatic, { root: config.staticDir, index: ['index.html'] })
    const hasDemoShell = existsSync(join(config.staticDir, 'index.html'))
    if (!(config.demo && hasDemoShell))
      app.get('/', async (_request, reply) => reply.redirect('/app/'))
    // The console's pages are routes of the sidebar app (sidebar/src/views/console/routes.ts): a direct load or
    // a reload of any of them gets the app, which shows the page.
    const sidebarApp = async (_request: unknown, reply: FastifyReply) => reply.sendFile('app/index.html')
    app.get('/app/console', sidebarApp)
    app.get('/app/console/*', sidebarApp)
    app.get('/console', async (_request, reply) => reply.redirect('/app/console'))
  }
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's job queue (tests drive it with `tick()`). */
    jobQueue: JobQueue
  }
}
