import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export interface AppConfig {
  port: number
  host: string
  /** Public origin the browser uses, for the OAuth redirect_uri (e.g. https://scrm.brand.com). */
  publicUrl: string
  databasePath: string
  /** DATABASE_URL (postgres://…): run on PostgreSQL instead of the SQLite file at databasePath. */
  databaseUrl: string
  /** SCRM_JOBS (default on): whether this instance runs job-queue workers; any number of instances may. */
  jobs: boolean
  /** TRAIN_INTERVAL_HOURS (default 24): how often the `train` schedule fires. */
  trainIntervalHours: number
  /** Built sidebar to serve; empty = API only. */
  staticDir: string
  /** Serve the demo shell at `/` (the demo); otherwise `/` goes to the sidebar. */
  demo: boolean
  sessionSecret: string
  sessionTtlSeconds: number
  version: string
  wecom: {
    corpId: string
    agentId: number
    appSecret: string
    contactSecret: string
    apiBase: string
    oauthBase: string
    callbackToken: string
    encodingAesKey: string
  }
}

export class ConfigError extends Error {}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
  return pkg.version ?? '0.0.0'
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
  const config: AppConfig = {
    port,
    host: env.HOST ?? '0.0.0.0',
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    databasePath: resolve(env.DATABASE_PATH ?? '.data/scrm.db'),
    databaseUrl: env.DATABASE_URL ?? '',
    jobs: env.SCRM_JOBS !== '0',
    trainIntervalHours: Number(env.TRAIN_INTERVAL_HOURS ?? 24),
    staticDir: env.STATIC_DIR ?? '',
    demo: env.SCRM_DEMO === '1',
    sessionSecret: env.SESSION_SECRET ?? (env.NODE_ENV === 'production' ? required('SESSION_SECRET') : randomBytes(32).toString('hex')),
    sessionTtlSeconds: Number(env.SESSION_TTL_SECONDS ?? 12 * 3600),
    version: packageVersion(),
    wecom: {
      corpId: required('WECOM_CORP_ID'),
      agentId: Number(required('WECOM_AGENT_ID')),
      appSecret: required('WECOM_APP_SECRET'),
      contactSecret: required('WECOM_CONTACT_SECRET'),
      apiBase: (env.WECOM_API_BASE ?? 'https://qyapi.weixin.qq.com').replace(/\/$/, ''),
      oauthBase: (env.WECOM_OAUTH_BASE ?? 'https://open.weixin.qq.com').replace(/\/$/, ''),
      callbackToken: env.WECOM_CALLBACK_TOKEN ?? '',
      encodingAesKey: env.WECOM_ENCODING_AES_KEY ?? '',
    },
    ...overrides,
  }
  if (missing.length > 0)
    throw new ConfigError(`Missing environment variables: ${missing.join(', ')}`)
  if (config.databaseUrl && !/^postgres(?:ql)?:\/\//.test(config.databaseUrl))
    throw new ConfigError('DATABASE_URL must be a postgres:// URL')
  if (!(Number.isFinite(config.trainIntervalHours) && config.trainIntervalHours > 0))
    throw new ConfigError('TRAIN_INTERVAL_HOURS must be a positive number')
  if (!Number.isInteger(config.wecom.agentId))
    throw new ConfigError('WECOM_AGENT_ID must be an integer')
  return config
}
