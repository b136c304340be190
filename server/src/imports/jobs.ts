// The import as a job of the durable queue: the upload route stores the file and enqueues `imports.run`;
// the handler parses and writes in one transaction, reporting progress. A refusal is an outcome, not a
// failure (no retry); an unexpected error retries (the transaction left nothing behind) and, out of
// attempts, marks the import failed.
import type { Database } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import { failImport, processImport } from './service.ts'

export const IMPORT_JOB = 'imports.run'

export interface ImportJobsOptions {
  database: Database
  now: () => number
  log?: JobsLogger
}

export function registerImportJobs(queue: JobQueue, options: ImportJobsOptions) {
  const { database, now, log } = options
  queue.register(IMPORT_JOB, async ({ job, payload, progress }) => {
    const importId = Number(payload.importId)
    let last = 0
    const report = (fraction: number) => {
      // A progress write per percent is plenty for a progress bar.
      if (fraction - last < 0.01 && fraction < 1)
        return
      last = fraction
      void progress(fraction).catch(err => log?.error({ err, importId }, 'import progress not recorded'))
    }
    try {
      await processImport(database, importId, now, report)
    }
    catch (error) {
      if (job.attempts >= job.maxAttempts)
        await failImport(database, importId, `导入失败：${(error as Error).message}`, now())
      throw error
    }
  }, { maxAttempts: 3, backoffMs: 5_000, leaseMs: 30 * 60_000 })
}

/** Enqueues the run of a stored import; returns the job id. */
export async function enqueueImport(queue: JobQueue, importId: number): Promise<number | null> {
  return queue.enqueue(IMPORT_JOB, { importId }, { singletonKey: `import:${importId}` })
}
