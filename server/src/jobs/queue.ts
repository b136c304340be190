// The durable job queue: a `jobs` table any instance may work from (design after pg-boss and graphile-worker).
// A worker claims due jobs by leasing them (`locked_until`), renews the lease while the handler runs, and
// on failure requeues with exponential backoff until `max_attempts`, then marks the job dead. A job whose
// worker died is requeued (or dead) once its lease runs out. Schedules live in `job_schedules`, so every
// instance agrees on when a run is due and exactly one of them enqueues it.
// PostgreSQL claims with FOR UPDATE SKIP LOCKED; on SQLite one process owns the file and the port
// serialises writes, so the same statements give the same contract.
import type { AdminJobs, JobStatus } from '@scrm/shared'
import type { AsyncDbOrTx, Database } from '../db/port.ts'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { JOB_STATUSES } from '@scrm/shared'
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm'
import { changes } from '../db/port.ts'
import { jobs, jobSchedules } from '../db/schema.ts'

export type JobRow = typeof jobs.$inferSelect
export type JobPayload = Record<string, unknown>

export interface JobContext {
  job: JobRow
  payload: JobPayload
  /** Aborted when this worker lost the lease (another worker may now run the job) or the queue stops. */
  signal: AbortSignal
  /** Records progress (0…1) for admins. */
  progress: (fraction: number) => Promise<void>
}

export type JobHandler = (context: JobContext) => Promise<void>

export interface HandlerOptions {
  /** Attempts before the job is dead (default 5). */
  maxAttempts?: number
  /** First retry delay; doubles per attempt (default 10 s). */
  backoffMs?: number
  /** Longest retry delay (default 1 h). */
  maxBackoffMs?: number
  /**
   * How long a claim lasts without a heartbeat (default 60 s). Handlers that block the event loop (sync
   * SQLite work) cannot heartbeat, so their lease must outlast the whole run.
   */
  leaseMs?: number
}

export interface EnqueueOptions {
  /** While a job with this name and key is queued or running, enqueueing it again does nothing. */
  singletonKey?: string
  runAt?: number
  priority?: number
  maxAttempts?: number
}

export interface JobsLogger {
  info: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface JobQueueOptions {
  database: Database
  now?: () => number
  /** Names this worker in `locked_by` (default host:pid:random). */
  workerId?: string
  /** Jobs run at once by this instance (default 2). */
  concurrency?: number
  /** Poll interval of the worker loop (default 1 s). */
  pollMs?: number
  log?: JobsLogger
}

interface Registered extends Required<HandlerOptions> {
  handler: JobHandler
}

const DEFAULTS: Required<HandlerOptions> = { maxAttempts: 5, backoffMs: 10_000, maxBackoffMs: 3_600_000, leaseMs: 60_000 }
// Untyped parameters in CASE branches would be text on PostgreSQL, hence the casts to bigint below.
const LIVE = sql`('queued', 'running')`

/** Delay before retry number `attempt` (1-based): backoff, doubled per attempt, capped. */
export function retryDelay(attempt: number, options: Pick<Required<HandlerOptions>, 'backoffMs' | 'maxBackoffMs'>): number {
  return Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.max(0, attempt - 1))
}

/**
 * Adds a job; returns its id, or null when a live job with the same singleton key exists. Accepts a
 * transaction, so a domain write and the job it needs commit together.
 */
export async function enqueueJob(db: AsyncDbOrTx, now: number, name: string, payload: JobPayload = {}, options: EnqueueOptions = {}): Promise<number | null> {
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts
  // drizzle renders a partial-index conflict target's WHERE after DO NOTHING, which neither dialect accepts.
  const rows = await db.all<[number]>(sql`insert into ${jobs} (name, payload, status, singleton_key, priority, run_at, attempts, max_attempts, created_at)
    values (${name}, ${JSON.stringify(payload)}, 'queued', ${options.singletonKey ?? null}, ${options.priority ?? 0}, ${options.runAt ?? now}, 0, ${maxAttempts}, ${now})
    on conflict (name, singleton_key) where status in ${LIVE} do nothing
    returning id`)
  const row = rows[0] as unknown
  // The port returns raw rows as value arrays.
  return Array.isArray(row) ? Number(row[0]) : null
}

export function createJobQueue(options: JobQueueOptions) {
  const { database } = options
  const { db } = database
  const now = options.now ?? Date.now
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const concurrency = options.concurrency ?? 2
  const handlers = new Map<string, Registered>()
  const active = new Set<Promise<void>>()
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running = false

  function register(name: string, handler: JobHandler, handlerOptions: HandlerOptions = {}) {
    handlers.set(name, { ...DEFAULTS, ...handlerOptions, handler })
  }

  async function enqueue(name: string, payload: JobPayload = {}, enqueueOptions: EnqueueOptions = {}) {
    const registered = handlers.get(name)
    return enqueueJob(db, now(), name, payload, { maxAttempts: registered?.maxAttempts, ...enqueueOptions })
  }

  /** Stores (or updates) an interval schedule; the first run is due at once. Every instance may call it. */
  async function schedule(name: string, intervalMs: number, payload: JobPayload = {}) {
    const at = now()
    await db.insert(jobSchedules).values({ name, intervalMs, payload, nextRunAt: at }).onConflictDoUpdate({
      target: jobSchedules.name,
      set: {
        intervalMs,
        payload,
        // A shorter interval takes effect from the last run, not after the old, longer wait.
        nextRunAt: database.sql.least(sql`${jobSchedules.nextRunAt}`, sql`coalesce(${jobSchedules.lastRunAt}, 0) + ${intervalMs}`),
      },
    })
  }

  /** Enqueues the runs of due schedules; the conditional update lets exactly one instance win each run. */
  async function fireDueSchedules(at: number) {
    const due = await db.select({ name: jobSchedules.name }).from(jobSchedules).where(lte(jobSchedules.nextRunAt, at))
    for (const { name } of due) {
      await db.transaction(async (tx) => {
        const [won] = await tx.update(jobSchedules)
          .set({ nextRunAt: sql`${at} + ${jobSchedules.intervalMs}`, lastRunAt: at })
          .where(and(eq(jobSchedules.name, name), lte(jobSchedules.nextRunAt, at)))
          .returning({ payload: jobSchedules.payload })
        if (won)
          await enqueueJob(tx, at, name, won.payload, { singletonKey: `schedule:${name}`, maxAttempts: handlers.get(name)?.maxAttempts })
      })
    }
  }

  /** Jobs whose worker stopped renewing the lease go back to the queue, or die when out of attempts. */
  async function requeueExpired(at: number) {
    const outOfAttempts = sql`${jobs.attempts} >= ${jobs.maxAttempts}`
    await db.update(jobs).set({
      status: sql`case when ${outOfAttempts} then 'dead' else 'queued' end`,
      finishedAt: sql`case when ${outOfAttempts} then cast(${at} as bigint) else null end`,
      runAt: at,
      lockedBy: null,
      lockedUntil: null,
      lastError: 'lease expired: the worker stopped or stalled',
    }).where(and(eq(jobs.status, 'running'), lte(jobs.lockedUntil, at)))
  }

  async function claim(at: number, limit: number): Promise<JobRow[]> {
    const names = [...handlers.keys()]
    if (names.length === 0 || limit <= 0)
      return []
    const leaseUntil = sql`case ${jobs.name} ${sql.join(names.map(name => sql`when ${name} then cast(${at + handlers.get(name)!.leaseMs} as bigint)`), sql` `)} end`
    return db.update(jobs)
      .set({ status: 'running', lockedBy: workerId, lockedUntil: leaseUntil, attempts: sql`${jobs.attempts} + 1`, startedAt: at, progress: null })
      .where(sql`${jobs.id} in (select ${jobs.id} from ${jobs} where ${and(eq(jobs.status, 'queued'), lte(jobs.runAt, at), inArray(jobs.name, names))} order by ${jobs.priority} desc, ${jobs.runAt}, ${jobs.id} limit ${limit}${database.sql.skipLocked()})`)
      .returning()
  }

  const mine = (job: JobRow) => and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId), eq(jobs.status, 'running'))

  async function execute(job: JobRow) {
    const registered = handlers.get(job.name)!
    const lost = new AbortController()
    const signal = AbortSignal.any([lost.signal, stopping.signal])
    const heartbeat = setInterval(() => {
      void db.update(jobs).set({ lockedUntil: now() + registered.leaseMs }).where(mine(job)).then((result) => {
        if (changes(result) === 0)
          lost.abort(new Error('lease lost'))
      }, error => options.log?.error({ err: error, job: job.id }, 'job heartbeat failed'))
    }, Math.max(50, Math.floor(registered.leaseMs / 3)))
    heartbeat.unref()
    try {
      await registered.handler({
        job,
        payload: job.payload,
        signal,
        progress: async (fraction) => {
          await db.update(jobs).set({ progress: Math.min(1, Math.max(0, fraction)) }).where(mine(job))
        },
      })
      clearInterval(heartbeat)
      await db.update(jobs).set({ status: 'succeeded', progress: 1, finishedAt: now(), lockedBy: null, lockedUntil: null, lastError: null }).where(mine(job))
    }
    catch (error) {
      clearInterval(heartbeat)
      const at = now()
      const message = error instanceof Error ? error.message : String(error)
      const dead = job.attempts >= job.maxAttempts
      await db.update(jobs).set(dead
        ? { status: 'dead', finishedAt: at, lockedBy: null, lockedUntil: null, lastError: message }
        : { status: 'queued', runAt: at + retryDelay(job.attempts, registered), lockedBy: null, lockedUntil: null, lastError: message }).where(mine(job))
      options.log?.error({ err: error, job: job.id, name: job.name, attempt: job.attempts, dead }, dead ? 'job dead' : 'job failed; will retry')
    }
  }

  /**
   * One round: fire due schedules, requeue expired leases, claim what this worker has room for and run it.
   * `wait: false` (the worker loop) returns once the jobs are started; tests await them.
   */
  async function tick({ wait = true }: { wait?: boolean } = {}): Promise<number> {
    const at = now()
    await fireDueSchedules(at)
    await requeueExpired(at)
    const claimed = await claim(at, concurrency - active.size)
    const runs = claimed.map((job) => {
      const run = execute(job).catch(error => options.log?.error({ err: error, job: job.id }, 'job bookkeeping failed'))
      active.add(run)
      void run.finally(() => active.delete(run))
      return run
    })
    if (wait)
      await Promise.all(runs)
    return claimed.length
  }

  /** Starts this instance's worker loop. */
  function start() {
    if (running)
      return
    running = true
    const loop = async () => {
      try {
        await tick({ wait: false })
      }
      catch (error) {
        options.log?.error({ err: error }, 'job queue poll failed')
      }
      if (running) {
        timer = setTimeout(() => void loop(), options.pollMs ?? 1000)
        timer.unref()
      }
    }
    void loop()
  }

  /** Stops polling, tells running handlers to stop and waits for them. */
  async function stop() {
    running = false
    clearTimeout(timer)
    stopping.abort(new Error('job queue stopping'))
    await Promise.all(active)
  }

  /** The admin view: counts per status, recent jobs (live and dead ones first), schedules. */
  async function overview(): Promise<AdminJobs> {
    const grouped = await db.select({ status: jobs.status, n: sql<number>`count(*)` }).from(jobs).groupBy(jobs.status)
    const counts = Object.fromEntries(JOB_STATUSES.map(status => [status, 0])) as Record<JobStatus, number>
    for (const row of grouped)
      counts[row.status] = Number(row.n)
    const summary = {
      id: jobs.id,
      name: jobs.name,
      status: jobs.status,
      attempts: jobs.attempts,
      maxAttempts: jobs.maxAttempts,
      progress: jobs.progress,
      lastError: jobs.lastError,
      runAt: jobs.runAt,
      createdAt: jobs.createdAt,
      startedAt: jobs.startedAt,
      finishedAt: jobs.finishedAt,
      lockedBy: jobs.lockedBy,
    }
    const unfinished = await db.select(summary).from(jobs).where(inArray(jobs.status, ['running', 'dead'])).orderBy(desc(jobs.id)).limit(100)
    const recent = await db.select(summary).from(jobs).orderBy(desc(jobs.id)).limit(100)
    const seen = new Set<number>()
    const list = [...unfinished, ...recent].filter(job => !seen.has(job.id) && seen.add(job.id)).slice(0, 100)
    const schedules = await db.select({ name: jobSchedules.name, intervalMs: jobSchedules.intervalMs, nextRunAt: jobSchedules.nextRunAt, lastRunAt: jobSchedules.lastRunAt }).from(jobSchedules).orderBy(jobSchedules.name)
    return { counts, jobs: list, schedules }
  }

  return { workerId, register, enqueue, schedule, tick, start, stop, overview }
}

export type JobQueue = ReturnType<typeof createJobQueue>
