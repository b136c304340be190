// Reads that can take seconds on SQLite (a segment counted over every member) run on a worker thread with
// its own read-only connection to the same file. better-sqlite3 is synchronous: on the API's connection such a
// read stops the event loop, and with it every guide's sidebar (a segment preview at 100k members: 0.3–0.9 s).
// WAL lets this connection read while the API's connection writes; it sees what was committed when each
// statement starts. Drizzle still builds the SQL on the calling thread; only the text, the parameters and the
// raw rows cross, by structured clone (a blob arrives as a Uint8Array, not a Buffer: keep blobs off this path).
import type { Database as BetterSqlite, Statement } from 'better-sqlite3'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { typescriptWorkerSource } from '../lib/worker-bootstrap.ts'

export type ReadMethod = 'run' | 'all' | 'values' | 'get'

interface WorkerInput { scrmReadWorker: true, path: string, mmapBytes: number }
interface ReadRequest { id: number, text: string, params: unknown[], method: ReadMethod }
type ReadReply = { id: number, ok: true, rows: unknown } | { id: number, ok: false, message: string, code?: string }

export interface ReadWorker {
  /** Runs one read statement on the worker's connection: rows as arrays (as the port's executor returns them). */
  read: (text: string, params: unknown[], method: ReadMethod) => Promise<{ rows: unknown }>
  close: () => Promise<void>
}

/** How long the worker may take to close its connection and exit before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000

/** A read worker on the SQLite file at `path`, started with its first read and again after a crash. */
export function sqliteReadWorker(path: string, mmapBytes: number): ReadWorker {
  let worker: Worker | null = null
  let exited: Promise<void> = Promise.resolve()
  let nextId = 0
  const waiting = new Map<number, { resolve: (value: { rows: unknown }) => void, reject: (error: Error) => void }>()
  const failAll = (error: Error) => {
    for (const waiter of waiting.values()) waiter.reject(error)
    waiting.clear()
  }
  function start(): Worker {
    const input: WorkerInput = { scrmReadWorker: true, path, mmapBytes }
    const started = new Worker(typescriptWorkerSource(import.meta.url), { eval: true, workerData: input })
    exited = new Promise<void>(resolve => started.once('exit', () => resolve()))
    started.on('message', (reply: ReadReply) => {
      const waiter = waiting.get(reply.id)
      waiting.delete(reply.id)
      if (reply.ok)
        waiter?.resolve({ rows: reply.rows })
      else waiter?.reject(Object.assign(new Error(reply.message), { code: reply.code }))
    })
    started.on('error', failAll)
    started.on('exit', (code) => {
      if (worker === started)
        worker = null
      failAll(new Error(`read worker exited (code ${code})`))
    })
    // An idle worker must not keep the process alive.
    started.unref()
    return started
  }
  return {
    read: async (text, params, method) => {
      worker ??= start()
      const running = worker
      running.ref()
      try {
        return await new Promise<{ rows: unknown }>((resolve, reject) => {
          const id = nextId++
          waiting.set(id, { resolve, reject })
          running.postMessage({ id, text, params, method } satisfies ReadRequest)
        })
      }
      finally {
        if (waiting.size === 0)
          running.unref()
      }
    },
    close: async () => {
      const running = worker
      worker = null
      if (!running)
        return
      running.postMessage('close')
      const timer = setTimeout(() => void running.terminate(), CLOSE_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

function serveReads(input: WorkerInput) {
  const connection: BetterSqlite = new Database(input.path, { readonly: true, fileMustExist: true })
  connection.pragma('busy_timeout = 5000')
  connection.pragma(`mmap_size = ${input.mmapBytes}`)
  const statements = new Map<string, Statement>()
  parentPort!.on('message', (message: ReadRequest | 'close') => {
    if (message === 'close') {
      connection.close()
      parentPort!.close()
      return
    }
    const { id, text, params, method } = message
    try {
      let statement = statements.get(text)
      if (!statement) {
        statement = connection.prepare(text)
        if (statements.size > 200)
          statements.delete(statements.keys().next().value!)
        statements.set(text, statement)
      }
      if (!statement.reader)
        throw Object.assign(new Error('the read worker runs reads only'), { code: 'SQLITE_READONLY' })
      statement.raw(true)
      const rows = method === 'get' ? statement.get(...params) : statement.all(...params)
      parentPort!.postMessage({ id, ok: true, rows } satisfies ReadReply)
    }
    catch (error) {
      const { message: text, code } = error as Error & { code?: string }
      parentPort!.postMessage({ id, ok: false, message: text, code } satisfies ReadReply)
    }
  })
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.scrmReadWorker)
  serveReads(workerData as WorkerInput)
