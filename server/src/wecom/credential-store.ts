// Where access tokens and JS-SDK tickets are cached. The DB store shares them across server
// instances (tickets are capped at 100/h per app, so every instance must reuse the same one).
// Keys never contain raw secrets: token and ticket keys carry a SHA-256 prefix of the secret.
// Values are secrets themselves (a token is as good as the app secret for 2 h), so the DB store
// encrypts them with AES-256-GCM under the configured credentials key, bound to their row key.

import type { AsyncDbOrTx } from '../db/port.ts'
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { eq, lte } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { wecomCredentials } from '../db/schema.ts'

export interface StoredCredential {
  value: string
  /** Epoch ms after which the value must not be used (the client stores its refresh point). */
  expiresAt: number
}

export interface CredentialStore {
  get: (key: string) => Promise<StoredCredential | undefined>
  set: (key: string, value: string, expiresAt: number) => Promise<void>
  delete: (key: string) => Promise<void>
  /**
   * Takes `key` until `until` (epoch ms) if nobody holds it at `now`. Atomic in the DB store, so at
   * most one instance wins (used to rate-limit ticket refreshes). Returns whether it was taken
   * and until when it is held.
   */
  claim: (key: string, until: number, now: number) => Promise<{ taken: boolean, heldUntil: number }>
}

/** First 16 hex chars of SHA-256(secret): identifies a secret without revealing it. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16)
}

export function tokenKey(corpId: string, secret: string): string {
  return `wecom:token:${corpId}:${secretFingerprint(secret)}`
}

/**
 * A ticket belongs to the corp, the agent and the app secret whose token fetched it: after an
 * agent or secret change the old ticket must not be served (agentConfig would fail with it).
 */
export function ticketKey(corpId: string, kind: 'corp' | 'agent', agentId: number | string, appSecret: string): string {
  return `wecom:ticket:${corpId}:${kind}:${agentId}:${secretFingerprint(appSecret)}`
}

export function createMemoryCredentialStore(): CredentialStore {
  const map = new Map<string, StoredCredential>()
  return {
    get: async key => map.get(key),
    set: async (key, value, expiresAt) => {
      map.set(key, { value, expiresAt })
    },
    delete: async (key) => {
      map.delete(key)
    },
    claim: async (key, until, now) => {
      const held = map.get(key)
      if (held && held.expiresAt > now)
        return { taken: false, heldUntil: held.expiresAt }
      map.set(key, { value: '', expiresAt: until })
      return { taken: true, heldUntil: until }
    },
  }
}

const CIPHER = 'aes-256-gcm'
const ENCRYPTED_PREFIX = 'enc:v1:'
const IV_BYTES = 12
const TAG_BYTES = 16

function encrypt(key: Buffer, rowKey: string, plain: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(CIPHER, key, iv)
  cipher.setAAD(Buffer.from(rowKey, 'utf8')) // a value copied onto another row does not decrypt
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return ENCRYPTED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
}

/** The plain value, or undefined for a legacy plain-text row, another key or a tampered row. */
function decrypt(key: Buffer, rowKey: string, stored: string): string | undefined {
  if (!stored.startsWith(ENCRYPTED_PREFIX))
    return undefined
  const raw = Buffer.from(stored.slice(ENCRYPTED_PREFIX.length), 'base64url')
  if (raw.length < IV_BYTES + TAG_BYTES)
    return undefined
  try {
    const decipher = createDecipheriv(CIPHER, key, raw.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(rowKey, 'utf8'))
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
  }
  catch {
    return undefined
  }
}

/**
 * Stores credentials in the `wecom_credentials` table (through the database port, either dialect),
 * encrypted with `encryptionKey` (32 bytes, config.wecom.credentialsKey). Rows that do not
 * decrypt (plain rows from before encryption, a rotated key) are cache misses.
 */
export function createDbCredentialStore(db: AsyncDbOrTx, encryptionKey: Buffer): CredentialStore {
  if (encryptionKey.length !== 32)
    throw new Error('the credentials encryption key must be 32 bytes')
  return {
    async get(key) {
      const row = await db.select().from(wecomCredentials).where(eq(wecomCredentials.key, key)).get()
      if (!row)
        return undefined
      const value = decrypt(encryptionKey, key, row.value)
      return value === undefined ? undefined : { value, expiresAt: row.expiresAt }
    },
    async set(key, value, expiresAt) {
      const stored = encrypt(encryptionKey, key, value)
      await db.insert(wecomCredentials)
        .values({ key, value: stored, expiresAt })
        .onConflictDoUpdate({ target: wecomCredentials.key, set: { value: stored, expiresAt } })
        .run()
    },
    async delete(key) {
      await db.delete(wecomCredentials).where(eq(wecomCredentials.key, key)).run()
    },
    async claim(key, until, now) {
      const result = await db.insert(wecomCredentials)
        .values({ key, value: '', expiresAt: until })
        .onConflictDoUpdate({ target: wecomCredentials.key, set: { value: '', expiresAt: until }, setWhere: lte(wecomCredentials.expiresAt, now) })
        .run()
      if (changes(result) > 0)
        return { taken: true, heldUntil: until }
      const held = await db.select({ expiresAt: wecomCredentials.expiresAt }).from(wecomCredentials).where(eq(wecomCredentials.key, key)).get()
      return { taken: false, heldUntil: held?.expiresAt ?? until }
    },
  }
}
