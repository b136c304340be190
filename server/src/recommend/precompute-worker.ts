// Precomputing the lists off the API process's thread. `threads` worker threads, each with its own
// database connection (as training-worker.ts) and its own copy of the latest model, score disjoint
// batches of members and write each batch in its own transaction. The calling thread finds the pending
// members (index-only reads, a few milliseconds a call), hands the batches out (precomputeInLanes) and
// sums the progress, so its event loop keeps answering requests; a run with nothing pending starts no
// thread. On SQLite the batches' write transactions take turns on the file's write lock (busy timeout 5 s).
import type { AsyncDbOrTx } from '../db/port.ts'
import type { WorkerCalls } from '../lib/worker-calls.ts'
import type { PrecomputeBatch, PrecomputeOptions } from './precomputed.ts'
import type { ScoringSettings } from './scoring.ts'
import type { TrainingConnection } from './training-worker.ts'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { connectDatabase } from '../db/client.ts'
import { answerCalls, workerCalls } from '../lib/worker-calls.ts'
import { precomputeInLanes, scoreBatch } from './precomputed.ts'
import { createRecommender } from './scoring.ts'

interface WorkerInput {
  scrmPrecomputeWorker: true
  connection: TrainingConnection
  settings: ScoringSettings
}

interface Call { batch: PrecomputeBatch, now: number }

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

/** A scoring thread, started with its first batch (a run with nothing pending starts none); one that dies fails the run. */
function precomputeWorker(input: WorkerInput): WorkerCalls<Call, null> {
  return workerCalls(import.meta.url, input, { name: 'precompute worker', afterExit: 'fail' })
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
  async function run(call: Call): Promise<null> {
    const database = await connected
    now = call.now
    recommender ??= createRecommender({ ...input.settings, now: () => now })
    await scoreBatch(database.db, recommender, call.batch, database.sql.nowMs)
    return null
  }
  // A connection that failed was reported with the call it failed.
  answerCalls<Call, null>(port, run, async () => (await connected).close())
}

const input = workerData as Partial<WorkerInput> | null
if (!isMainThread && parentPort && input?.scrmPrecomputeWorker)
  serve(input as WorkerInput, parentPort)
