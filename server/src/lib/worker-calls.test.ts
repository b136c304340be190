import { describe, expect, it } from 'vitest'
import { workerCalls } from './worker-calls.ts'

const fixture = new URL('./worker-calls.fixture.ts', import.meta.url).href
type Call = { echo: string } | { fail: string } | { exit: true }

describe('calls to a worker thread', () => {
  it('answers calls in flight together, each with its own answer or error', async () => {
    const calls = workerCalls<Call, string>(fixture, { workerCallsFixture: true }, { name: 'fixture worker', afterExit: 'fail' })
    try {
      const answers = await Promise.allSettled([calls.call({ echo: 'a' }), calls.call({ fail: 'bad input' }), calls.call({ echo: 'b' })])
      expect(answers.map(a => a.status === 'fulfilled' ? a.value : (a.reason as Error & { code?: string }).message)).toEqual(['a', 'fixture worker failed: bad input', 'b'])
      expect(((answers[1] as PromiseRejectedResult).reason as { code?: string }).code).toBe('E_FIXTURE')
    }
    finally {
      await calls.close()
    }
    await expect(calls.call({ echo: 'after close' })).rejects.toThrow(/closed/)
  })

  it('after the thread dies: fails every later call, or starts a new thread, as asked', async () => {
    const failing = workerCalls<Call, string>(fixture, { workerCallsFixture: true }, { name: 'fixture worker', afterExit: 'fail' })
    await expect(failing.call({ exit: true })).rejects.toThrow(/exited \(code 3\)/)
    await expect(failing.call({ echo: 'x' })).rejects.toThrow(/exited \(code 3\)/)
    await failing.close()

    const restarting = workerCalls<Call, string>(fixture, { workerCallsFixture: true }, { name: 'fixture worker', afterExit: 'restart' })
    try {
      await expect(restarting.call({ exit: true })).rejects.toThrow(/exited \(code 3\)/)
      expect(await restarting.call({ echo: 'again' })).toBe('again')
    }
    finally {
      await restarting.close()
    }
  })
})
