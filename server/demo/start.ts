// The one-command demo: WeCom emulator + seeded SQLite + server + built sidebar, in one process.
// Everything here is demo wiring; production code never imports the emulator.
import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../emulator/index.ts'
import { startWechatPayEmulator } from '../emulator/wechatpay.ts'
import { buildApp } from '../src/app.ts'
import { sweepReplyTimeouts } from '../src/archive/alerts.ts'
import { createEmulatorArchiveSource } from '../src/archive/emulator-source.ts'
import { pullUntilCaughtUp } from '../src/archive/ingest.ts'
import { fetchPendingMedia } from '../src/archive/media.ts'
import { archiveParts } from '../src/archive/wiring.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/client.ts'
import { wecomCredentials } from '../src/db/schema.ts'
import { shanghaiDay, shanghaiDayStart } from '../src/lib/china-time.ts'
import { DEMO_MINIPROGRAM_APPID, seedDemoMaterials } from '../src/materials/demo-seed.ts'
import { runAttribution } from '../src/recommend/jobs.ts'
import { precomputeRecommendations } from '../src/recommend/precomputed.ts'
import { createRecommender } from '../src/recommend/scoring.ts'
import { trainModels } from '../src/recommend/training.ts'
import { computeAllTags } from '../src/segments/compute-job.ts'
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS } from '../src/sends/attribution.ts'
import { createWecomClientFromConfig } from '../src/wecom/client.ts'
import { createDbCredentialStore } from '../src/wecom/credential-store.ts'
import { seedDemoArchiveRules, seedDemoArchiveSource } from './archive-demo.ts'
import { generateDemoData } from './generator.ts'
import { seedDatabase, toWecomFixtures } from './seed.ts'
import { SEND_HISTORY_DAYS } from './send-history.ts'

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

export interface DemoOptions {
  port: number
  emulatorPort: number
  databasePath: string
  members: number
  seed: number
  /** Start from a freshly seeded database. */
  reset: boolean
  /** false silences the app (tests); otherwise pino at `logLevel`. */
  logger?: false
  /** Default `warn`: quiet, but every 5xx is logged with its request id. */
  logLevel?: string
}

/** Seeds a new demo database and prepares what the sidebar reads from its first request. */
async function prepareFreshDatabase(database: ReturnType<typeof openDatabase>, dataset: ReturnType<typeof generateDemoData>) {
  seedDatabase(database.db, dataset)
  // Credit the seeded send history's orders before training, so the conversion report, learned
  // conversion and suppression have outcomes from the first request.
  const attribution = await runAttribution(database.port.db, Date.now(), SEND_HISTORY_DAYS + DEFAULT_ATTRIBUTION_WINDOW_DAYS + 1)
  // Train once before listening so the sidebar has recommendations and scores from the first request
  // (same clock as the app; the scheduled `train` job then finds a fresh model and skips until it is stale).
  const trainStarted = performance.now()
  const training = await trainModels(database.port, { now: Date.now() })
  // The sidebar reads precomputed lists: score every member once before listening.
  await precomputeRecommendations(database.port.db, createRecommender({ modelRecheckMs: 0 }), { now: Date.now(), databaseClock: database.port.sql.nowMs })
  const trainMs = performance.now() - trainStarted
  // Computed tags (lifecycle, RFM …) from the first request; the daily `tags.compute` job keeps them current.
  await computeAllTags(database.port.db, Date.now())
  return { attribution, trainMs, training: training.stats }
}

export async function startDemo(options: DemoOptions) {
  const started = performance.now()
  // The demo's data ends today (00:00 in China), so it looks current whenever it is started; the app,
  // attribution and training run on the real clock.
  const today = shanghaiDayStart(shanghaiDay(Date.now()))
  const dataset = generateDemoData({ seed: options.seed, members: options.members, now: today, sendHistory: true })
  const appSecret = 'demo-app-secret-0001'
  const contactSecret = 'demo-contact-secret-0001'
  const fixtures = toWecomFixtures(dataset, {
    appSecret,
    contactSecret,
    trustedDomains: [`localhost:${options.port}`, `127.0.0.1:${options.port}`],
    // Tag and contact changes made in the emulator are pushed to the app like WeCom would.
    callbackUrl: `http://127.0.0.1:${options.port}/api/wecom/callback`,
  })
  const emulator = await startEmulator({ fixtures, port: options.emulatorPort, host: '127.0.0.1' })
  // WeChat Pay for red packets (its own port; the client-certificate stand-in header); the demo customer opens each packet after 6 s.
  const payMerchant = { mchId: '1900000109', apiKey: 'DEMO_MCH_API_KEY_32_CHARS_000000', paySecret: 'DEMO_PAY_APP_SECRET', corpId: fixtures.corpId, balance: 100_000_000 }
  const payEmulator = await startWechatPayEmulator({ merchant: payMerchant, autoReceiveMs: 6_000 })

  if (options.reset) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.databasePath}${suffix}`, { force: true })
  }
  const fresh = !existsSync(options.databasePath)
  const database = openDatabase(options.databasePath)
  // A database kept from an earlier run (no DEMO_RESET) already holds its model, precomputed lists and tags;
  // the scheduled `train`, `attribute` and `tags.compute` jobs keep them current, so only a new one is prepared.
  const prepared = fresh ? await prepareFreshDatabase(database, dataset) : null
  // A new emulator instance knows none of the tokens/tickets cached by the previous run.
  database.db.delete(wecomCredentials).run()

  const emulatorUrl = `http://localhost:${emulator.port}`
  const config = loadConfig({
    PORT: String(options.port),
    DATABASE_PATH: options.databasePath,
    STATIC_DIR: resolve(repoRoot, 'dist/sidebar'),
    SCRM_DEMO: '1',
    WECOM_CORP_ID: fixtures.corpId,
    WECOM_AGENT_ID: String(fixtures.app.agentId),
    WECOM_APP_SECRET: appSecret,
    WECOM_CONTACT_SECRET: contactSecret,
    WECOM_API_BASE: emulatorUrl,
    WECOM_OAUTH_BASE: emulatorUrl,
    WECOM_CALLBACK_TOKEN: fixtures.app.callbackToken,
    WECOM_ENCODING_AES_KEY: fixtures.app.encodingAesKey,
    WECOM_MINIPROGRAM_APPID: DEMO_MINIPROGRAM_APPID,
    LOG_LEVEL: options.logLevel ?? 'warn',
    // The demo shell and mock bridge fetch from the emulator; the sidebar may be opened on either host name.
    CSP_CONNECT_SRC: `${emulatorUrl},http://127.0.0.1:${emulator.port}`,
    ALLOWED_ORIGINS: `http://127.0.0.1:${options.port}`,
    WECHATPAY_MCH_ID: payMerchant.mchId,
    WECHATPAY_API_KEY: payMerchant.apiKey,
    WECOM_PAY_SECRET: payMerchant.paySecret,
    WECHATPAY_API_BASE: payEmulator.url,
    WECHATPAY_CLIENT_CERT_STAND_IN: payMerchant.mchId,
  }, { archive: seedDemoArchiveSource(emulator, dataset, { now: Date.now(), databasePath: options.databasePath }) })
  const wecom = createWecomClientFromConfig(config.wecom, createDbCredentialStore(database.port.db, config.wecom.credentialsKey))
  // The archive is pulled (and its alerts raised) before listening, so the console has it from the first request.
  // The server reaches the emulator at 127.0.0.1 (localhost may resolve to ::1 first); a failed pull is retried by the job.
  const archiveSource = createEmulatorArchiveSource({ baseUrl: `http://127.0.0.1:${emulator.port}`, corpId: config.wecom.corpId, secret: config.archive.secret })
  const archive = archiveParts(config, wecom, archiveSource)
  await seedDemoArchiveRules(database.port, Date.now())
  let archived = { stored: 0, alerts: 0 }
  try {
    archived = await pullUntilCaughtUp({ database: database.port, source: archiveSource, keyring: archive.keyring, sourceName: archive.sourceName, now: Date.now, limit: archive.pullLimit, publicUrl: archive.consoleUrl })
    await fetchPendingMedia({ database: database.port, source: archiveSource, dir: archive.mediaDir, now: Date.now })
    await sweepReplyTimeouts(database.port.db, Date.now())
  }
  catch (error) {
    console.warn(`[demo] archive pull before start failed (the archive.pull job retries): ${error instanceof Error ? error.message : String(error)}`)
  }
  const app = await buildApp({ config, database: database.port, wecom, logger: options.logger, archiveSource })
  await seedDemoMaterials(database.port, config.materials.dir, Date.now())
  // Demo only: tells the demo shell and the mock JS bridge where the emulator is.
  app.get('/demo/config.json', async () => ({ emulatorUrl }))
  await app.listen({ port: options.port, host: '0.0.0.0' })
  const address = `http://localhost:${options.port}`
  return {
    app,
    emulator,
    payEmulator,
    database,
    url: address,
    emulatorUrl,
    startupMs: performance.now() - started,
    /** Null when the database was kept from an earlier run. */
    prepared,
    archived,
    history: { sends: dataset.sends.length, recommendations: dataset.recommendations.length },
    async close() {
      await app.close()
      await emulator.close()
      await payEmulator.close()
      database.close()
    },
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000)
  const demo = await startDemo({
    port,
    emulatorPort: Number(process.env.EMULATOR_PORT ?? port + 1),
    databasePath: resolve(repoRoot, process.env.DATABASE_PATH ?? '.data/demo.db'),
    members: Number(process.env.DEMO_MEMBERS ?? 3000),
    seed: Number(process.env.DEMO_SEED ?? 42),
    reset: process.env.DEMO_RESET === '1',
    logLevel: process.env.LOG_LEVEL,
  })
  console.log(`\nSCRM demo ready in ${Math.round(demo.startupMs)} ms`)
  if (demo.prepared) {
    const { trainMs, training, attribution } = demo.prepared
    console.log(`  trained   recommend model in ${Math.round(trainMs)} ms (${training.members} members, ${training.sufficiency.ok} with enough history for a purchase probability)`)
    console.log(`  history   ${demo.history.sends} sends (${demo.history.recommendations} from recommendations) over the last ${SEND_HISTORY_DAYS} days, ${attribution.attributed} orders attributed`)
  }
  else {
    console.log(`  kept      the database of the last run, with its model, lists and tags (DEMO_RESET=1 starts afresh)`)
  }
  console.log(`  archive   ${demo.archived.stored} chat messages archived (${demo.archived.alerts} alerts); console at ${demo.url}/app/console/archive`)
  console.log(`  open      ${demo.url}  (simulated WeCom chat + sidebar)`)
  console.log(`  emulator  ${demo.emulatorUrl}  (WeCom API emulator)`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void demo.close().then(() => process.exit(0)))
}
