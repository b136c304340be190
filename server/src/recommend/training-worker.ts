// Training off the API process's thread: runTrainingInWorker starts a worker thread that opens its own
// database connection (the SQLite file or DATABASE_URL), runs trainModels (training.ts) and posts its
// progress and result back. The API's event loop keeps answering requests meanwhile; on SQLite the
// worker's connection only takes the write lock for the final write transaction.
import type { TrainingProgress, TrainOptions, TrainResult } from './training.ts'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { connectDatabase } from '../db/client.ts'
import { typescriptWorkerSource } from '../lib/worker-bootstrap.ts'
import { trainModels } from './training.ts'

/** Where the worker connects: PostgreSQL when `databaseUrl` is set, else the SQLite file (as config.ts names them). */
export interface TrainingConnection {
  databaseUrl: string
  databasePath: string
}

/** What the caller may set besides the clock (functions cannot cross to the worker). */
export type WorkerTrainOptions = Omit<TrainOptions, 'now' | 'onProgress'>

/**
 * The worker's old-generation heap cap (MB). Without it V8 lets the heap grow lazily towards ~4 GB before
 * collecting hard (3.25 GB peak RSS at 1M members); capped, it collects sooner and training at 1M members
 * stays under the 3 GB budget. A brand too large for it fails the job with ERR_WORKER_OUT_OF_MEMORY
 * instead of pushing the API host into swap.
 */
export const TRAINING_HEAP_LIMIT_MB = 2400

interface WorkerInput {
  scrmTrainingWorker: true
  connection: TrainingConnection
  now: number
  options: WorkerTrainOptions
}

type WorkerMessage
  = | { type: 'progress', progress: TrainingProgress }
    | { type: 'done', result: TrainResult }
    | { type: 'failed', message: string, stack?: string }

/**
 * Trains every model in a worker thread and resolves with the stored run. `onProgress` receives the
 * phase and the fraction done (0…1) as training advances; the `train` job handler forwards it to the queue.
 */
export function runTrainingInWorker(connection: TrainingConnection, now: number, onProgress?: (progress: TrainingProgress) => void, options: WorkerTrainOptions & { heapLimitMb?: number } = {}): Promise<TrainResult> {
  const { heapLimitMb = TRAINING_HEAP_LIMIT_MB, ...trainOptions } = options
  const input: WorkerInput = { scrmTrainingWorker: true, connection, now, options: trainOptions }
  return new Promise((resolve, reject) => {
    const worker = new Worker(typescriptWorkerSource(import.meta.url), { eval: true, workerData: input, resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } })
    let settled = false
    const settle = (action: () => void) => {
      if (!settled) {
        settled = true
        action()
      }
    }
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress')
        onProgress?.(message.progress)
      else if (message.type === 'done')
        settle(() => resolve(message.result))
      else
        settle(() => reject(Object.assign(new Error(`training failed: ${message.message}`), { stack: message.stack })))
    })
    worker.on('error', error => settle(() => reject(error)))
    worker.on('exit', code => settle(() => reject(new Error(`training worker exited (code ${code}) before it finished`))))
  })
}

async function trainInThisWorker(input: WorkerInput, post: (message: WorkerMessage) => void) {
  // The API process applied the migrations; a second applier here would only race it.
  const { port } = await connectDatabase({ ...input.connection, migrate: false })
  try {
    const result = await trainModels(port, { ...input.options, now: input.now, onProgress: progress => post({ type: 'progress', progress }) })
    post({ type: 'done', result })
  }
  finally {
    await port.close()
  }
}

const input = workerData as Partial<WorkerInput> | null
if (!isMainThread && parentPort && input?.scrmTrainingWorker) {
  const port = parentPort
  const post = (message: WorkerMessage) => port.postMessage(message)
  trainInThisWorker(input as WorkerInput, post).catch((error: unknown) => {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined })
  })
}
