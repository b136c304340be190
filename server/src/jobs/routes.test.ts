import type { AdminJobs } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestStack } from '../../testing/harness.ts'
import { enqueueJob } from './queue.ts'

let stack: TestStack
beforeAll(async () => {
  stack = await startTestStack({ members: 40 })
})
afterAll(async () => stack.close())

const staffWithRole = (role: string) => (stack.database.sqlite.prepare('select userid from staff where role = ? and status = 1 limit 1').get(role) as { userid: string }).userid

describe('gET /api/admin/jobs', () => {
  it('needs a session', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/api/admin/jobs' })).statusCode).toBe(401)
  })

  it('is for admins only', async () => {
    for (const role of ['guide', 'supervisor']) {
      const res = await stack.app.inject({ method: 'GET', url: '/api/admin/jobs', headers: { cookie: await stack.login(staffWithRole(role)) } })
      expect(res.statusCode).toBe(403)
    }
  })

  it('shows admins the jobs, their progress and failures', async () => {
    const id = await enqueueJob(stack.database.port.db, 1_000, 'import', { file: 'orders.csv' })
    stack.database.sqlite.prepare(`update jobs set status = 'dead', attempts = 5, last_error = 'bad header' where id = ?`).run(id)
    await enqueueJob(stack.database.port.db, 2_000, 'train')
    const res = await stack.app.inject({ method: 'GET', url: '/api/admin/jobs', headers: { cookie: await stack.login(staffWithRole('admin')) } })
    expect(res.statusCode).toBe(200)
    const body = res.json() as AdminJobs
    expect(body.counts).toEqual({ queued: 1, running: 0, succeeded: 0, dead: 1 })
    expect(body.jobs.find(job => job.id === id)).toMatchObject({ name: 'import', status: 'dead', attempts: 5, lastError: 'bad header' })
  })
})
