import type { WechatPayConfig } from './wechatpay/client.ts'
import { hkdfSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface AppConfig {
  port: number
  host: string
  /** Fastify trustProxy (TRUST_PROXY): `true` or the proxies' addresses/CIDRs; needed for per-IP limits behind a load balancer. */
  trustProxy: boolean | string
  /** Public origin the browser uses, for the OAuth redirect_uri (e.g. https://scrm.brand.com). */
  publicUrl: string
  databasePath: string
  /** DATABASE_URL (postgres://…): run on PostgreSQL instead of the SQLite file at databasePath. */
  databaseUrl: string
  /** SCRM_JOBS (default on): whether this instance runs job-queue workers; any number of instances may. */
  jobs: boolean
  /** TRAIN_INTERVAL_HOURS (default 24): how often the `train` schedule fires. */
  trainIntervalHours: number
  /**
   * PRECOMPUTE_THREADS: worker threads that score every member's recommendation list after training
   * (default: the cores this process may use; 0 scores them on the API thread). Lower it to leave cores to the API.
   */
  precomputeThreads: number
  /** Built sidebar to serve; empty = API only. */
  staticDir: string
  /** Serve the demo shell at `/` (the demo); otherwise `/` goes to the sidebar. */
  demo: boolean
  /** NODE_ENV=production: secure cookies and a strong SESSION_SECRET are required. */
  production: boolean
  /** pino level; 5xx errors are logged at `error`, so any level up to `error` shows them. */
  logLevel: string
  sessionSecret: string
  sessionTtlSeconds: number
  /** Origins allowed to make state-changing requests besides PUBLIC_URL's (ALLOWED_ORIGINS, comma-separated). */
  allowedOrigins: string[]
  /** Extra CSP connect-src origins (CSP_CONNECT_SRC, comma-separated), e.g. the demo's emulator. */
  cspConnectSrc: string[]
  rateLimit: RateLimitConfig
  /** Order imports: uploads wait here for their job (IMPORT_DIR, default <tmp>/scrm-imports) … */
  importDir: string
  /** … and may be at most this many bytes (IMPORT_MAX_MB, default 300). */
  importMaxBytes: number
  version: string
  archive: ArchiveConfig
  materials: {
    /** MATERIALS_DIR (default next to the SQLite file): uploaded material files, content-addressed. */
    dir: string
    /** WECOM_MINIPROGRAM_APPID: the brand's mini-program linked to the corp ('' = none; cards then go as links). */
    miniprogramAppid: string
    /** WECOM_MINIPROGRAM_PRODUCT_CARDS=1: products go as mini-program cards to their shop page (needs the appid); else as link cards. */
    productCardsAsMiniprogram: boolean
  }
  wecom: {
    corpId: string
    agentId: number
    appSecret: string
    /** Optional legacy 客户联系 system secret ('' = none); externalcontact APIs use the app secret. */
    contactSecret: string
    /** 32-byte AES-256-GCM key for tokens/tickets cached in wecom_credentials. */
    credentialsKey: Buffer
    apiBase: string
    oauthBase: string
    callbackToken: string
    encodingAesKey: string
    /** Signed callbacks whose timestamp is further than this from our clock are refused (replays). */
    callbackMaxSkewSeconds: number
  }
  /** WeChat Pay for 企业红包; null when WECHATPAY_MCH_ID is unset (red packets are then refused with 503). */
  wechatPay: WechatPayConfig | null
}

/** The conversation archive (会话内容存档): where messages come from and the keys that open them. */
export interface ArchiveConfig {
  /** ARCHIVE_SOURCE: `off` (default), `emulator` (the WeCom emulator at WECOM_API_BASE) or `native` (the Finance SDK). */
  source: 'off' | 'emulator' | 'native'
  /** ARCHIVE_SECRET: the 会话内容存档 secret (its own access token). */
  secret: string
  /**
   * RSA private keys by publickey_ver, from ARCHIVE_PRIVATE_KEYS = `1=/path/v1.pem,2=/path/v2.pem`
   * (PKCS#1 or PKCS#8 PEM). Keep every old key: messages name the version they were encrypted for.
   */
  privateKeys: Map<number, string>
  /** ARCHIVE_MEDIA_DIR: content-addressed media files (default .data/archive-media). */
  mediaDir: string
  /** ARCHIVE_PULL_LIMIT: messages per GetChatData call (1…1000, default 1000). */
  pullLimit: number
  /** ARCHIVE_PULL_INTERVAL_SECONDS: backstop pull schedule besides msgaudit_notify (default 60). */
  pullIntervalSeconds: number
  /**
   * ARCHIVE_RSA_THREADS: worker threads that open messages' RSA keys during a pull (default: the cores
   * this process may use; 0 opens them on the main thread). Lower it to leave cores to the API.
   */
  rsaThreads: number
}

const list = (value: string | undefined): string[] => (value ?? '').split(',').map(s => s.trim().replace(/\/$/, '')).filter(Boolean)

function archivePrivateKeys(value: string | undefined): Map<number, string> {
  const keys = new Map<number, string>()
  for (const entry of list(value)) {
    const match = /^(\d+)=(.+)$/.exec(entry)
    if (!match)
      throw new ConfigError('ARCHIVE_PRIVATE_KEYS must be `version=/path/key.pem` entries separated by commas')
    keys.set(Number(match[1]), readFileSync(resolve(match[2]!), 'utf8'))
  }
  return keys
}

/** Requests per window; 0 turns a limit off. Defaults suit one store's guides behind one NAT address. */
export interface RateLimitConfig {
  windowMs: number
  /** Login and OAuth callback, per IP. */
  authPerIp: number
  /** WeCom event callback, per IP. */
  wecomCallbackPerIp: number
  /** Any session-gated API request, per session. */
  apiPerSession: number
  /** Session-gated API requests without a validly signed cookie (nothing but 401s), per IP. */
  apiWithoutSessionPerIp: number
  /** POST /api/sends, per session. */
  sendsPerSession: number
}

const MIN_SECRET_BYTES = 32

/** Decoded length of a hex or base64/base64url secret, 0 when it is neither. */
function secretBytes(secret: string): number {
  if (/^[\da-f]+$/i.test(secret) && secret.length % 2 === 0)
    return secret.length / 2
  if (/^[\w+/-]+={0,2}$/.test(secret))
    return Math.floor(secret.replace(/=+$/, '').length * 3 / 4)
  return 0
}

/** Shannon entropy of the characters times the length: a typed phrase or a repeat scores low. */
function estimatedEntropyBits(secret: string): number {
  const counts = new Map<string, number>()
  for (const c of secret) counts.set(c, (counts.get(c) ?? 0) + 1)
  let perChar = 0
  for (const n of counts.values()) perChar -= (n / secret.length) * Math.log2(n / secret.length)
  return perChar * secret.length
}

/** True when `s` is a shorter string repeated (the classic string-rotation test). */
const isRepetition = (s: string): boolean => (s + s).indexOf(s, 1) < s.length

/** Why `secret` is not fit to sign production sessions, or null when it is. */
export function weakSecretReason(secret: string): string | null {
  if (secretBytes(secret) < MIN_SECRET_BYTES)
    return `SESSION_SECRET must be at least ${MIN_SECRET_BYTES} random bytes, hex (64+ chars) or base64 (43+ chars); generate one with \`openssl rand -hex 32\``
  if (isRepetition(secret) || estimatedEntropyBits(secret) < 128)
    return 'SESSION_SECRET looks low-entropy (repeated or few distinct characters); generate one with `openssl rand -hex 32`'
  return null
}

function parseTrustProxy(value: string | undefined): boolean | string {
  if (!value || value === 'false')
    return false
  return value === 'true' ? true : value
}

export class ConfigError extends Error {}

/**
 * CREDENTIALS_KEY: 32 bytes as 64 hex chars or base64. Required in production; elsewhere a key is
 * derived from the app secret so a dev database stays readable across restarts.
 */
function credentialsKey(env: NodeJS.ProcessEnv, required: (name: string) => string): Buffer {
  const raw = env.CREDENTIALS_KEY
  if (!raw) {
    if (env.NODE_ENV === 'production')
      return Buffer.from(required('CREDENTIALS_KEY')) // records it as missing; loadConfig then throws
    return Buffer.from(hkdfSync('sha256', env.WECOM_APP_SECRET ?? '', env.WECOM_CORP_ID ?? '', 'scrm dev credentials key', 32))
  }
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
  if (key.length !== 32)
    throw new ConfigError('CREDENTIALS_KEY must be 32 bytes: 64 hex characters or base64')
  return key
}

/**
 * WECHATPAY_MCH_ID, WECHATPAY_API_KEY (merchant API v2 key), WECOM_PAY_SECRET (the 企业支付 app's secret),
 * WECHATPAY_CERT_PATH / WECHATPAY_KEY_PATH (PEM merchant client certificate, required for https),
 * WECHATPAY_CA_PATH (optional CA to trust, e.g. a test pay service's), WECHATPAY_API_BASE,
 * WECHATPAY_TIMEOUT_MS; WECHATPAY_CLIENT_CERT_STAND_IN only against the emulator over http (refused in production).
 */
function wechatPayConfig(env: NodeJS.ProcessEnv, corpId: string, agentId: number, required: (name: string) => string): WechatPayConfig | null {
  if (!env.WECHATPAY_MCH_ID)
    return null
  const apiBase = (env.WECHATPAY_API_BASE ?? 'https://api.mch.weixin.qq.com').replace(/\/$/, '')
  const file = (path: string | undefined) => path ? readFileSync(resolve(path), 'utf8') : undefined
  const standIn = env.WECHATPAY_CLIENT_CERT_STAND_IN || undefined
  if (standIn && env.NODE_ENV === 'production')
    throw new ConfigError('WECHATPAY_CLIENT_CERT_STAND_IN is for the emulator only; production uses WECHATPAY_CERT_PATH and WECHATPAY_KEY_PATH')
  const secure = apiBase.startsWith('https://')
  // Mutual TLS: WeChat Pay refuses these calls without the merchant's client certificate.
  const cert = secure ? file(required('WECHATPAY_CERT_PATH')) : undefined
  const key = secure ? file(required('WECHATPAY_KEY_PATH')) : undefined
  const timeoutMs = Number(env.WECHATPAY_TIMEOUT_MS ?? 10_000)
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new ConfigError('WECHATPAY_TIMEOUT_MS must be a positive integer')
  return {
    apiBase,
    mchId: env.WECHATPAY_MCH_ID,
    apiKey: required('WECHATPAY_API_KEY'),
    paySecret: required('WECOM_PAY_SECRET'),
    corpId,
    agentId,
    tls: cert && key ? { cert, key, ca: file(env.WECHATPAY_CA_PATH) } : undefined,
    clientCertStandIn: standIn,
    timeoutMs,
  }
}

/** Cookies get `Secure` in production whatever PUBLIC_URL says, and whenever the site is https. */
export function secureCookies(config: Pick<AppConfig, 'production' | 'publicUrl'>): boolean {
  return config.production || config.publicUrl.startsWith('https://')
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
  return pkg.version ?? '0.0.0'
}

/**
 * Just the database of the environment, for command-line tools that need no WeCom credentials:
 * DATABASE_URL (PostgreSQL) or DATABASE_PATH (SQLite, relative to `cwd`, default .data/scrm.db).
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env, cwd = env.INIT_CWD ?? process.cwd()): Pick<AppConfig, 'databasePath' | 'databaseUrl'> {
  return { databasePath: resolve(cwd, env.DATABASE_PATH ?? '.data/scrm.db'), databaseUrl: env.DATABASE_URL ?? '' }
}

/** Reads the configuration from the environment; throws a ConfigError naming every missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const missing: string[] = []
  const required = (name: string): string => {
    const value = env[name]
    if (!value) {
      missing.push(name)
      return ''
    }
    return value
  }
  const port = Number(env.PORT ?? 3000)
  const production = env.NODE_ENV === 'production'
  const integer = (name: string, fallback: number): number => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name])
    if (!Number.isSafeInteger(value) || value < 0)
      throw new ConfigError(`${name} must be a non-negative integer`)
    return value
  }
  const database = loadDatabaseConfig(env, process.cwd())
  const config: AppConfig = {
    port,
    host: env.HOST ?? '0.0.0.0',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    ...database,
    // Under a test runner (NODE_ENV=test) workers never poll on their own: tests tick the queue.
    jobs: env.SCRM_JOBS !== '0' && env.NODE_ENV !== 'test',
    trainIntervalHours: Number(env.TRAIN_INTERVAL_HOURS ?? 24),
    precomputeThreads: integer('PRECOMPUTE_THREADS', availableParallelism()),
    staticDir: env.STATIC_DIR ?? '',
    demo: env.SCRM_DEMO === '1',
    production,
    logLevel: env.LOG_LEVEL ?? 'info',
    sessionSecret: env.SESSION_SECRET ?? (production ? required('SESSION_SECRET') : randomBytes(32).toString('hex')),
    sessionTtlSeconds: integer('SESSION_TTL_SECONDS', 12 * 3600),
    allowedOrigins: list(env.ALLOWED_ORIGINS),
    cspConnectSrc: list(env.CSP_CONNECT_SRC),
    rateLimit: {
      windowMs: integer('RATE_LIMIT_WINDOW_MS', 60_000),
      authPerIp: integer('RATE_LIMIT_AUTH_PER_IP', 60),
      wecomCallbackPerIp: integer('RATE_LIMIT_WECOM_CALLBACK_PER_IP', 600),
      apiPerSession: integer('RATE_LIMIT_API_PER_SESSION', 1200),
      apiWithoutSessionPerIp: integer('RATE_LIMIT_API_WITHOUT_SESSION_PER_IP', 120),
      sendsPerSession: integer('RATE_LIMIT_SENDS_PER_SESSION', 120),
    },
    importDir: resolve(env.IMPORT_DIR ?? join(tmpdir(), 'scrm-imports')),
    importMaxBytes: integer('IMPORT_MAX_MB', 300) * 1024 * 1024,
    version: packageVersion(),
    archive: {
      source: env.ARCHIVE_SOURCE === 'emulator' || env.ARCHIVE_SOURCE === 'native' ? env.ARCHIVE_SOURCE : 'off',
      secret: env.ARCHIVE_SECRET ?? '',
      privateKeys: archivePrivateKeys(env.ARCHIVE_PRIVATE_KEYS),
      mediaDir: resolve(env.ARCHIVE_MEDIA_DIR ?? '.data/archive-media'),
      pullLimit: integer('ARCHIVE_PULL_LIMIT', 1000),
      pullIntervalSeconds: integer('ARCHIVE_PULL_INTERVAL_SECONDS', 60),
      rsaThreads: integer('ARCHIVE_RSA_THREADS', availableParallelism()),
    },
    materials: {
      dir: resolve(env.MATERIALS_DIR ?? resolve(database.databasePath, '..', 'materials')),
      miniprogramAppid: env.WECOM_MINIPROGRAM_APPID ?? '',
      productCardsAsMiniprogram: env.WECOM_MINIPROGRAM_PRODUCT_CARDS === '1',
    },
    wecom: {
      corpId: required('WECOM_CORP_ID'),
      agentId: Number(required('WECOM_AGENT_ID')),
      appSecret: required('WECOM_APP_SECRET'),
      contactSecret: env.WECOM_CONTACT_SECRET ?? '',
      credentialsKey: credentialsKey(env, required),
      apiBase: (env.WECOM_API_BASE ?? 'https://qyapi.weixin.qq.com').replace(/\/$/, ''),
      oauthBase: (env.WECOM_OAUTH_BASE ?? 'https://open.weixin.qq.com').replace(/\/$/, ''),
      callbackToken: env.WECOM_CALLBACK_TOKEN ?? '',
      encodingAesKey: env.WECOM_ENCODING_AES_KEY ?? '',
      callbackMaxSkewSeconds: integer('WECOM_CALLBACK_MAX_SKEW_SECONDS', 300),
    },
    wechatPay: null,
    ...overrides,
  }
  if (!('wechatPay' in overrides))
    config.wechatPay = wechatPayConfig(env, config.wecom.corpId, config.wecom.agentId, required)
  if (missing.length > 0)
    throw new ConfigError(`Missing environment variables: ${missing.join(', ')}`)
  if (config.databaseUrl && !/^postgres(?:ql)?:\/\//.test(config.databaseUrl))
    throw new ConfigError('DATABASE_URL must be a postgres:// URL')
  if (!(Number.isFinite(config.trainIntervalHours) && config.trainIntervalHours > 0))
    throw new ConfigError('TRAIN_INTERVAL_HOURS must be a positive number')
  if (config.materials.miniprogramAppid && !/^wx[0-9a-f]{16}$/.test(config.materials.miniprogramAppid))
    throw new ConfigError('WECOM_MINIPROGRAM_APPID must be a mini-program appid (wx + 16 hex characters)')
  if (config.materials.productCardsAsMiniprogram && !config.materials.miniprogramAppid)
    throw new ConfigError('WECOM_MINIPROGRAM_PRODUCT_CARDS=1 needs WECOM_MINIPROGRAM_APPID')
  if (!Number.isInteger(config.wecom.agentId))
    throw new ConfigError('WECOM_AGENT_ID must be an integer')
  if (env.ARCHIVE_SOURCE && !['off', 'emulator', 'native'].includes(env.ARCHIVE_SOURCE))
    throw new ConfigError('ARCHIVE_SOURCE must be off, emulator or native')
  if (config.archive.pullLimit < 1 || config.archive.pullLimit > 1000)
    throw new ConfigError('ARCHIVE_PULL_LIMIT must be 1…1000 (the SDK refuses more)')
  if (config.archive.source !== 'off' && (!config.archive.secret || config.archive.privateKeys.size === 0))
    throw new ConfigError('ARCHIVE_SOURCE needs ARCHIVE_SECRET and ARCHIVE_PRIVATE_KEYS')
  if (config.production) {
    const weak = weakSecretReason(config.sessionSecret)
    if (weak)
      throw new ConfigError(weak)
  }
  return config
}
