// Precomputing the lists off the API process's thread. `threads` worker threads, each with its own
// database connection (as training-worker.ts) and its own copy of the latest model, score disjoint
// batches of members and write each batch in its own transaction. The calling thread finds the pending
// members (index-only reads, a few milliseconds a call), hands the batches out (precomputeInLanes) and
// sums the progress, so its event loop keeps answering requests; a run with nothing pending starts no
// thread. On SQLite the batches' write transactions take turns on the file's write lock (busy timeout 5 s).
import type { AsyncDbOrTx } from '../db/port.ts'
import type { PrecomputeBatch, PrecomputeOptions } from './precomputed.ts'
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

interface Call { batch: PrecomputeBatch, now: number }

type WorkerRequest = { type: 'call', id: number, call: Call } | { type: 'close' }

type WorkerReply
  = | { id: number, ok: true, value: unknown }
    | { id: number, ok: false, message: string, stack?: string }

export interface WorkerPrecomputeOptions extends PrecomputeOptions {
  /** Worker threads that score (at least 1). */
  threads: number
  connection: TrainingConnection
  /** The scorer's options (Recommender.settings): each worker makes the same scorer. */
  settings: ScoringSettings
  /**
   * The app clock the scorer reads (RecommenderOptions.now), read as each batch is handed out, before the
   * worker reads the batch's `scoringStartedAt`: the batch's members are scored as of that moment.
   */
  clock: () => number
}

/** How long a worker may take to close its connection and exit before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000

interface PrecomputeWorker {
  call: (call: Call) => Promise<unknown>
  close: () => Promise<void>
}

/** A worker thread, started with its first call (a run with nothing pending starts no scoring thread). */
function precomputeWorker(input: WorkerInput): PrecomputeWorker {
  let worker: Worker | null = null
  let exited: Promise<void> = Promise.resolve()
  let gone: Error | null = null
  let nextId = 0
  const waiting = new Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void }>()
  const fail = (error: Error) => {
    gone ??= error
    for (const waiter of waiting.values()) waiter.reject(error)
    waiting.clear()
  }
  function start(): Worker {
    const started = new Worker(typescriptWorkerSource(import.meta.url), { eval: true, workerData: input })
    exited = new Promise<void>(resolve => started.once('exit', () => resolve()))
    started.on('message', (reply: WorkerReply) => {
      const waiter = waiting.get(reply.id)
      waiting.delete(reply.id)
      if (reply.ok)
        waiter?.resolve(reply.value)
      else
        waiter?.reject(Object.assign(new Error(`precompute worker failed: ${reply.message}`), { stack: reply.stack }))
    })
    started.on('error', fail)
    started.on('exit', code => fail(new Error(`precompute worker exited (code ${code})`)))
    return started
  }
  return {
    call: async (call) => {
      if (gone)
        throw gone
      worker ??= start()
      const running = worker
      return new Promise((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject })
        running.postMessage({ type: 'call', id, call } satisfies WorkerRequest)
      })
    },
    close: async () => {
      if (worker && !gone) {
        const running = worker
        running.postMessage({ type: 'close' } satisfies WorkerRequest)
        const timer = setTimeout(() => void running.terminate(), CLOSE_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/**
 * precomputeRecommendations (precomputed.ts) with the scoring in `threads` worker threads: the same
 * batches, lists, scores and log rows. `db` is this thread's handle (it reads the latest model run).
 * A worker that fails or dies fails the run; the lists already written stay, and a retry skips them.
 */
export async function precomputeRecommendationsInWorkers(db: AsyncDbOrTx, options: WorkerPrecomputeOptions): Promise<{ scored: number, modelRunId: number | null }> {
  const input: WorkerInput = { scrmPrecomputeWorker: true, connection: options.connection, settings: options.settings }
  const scorers = Array.from({ length: Math.max(1, Math.floor(options.threads)) }, () => precomputeWorker(input))
  try {
    return await precomputeInLanes(db, scorers.map(scorer => async (batch) => {
      await scorer.call({ batch, now: options.clock() })
    }), options)
  }
  finally {
    await Promise.all(scorers.map(async w => w.close()))
  }
}

/** The worker's side: one connection, and the scorer made when the first batch comes. */
function serve(input: WorkerInput, port: NonNullable<typeof parentPort>) {
  // The API process applied the migrations; a second applier here would only race it.
  const connected = connectDatabase({ ...input.connection, migrate: false }).then(({ port: database }) => database)
  // Set to the batch's clock reading before it is scored; the scorer reads it for every member.
  let now = 0
  let recommender: ReturnType<typeof createRecommender> | null = null
  async function run(call: Call): Promise<unknown> {
    const database = await connected
    now = call.now
    recommender ??= createRecommender({ ...input.settings, now: () => now })
    await scoreBatch(database.db, recommender, call.batch, database.sql.nowMs)
    return null
  }
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'close') {
      // A connection that failed was reported with the call it failed.
      void connected.then(async database => database.close()).catch(() => {}).finally(() => port.close())
      return
    }
    run(request.call).then(
      value => port.postMessage({ id: request.id, ok: true, value } satisfies WorkerReply),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined } satisfies WorkerReply),
    )
  })
}

const input = workerData as Partial<WorkerInput> | null
if (!isMainThread && parentPort && input?.scrmPrecomputeWorker)
  serve(input as WorkerInput, parentPort)
