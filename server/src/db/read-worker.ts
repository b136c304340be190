// Reads that can take seconds on SQLite (a segment counted over every member) run on a worker thread with
// its own read-only connection to the same file. better-sqlite3 is synchronous: on the API's connection such a
// read stops the event loop, and with it every guide's sidebar (a segment preview at 100k members: 0.3–0.9 s).
// WAL lets this connection read while the API's connection writes; it sees what was committed when each
// statement starts. Drizzle still builds the SQL on the calling thread; only the text, the parameters and the
// raw rows cross, by structured clone (a blob arrives as a Uint8Array, not a Buffer: keep blobs off this path).
import type { WorkerCalls } from '../lib/worker-calls.ts'
import type { ExecuteMethod, ExecuteResult } from './sqlite-executor.ts'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { answerCalls, workerCalls } from '../lib/worker-calls.ts'
import { sqliteExecutor } from './sqlite-executor.ts'

interface WorkerInput { scrmReadWorker: true, path: string, mmapBytes: number }
interface Read { text: string, params: unknown[], method: ExecuteMethod }

/** Runs one read statement on the worker's connection: rows as arrays, as the port's executor returns them. */
export type ReadWorker = WorkerCalls<Read, ExecuteResult>

/** A read worker on the SQLite file at `path`, started with its first read and again after a crash. */
export function sqliteReadWorker(path: string, mmapBytes: number): ReadWorker {
  return workerCalls(import.meta.url, { scrmReadWorker: true, path, mmapBytes } satisfies WorkerInput, { name: 'read worker', afterExit: 'restart' })
}

const input = workerData as Partial<WorkerInput> | null
if (!isMainThread && parentPort && input?.scrmReadWorker) {
  const connection = new Database(input.path!, { readonly: true, fileMustExist: true })
  connection.pragma('busy_timeout = 5000')
  connection.pragma(`mmap_size = ${input.mmapBytes}`)
  // Opened read-only: SQLite itself refuses a write (SQLITE_READONLY).
  const execute = sqliteExecutor(connection)
  answerCalls<Read, ExecuteResult>(parentPort, ({ text, params, method }) => execute(text, params, method), () => connection.close())
}
