// Opening a message's random key (reference §4.4): RSA with the private key of its `publickey_ver`,
// PKCS#1 v1.5 padding. Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809, the
// Marvin timing attack on servers that answer decryption queries); we never answer such queries — the
// cipher texts come from WeCom — so we decrypt without padding and check the v1.5 block ourselves.
import type { KeyObject } from 'node:crypto'
import { createPrivateKey, privateDecrypt, constants as rsa } from 'node:crypto'

export class ArchiveKeyError extends Error {
  constructor(readonly reason: 'unknown_key_version' | 'bad_random_key', message: string) {
    super(message)
  }
}

/** EME-PKCS1-v1_5 (RFC 8017 §7.2.2): 0x00 0x02, at least 8 non-zero padding bytes, 0x00, message. */
function unpadPkcs1v15(block: Buffer): Buffer | null {
  if (block.length < 11 || block[0] !== 0x00 || block[1] !== 0x02)
    return null
  const separator = block.indexOf(0x00, 2)
  if (separator < 10)
    return null
  return block.subarray(separator + 1)
}

const CACHE_SIZE = 1024

export interface ArchiveKeyring {
  versions: () => number[]
  /** The random key as the string DecryptData expects; throws ArchiveKeyError. */
  openRandomKey: (publickeyVer: number, encryptRandomKey: string) => string
}

/** `pems`: PEM private keys (PKCS#1 or PKCS#8) by publickey_ver; old and new side by side. */
export function createArchiveKeyring(pems: Map<number, string>): ArchiveKeyring {
  const keys = new Map<number, KeyObject>([...pems].map(([version, pem]) => [version, createPrivateKey(pem)]))
  // WeCom may reuse a random key across messages; one RSA operation per distinct cipher text.
  const opened = new Map<string, string>()
  return {
    versions: () => [...keys.keys()].sort((a, b) => a - b),
    openRandomKey(publickeyVer, encryptRandomKey) {
      const key = keys.get(publickeyVer)
      if (!key)
        throw new ArchiveKeyError('unknown_key_version', `no private key for publickey_ver ${publickeyVer} (have ${[...keys.keys()].join(', ') || 'none'})`)
      const cacheKey = `${publickeyVer}:${encryptRandomKey}`
      const cached = opened.get(cacheKey)
      if (cached !== undefined)
        return cached
      let block: Buffer
      try {
        block = privateDecrypt({ key, padding: rsa.RSA_NO_PADDING }, Buffer.from(encryptRandomKey, 'base64'))
      }
      catch (error) {
        throw new ArchiveKeyError('bad_random_key', `RSA decryption failed: ${error instanceof Error ? error.message : String(error)}`)
      }
      const message = unpadPkcs1v15(block)
      if (!message)
        throw new ArchiveKeyError('bad_random_key', 'RSA block is not PKCS#1 v1.5 (wrong key for this version?)')
      const randomKey = message.toString('utf8')
      if (opened.size >= CACHE_SIZE)
        opened.delete(opened.keys().next().value!)
      opened.set(cacheKey, randomKey)
      return randomKey
    },
  }
}
