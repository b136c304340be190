import type { Database } from '../db/port.ts'
import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { wecomCredentials } from '../db/schema.ts'
import { createDbCredentialStore } from './credential-store.ts'

const key = randomBytes(32)

describeEachDialect('createDbCredentialStore: secrets at rest', ({ fresh }) => {
  let database: Database
  beforeAll(async () => {
    database = (await fresh()).database
  })
  const rawValue = async (k: string) => (await database.db.select({ value: wecomCredentials.value }).from(wecomCredentials).where(eq(wecomCredentials.key, k)).get())?.value

  it('stores tokens encrypted and reads them back', async () => {
    const store = createDbCredentialStore(database.db, key)
    await store.set('wecom:token:ww1:abc', 'EMU_APP_secret-token-value', 42)
    expect(await rawValue('wecom:token:ww1:abc')).toMatch(/^enc:v1:/)
    expect(await rawValue('wecom:token:ww1:abc')).not.toContain('secret-token-value')
    expect(await store.get('wecom:token:ww1:abc')).toEqual({ value: 'EMU_APP_secret-token-value', expiresAt: 42 })
  })

  it('treats plain rows from before encryption, another key and a row copied to another key as cache misses', async () => {
    const store = createDbCredentialStore(database.db, key)
    await database.db.insert(wecomCredentials).values({ key: 'wecom:ticket:legacy', value: 'PLAIN_TICKET', expiresAt: Date.now() + 60_000 }).run()
    expect(await store.get('wecom:ticket:legacy')).toBeUndefined()

    await store.set('wecom:token:ww1:rot', 'TOKEN', 1)
    expect(await createDbCredentialStore(database.db, randomBytes(32)).get('wecom:token:ww1:rot')).toBeUndefined()

    await database.db.insert(wecomCredentials).values({ key: 'wecom:token:ww1:copy', value: (await rawValue('wecom:token:ww1:rot'))!, expiresAt: 1 }).run()
    expect(await store.get('wecom:token:ww1:copy')).toBeUndefined()
    // A miss is overwritten by the next set.
    await store.set('wecom:ticket:legacy', 'NEW', 2)
    expect(await store.get('wecom:ticket:legacy')).toEqual({ value: 'NEW', expiresAt: 2 })
  })

  it('claim: one taker until the hold expires', async () => {
    const store = createDbCredentialStore(database.db, key)
    expect(await store.claim('wecom:ticket-refresh:x', 1_000, 0)).toEqual({ taken: true, heldUntil: 1_000 })
    expect(await store.claim('wecom:ticket-refresh:x', 1_500, 500)).toEqual({ taken: false, heldUntil: 1_000 })
    expect(await store.claim('wecom:ticket-refresh:x', 2_000, 1_000)).toEqual({ taken: true, heldUntil: 2_000 })
  })
})

describe('loadConfig: CREDENTIALS_KEY and the optional contact secret', () => {
  const base = { WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_APP_SECRET: 'app-secret' }

  it('requires CREDENTIALS_KEY in production and accepts 64 hex chars or base64', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(64) })).toThrow(/CREDENTIALS_KEY/)
    const hex = randomBytes(32)
    expect(loadConfig({ ...base, CREDENTIALS_KEY: hex.toString('hex') }).wecom.credentialsKey).toEqual(hex)
    expect(loadConfig({ ...base, CREDENTIALS_KEY: hex.toString('base64') }).wecom.credentialsKey).toEqual(hex)
    expect(() => loadConfig({ ...base, CREDENTIALS_KEY: 'too-short' })).toThrow(ConfigError)
  })

  it('derives a stable 32-byte dev key outside production; the contact secret is optional', () => {
    const a = loadConfig(base)
    expect(a.wecom.credentialsKey).toHaveLength(32)
    expect(loadConfig(base).wecom.credentialsKey).toEqual(a.wecom.credentialsKey)
    expect(loadConfig({ ...base, WECOM_APP_SECRET: 'other' }).wecom.credentialsKey).not.toEqual(a.wecom.credentialsKey)
    expect(a.wecom.contactSecret).toBe('')
  })
})
