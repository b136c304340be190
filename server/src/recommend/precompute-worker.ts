// Precomputing the lists off the API process's thread: `threads` worker threads, each with its own
// database connection (as training-worker.ts) and its own copy of the latest model, score disjoint
// batches of members and write each batch in its own transaction. The calling thread only hands out the
// batches (precomputeInLanes) and sums the progress, so its event loop keeps answering requests. On
// SQLite the batches' write transactions take turns on the file's write lock (busy timeout 5 s); one
// batch writes 500 lists in tens of milliseconds.
import type { AsyncDbOrTx } from '../db/port.ts'
import type { PrecomputeBatch, PrecomputeLane, PrecomputeOptions } from './precomputed.ts'
import type { ScoringSettings } from './scoring.ts'
import type { TrainingConnection } from './training-worker.ts'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { connectDatabase } from '../db/client.ts'
import { typescriptWorkerSource } from '../lib/worker-bootstrap.ts'
import { precomputeInLanes, scoreBatch } from './precomputed.ts'
import { createRecommender } from './scoring.ts'

interface WorkerInput {
  scrmPrecomputeWorker: true
  connection: TrainingConnection
  settings: ScoringSettings
}

type WorkerRequest
  = | { type: 'batch', batch: PrecomputeBatch, now: number }
    | { type: 'close' }

type WorkerReply
  = | { type: 'scored' }
    | { type: 'failed', message: string, stack?: string }

export interface WorkerPrecomputeOptions extends PrecomputeOptions {
  /** Worker threads (at least 1). */
  threads: number
  connection: TrainingConnection
  /** The scorer's options (Recommender.settings): each worker makes the same scorer. */
  settings: ScoringSettings
  /**
   * The app clock the scorer reads (RecommenderOptions.now). It is read once per batch, as the batch is
   * handed out, so a list is scored as of at most one batch ago, before its `scoringStartedAt` is read.
   */
  clock: () => number
}

/** How long a worker may take to close its connection and exit before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000

interface PrecomputeWorker {
  lane: PrecomputeLane
  close: () => Promise<void>
}

/** A worker thread started with its first batch (a run with nothing pending starts none). */
function precomputeWorker(input: WorkerInput, clock: () => number): PrecomputeWorker {
  let worker: Worker | null = null
  let exited: Promise<void> = Promise.resolve()
  let waiter: { resolve: () => void, reject: (error: Error) => void } | null = null
  let gone: Error | null = null
  const fail = (error: Error) => {
    gone ??= error
    waiter?.reject(error)
    waiter = null
  }
  function start(): Worker {
    const started = new Worker(typescriptWorkerSource(import.meta.url), { eval: true, workerData: input })
    exited = new Promise<void>(resolve => started.once('exit', () => resolve()))
    started.on('message', (reply: WorkerReply) => {
      const current = waiter
      waiter = null
      if (reply.type === 'scored')
        current?.resolve()
      else
        current?.reject(Object.assign(new Error(`precompute worker failed: ${reply.message}`), { stack: reply.stack }))
    })
    started.on('error', fail)
    started.on('exit', code => fail(new Error(`precompute worker exited (code ${code})`)))
    return started
  }
  return {
    lane: async (batch) => {
      if (gone)
        throw gone
      worker ??= start()
      const running = worker
      await new Promise<void>((resolve, reject) => {
        waiter = { resolve, reject }
        running.postMessage({ type: 'batch', batch, now: clock() } satisfies WorkerRequest)
      })
    },
    close: async () => {
      if (worker && !gone) {
        worker.postMessage({ type: 'close' } satisfies WorkerRequest)
        const running = worker
        const timer = setTimeout(() => void running.terminate(), CLOSE_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/**
 * precomputeRecommendations (precomputed.ts) with the scoring in `threads` worker threads: the same
 * batches, lists, scores and log rows. `db` is this thread's handle (it reads which members are pending).
 * A worker that fails or dies fails the run; the lists already written stay, and a retry skips them.
 */
export async function precomputeRecommendationsInWorkers(db: AsyncDbOrTx, options: WorkerPrecomputeOptions): Promise<{ scored: number, modelRunId: number | null }> {
  const input: WorkerInput = { scrmPrecomputeWorker: true, connection: options.connection, settings: options.settings }
  const workers = Array.from({ length: Math.max(1, Math.floor(options.threads)) }, () => precomputeWorker(input, options.clock))
  try {
    return await precomputeInLanes(db, workers.map(w => w.lane), options)
  }
  finally {
    await Promise.all(workers.map(async w => w.close()))
  }
}

/** The worker's side: one connection and one scorer for all the batches it is handed. */
function serveBatches(input: WorkerInput, port: NonNullable<typeof parentPort>) {
  const post = (reply: WorkerReply) => port.postMessage(reply)
  // The API process applied the migrations; a second applier here would only race it.
  const connected = connectDatabase({ ...input.connection, migrate: false })
  // Set to the batch's clock reading before it is scored; the scorer reads it for every member.
  let now = 0
  const recommender = createRecommender({ ...input.settings, now: () => now })
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'close') {
      // A connection that failed was reported with the batch it failed.
      void connected.then(async ({ port: database }) => database.close()).catch(() => {}).finally(() => port.close())
      return
    }
    now = request.now
    connected.then(async ({ port: database }) => scoreBatch(database.db, recommender, request.batch, database.sql.nowMs)).then(
      () => post({ type: 'scored' }),
      (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined }),
    )
  })
}

const input = workerData as Partial<WorkerInput> | null
if (!isMainThread && parentPort && input?.scrmPrecomputeWorker)
  serveBatches(input as WorkerInput, parentPort)
