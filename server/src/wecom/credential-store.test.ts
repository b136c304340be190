import type { OpenedDatabase } from '../db/client.ts'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { wecomCredentials } from '../db/schema.ts'
import { createDbCredentialStore } from './credential-store.ts'

let dir: string
let opened: OpenedDatabase
const key = randomBytes(32)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wecom-creds-'))
  opened = openDatabase(join(dir, 'creds.sqlite'))
})
afterAll(() => {
  opened.close()
  rmSync(dir, { recursive: true, force: true })
})

const rawValue = (k: string) => (opened.sqlite.prepare('select value from wecom_credentials where key = ?').get(k) as { value: string } | undefined)?.value

describe('createDbCredentialStore: secrets at rest', () => {
  it('stores tokens encrypted and reads them back', () => {
    const store = createDbCredentialStore(opened.db, key)
    store.set('wecom:token:ww1:abc', 'EMU_APP_secret-token-value', 42)
    expect(rawValue('wecom:token:ww1:abc')).toMatch(/^enc:v1:/)
    expect(rawValue('wecom:token:ww1:abc')).not.toContain('secret-token-value')
    expect(store.get('wecom:token:ww1:abc')).toEqual({ value: 'EMU_APP_secret-token-value', expiresAt: 42 })
  })

  it('treats plain rows from before encryption, another key and a row copied to another key as cache misses', () => {
    const store = createDbCredentialStore(opened.db, key)
    opened.db.insert(wecomCredentials).values({ key: 'wecom:ticket:legacy', value: 'PLAIN_TICKET', expiresAt: Date.now() + 60_000 }).run()
    expect(store.get('wecom:ticket:legacy')).toBeUndefined()

    store.set('wecom:token:ww1:rot', 'TOKEN', 1)
    expect(createDbCredentialStore(opened.db, randomBytes(32)).get('wecom:token:ww1:rot')).toBeUndefined()

    opened.db.insert(wecomCredentials).values({ key: 'wecom:token:ww1:copy', value: rawValue('wecom:token:ww1:rot')!, expiresAt: 1 }).run()
    expect(store.get('wecom:token:ww1:copy')).toBeUndefined()
    // A miss is overwritten by the next set.
    store.set('wecom:ticket:legacy', 'NEW', 2)
    expect(store.get('wecom:ticket:legacy')).toEqual({ value: 'NEW', expiresAt: 2 })
  })

  it('claim: one taker until the hold expires', () => {
    const store = createDbCredentialStore(opened.db, key)
    expect(store.claim('wecom:ticket-refresh:x', 1_000, 0)).toEqual({ taken: true, heldUntil: 1_000 })
    expect(store.claim('wecom:ticket-refresh:x', 1_500, 500)).toEqual({ taken: false, heldUntil: 1_000 })
    expect(store.claim('wecom:ticket-refresh:x', 2_000, 1_000)).toEqual({ taken: true, heldUntil: 2_000 })
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
