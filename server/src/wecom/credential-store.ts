// Where access tokens and JS-SDK tickets are cached. The DB store shares them across server
// instances (tickets are capped at 100/h per app, so every instance must reuse the same one).
// Keys never contain raw secrets: a token key carries a SHA-256 prefix of its secret.

import type { DbOrTx } from '../db/client.ts'
import { createHash } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { wecomCredentials } from '../db/schema.ts'

export interface StoredCredential {
  value: string
  /** Epoch ms after which the value must not be used (the client stores its refresh point). */
  expiresAt: number
}

export interface CredentialStore {
  get: (key: string) => StoredCredential | undefined
  set: (key: string, value: string, expiresAt: number) => void
  delete: (key: string) => void
}

/** First 16 hex chars of SHA-256(secret): identifies a secret without revealing it. */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16)
}

export function tokenKey(corpId: string, secret: string): string {
  return `wecom:token:${corpId}:${secretFingerprint(secret)}`
}

export function ticketKey(corpId: string, kind: 'corp' | 'agent', agentId: number | string): string {
  return kind === 'corp' ? `wecom:ticket:${corpId}:corp` : `wecom:ticket:${corpId}:agent:${agentId}`
}

export function createMemoryCredentialStore(): CredentialStore {
  const map = new Map<string, StoredCredential>()
  return {
    get: key => map.get(key),
    set: (key, value, expiresAt) => {
      map.set(key, { value, expiresAt })
    },
    delete: (key) => {
      map.delete(key)
    },
  }
}

/** Stores credentials in the `wecom_credentials` table (synchronous better-sqlite3 driver). */
export function createDbCredentialStore(db: DbOrTx): CredentialStore {
  return {
    get(key) {
      const row = db.select().from(wecomCredentials).where(eq(wecomCredentials.key, key)).get()
      return row ? { value: row.value, expiresAt: row.expiresAt } : undefined
    },
    set(key, value, expiresAt) {
      db.insert(wecomCredentials)
        .values({ key, value, expiresAt })
        .onConflictDoUpdate({ target: wecomCredentials.key, set: { value, expiresAt } })
        .run()
    },
    delete(key) {
      db.delete(wecomCredentials).where(eq(wecomCredentials.key, key)).run()
    },
  }
}
