import type { Static } from 'typebox'
import Type from 'typebox'

/** Job lifecycle: queued (incl. waiting for a retry) → running (leased) → succeeded | dead (out of attempts). */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'dead'] as const
export const JobStatus = Type.Enum(JOB_STATUSES)
export type JobStatus = Static<typeof JobStatus>

const NullableInteger = Type.Union([Type.Integer(), Type.Null()])

export const JobSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  status: JobStatus,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  /** 0…1 as the handler last reported it. */
  progress: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  runAt: Type.Integer(),
  createdAt: Type.Integer(),
  startedAt: NullableInteger,
  finishedAt: NullableInteger,
  lockedBy: Type.Union([Type.String(), Type.Null()]),
})
export type JobSummary = Static<typeof JobSummary>

export const JobScheduleSummary = Type.Object({
  name: Type.String(),
  intervalMs: Type.Integer(),
  nextRunAt: Type.Integer(),
  lastRunAt: NullableInteger,
})
export type JobScheduleSummary = Static<typeof JobScheduleSummary>

/** GET /api/admin/jobs: what the queue is doing and what failed. */
export const AdminJobs = Type.Object({
  /** Jobs per status. */
  counts: Type.Record(JobStatus, Type.Integer()),
  /** Newest first, at most 100, dead and running ones included whatever their age. */
  jobs: Type.Array(JobSummary),
  schedules: Type.Array(JobScheduleSummary),
})
export type AdminJobs = Static<typeof AdminJobs>

/** An admin asked for a job: its id, or null when the same job was already queued or running. */
export const JobEnqueued = Type.Object({
  jobId: NullableInteger,
  alreadyQueued: Type.Boolean(),
})
export type JobEnqueued = Static<typeof JobEnqueued>
