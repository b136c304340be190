import { hkdfSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export interface AppConfig {
  port: number
  host: string
  /** Public origin the browser uses, for the OAuth redirect_uri (e.g. https://scrm.brand.com). */
  publicUrl: string
  databasePath: string
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
    /** Optional legacy 客户联系 system secret ('' = none); externalcontact APIs use the app secret. */
    contactSecret: string
    /** 32-byte AES-256-GCM key for tokens/tickets cached in wecom_credentials. */
    credentialsKey: Buffer
    apiBase: string
    oauthBase: string
    callbackToken: string
    encodingAesKey: string
  }
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
    staticDir: env.STATIC_DIR ?? '',
    demo: env.SCRM_DEMO === '1',
    sessionSecret: env.SESSION_SECRET ?? (env.NODE_ENV === 'production' ? required('SESSION_SECRET') : randomBytes(32).toString('hex')),
    sessionTtlSeconds: Number(env.SESSION_TTL_SECONDS ?? 12 * 3600),
    version: packageVersion(),
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
    },
    ...overrides,
  }
  if (missing.length > 0)
    throw new ConfigError(`Missing environment variables: ${missing.join(', ')}`)
  if (!Number.isInteger(config.wecom.agentId))
    throw new ConfigError('WECOM_AGENT_ID must be an integer')
  return config
}
