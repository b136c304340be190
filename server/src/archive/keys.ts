// Opening a message's random key (reference §4.4): RSA with the private key of its `publickey_ver`,
// PKCS#1 v1.5 padding. Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809, the
// Marvin timing attack on servers that answer decryption queries); we never answer such queries — the
// cipher texts come from WeCom — so we decrypt without padding and check the v1.5 block ourselves.
//
// WeCom encrypts a fresh random key for every message, so a pull costs one RSA-2048 private operation per
// message: about 0.3–0.5 ms of CPU, three quarters of the whole ingest. `openRandomKeys` spreads a batch
// over worker threads (ARCHIVE_RSA_THREADS) so ingest uses every core.
import type { KeyObject } from 'node:crypto'
import { createPrivateKey, privateDecrypt, constants as rsa } from 'node:crypto'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { typescriptWorkerSource } from '../lib/worker-bootstrap.ts'

export type ArchiveKeyErrorReason = 'unknown_key_version' | 'bad_random_key'

export class ArchiveKeyError extends Error {
  constructor(readonly reason: ArchiveKeyErrorReason, message: string) {
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

function openWith(keys: Map<number, KeyObject>, publickeyVer: number, encryptRandomKey: string): string {
  const key = keys.get(publickeyVer)
  if (!key)
    throw new ArchiveKeyError('unknown_key_version', `no private key for publickey_ver ${publickeyVer} (have ${[...keys.keys()].join(', ') || 'none'})`)
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
  return message.toString('utf8')
}

const parseKeys = (pems: Iterable<[number, string]>) => new Map<number, KeyObject>([...pems].map(([version, pem]) => [version, createPrivateKey(pem)]))

export interface RandomKeyRequest {
  publickeyVer: number
  encryptRandomKey: string
}

export type RandomKeyOutcome = { randomKey: string } | { error: ArchiveKeyError }

/** What crosses between the pool and a worker thread (errors as plain data). */
type WireOutcome = { randomKey: string } | { reason: ArchiveKeyErrorReason, message: string }
interface WorkerRequest { id: number, requests: RandomKeyRequest[] }
interface WorkerReply { id: number, outcomes: WireOutcome[] }
interface WorkerInput { scrmArchiveRsaWorker: true, pems: [number, string][] }

function openToWire(keys: Map<number, KeyObject>, request: RandomKeyRequest): WireOutcome {
  try {
    return { randomKey: openWith(keys, request.publickeyVer, request.encryptRandomKey) }
  }
  catch (error) {
    if (error instanceof ArchiveKeyError)
      return { reason: error.reason, message: error.message }
    throw error
  }
}

export interface ArchiveKeyring {
  /**
   * A batch, in order; each item's random key (the string DecryptData expects) or why it could not be
   * opened. Uses the worker threads when there are any.
   */
  openRandomKeys: (requests: RandomKeyRequest[]) => Promise<RandomKeyOutcome[]>
  /** Stops the worker threads (a later batch starts them again). */
  close: () => Promise<void>
}

const CACHE_SIZE = 1024
/** Below this many distinct keys a batch is opened on the calling thread: posting costs more than it saves. */
const MIN_KEYS_FOR_THREADS = 16

interface PooledWorker {
  worker: Worker
  pending: Map<number, { resolve: (outcomes: WireOutcome[]) => void, reject: (error: Error) => void }>
}

/**
 * `pems`: PEM private keys (PKCS#1 or PKCS#8) by publickey_ver; old and new side by side.
 * `threads`: worker threads for batches (0: everything on the calling thread).
 */
export function createArchiveKeyring(pems: Map<number, string>, options: { threads?: number } = {}): ArchiveKeyring {
  const keys = parseKeys(pems)
  const threads = Math.max(0, Math.floor(options.threads ?? 0))
  // A cipher text seen again (a re-pull after a crash) is not opened twice.
  const opened = new Map<string, string>()
  const remember = (cacheKey: string, randomKey: string) => {
    if (opened.size >= CACHE_SIZE)
      opened.delete(opened.keys().next().value!)
    opened.set(cacheKey, randomKey)
  }
  const cacheKeyOf = (request: RandomKeyRequest) => `${request.publickeyVer}:${request.encryptRandomKey}`

  let pool: PooledWorker[] = []
  let nextId = 0
  function startPool(): PooledWorker[] {
    if (pool.length === 0) {
      const input: WorkerInput = { scrmArchiveRsaWorker: true, pems: [...pems] }
      pool = Array.from({ length: threads }, () => {
        const pooled: PooledWorker = { worker: new Worker(typescriptWorkerSource(import.meta.url), { eval: true, workerData: input }), pending: new Map() }
        const fail = (error: Error) => {
          for (const waiter of pooled.pending.values())
            waiter.reject(error)
          pooled.pending.clear()
          pool = pool.filter(p => p !== pooled)
        }
        pooled.worker.on('message', (reply: WorkerReply) => {
          const waiter = pooled.pending.get(reply.id)
          pooled.pending.delete(reply.id)
          if (pooled.pending.size === 0)
            pooled.worker.unref()
          waiter?.resolve(reply.outcomes)
        })
        pooled.worker.on('error', fail)
        pooled.worker.on('exit', code => fail(new Error(`archive RSA worker exited (code ${code})`)))
        // Idle workers do not keep the process alive; a worker is ref'd while it owes an answer.
        pooled.worker.unref()
        return pooled
      })
    }
    return pool
  }

  function onThread(pooled: PooledWorker, requests: RandomKeyRequest[]): Promise<WireOutcome[]> {
    return new Promise((resolve, reject) => {
      const id = nextId++
      pooled.pending.set(id, { resolve, reject })
      pooled.worker.ref()
      pooled.worker.postMessage({ id, requests } satisfies WorkerRequest)
    })
  }

  async function openDistinct(requests: RandomKeyRequest[]): Promise<WireOutcome[]> {
    if (threads === 0 || requests.length < MIN_KEYS_FOR_THREADS)
      return requests.map(request => openToWire(keys, request))
    const workers = startPool()
    const size = Math.ceil(requests.length / workers.length)
    const parts = await Promise.all(workers.map((pooled, i) => onThread(pooled, requests.slice(i * size, (i + 1) * size))))
    return parts.flat()
  }

  return {
    async openRandomKeys(requests) {
      const known = new Map<string, WireOutcome>()
      const distinct = new Map<string, RandomKeyRequest>()
      for (const request of requests) {
        const cacheKey = cacheKeyOf(request)
        const cached = opened.get(cacheKey)
        if (cached !== undefined)
          known.set(cacheKey, { randomKey: cached })
        else
          distinct.set(cacheKey, request)
      }
      const wire = await openDistinct([...distinct.values()])
      ;[...distinct.keys()].forEach((cacheKey, i) => {
        const outcome = wire[i]!
        known.set(cacheKey, outcome)
        if ('randomKey' in outcome)
          remember(cacheKey, outcome.randomKey)
      })
      return requests.map((request) => {
        const outcome = known.get(cacheKeyOf(request))!
        return 'randomKey' in outcome ? outcome : { error: new ArchiveKeyError(outcome.reason, outcome.message) }
      })
    },
    async close() {
      const stopping = pool
      pool = []
      await Promise.all(stopping.map(pooled => pooled.worker.terminate()))
    },
  }
}

const input = workerData as Partial<WorkerInput> | null
if (!isMainThread && parentPort && input?.scrmArchiveRsaWorker) {
  const port = parentPort
  const workerKeys = parseKeys(input.pems!)
  port.on('message', ({ id, requests }: WorkerRequest) => {
    port.postMessage({ id, outcomes: requests.map(request => openToWire(workerKeys, request)) } satisfies WorkerReply)
  })
}
