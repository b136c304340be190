import { beforeEach, describe, expect, it, vi } from 'vitest'
import { http } from '../api/client'
import { retryConfigAfterReport } from './config-failure'

describe('retryConfigAfterReport', () => {
  let post: ReturnType<typeof vi.spyOn>
  beforeEach(() => {
    vi.restoreAllMocks()
    post = vi.spyOn(http, 'post')
  })

  it('reports the failure and registers once more when the server refreshed the ticket', async () => {
    post.mockResolvedValue({ data: { refreshed: true, retryAfterSeconds: 300 } })
    const ensure = vi.fn().mockResolvedValue(undefined)
    expect(await retryConfigAfterReport('agent', { errMsg: 'agentConfig:fail invalid signature', errCode: 42012 }, ensure)).toBe(true)
    expect(post).toHaveBeenCalledWith('/api/wecom/config-failure', { kind: 'agent', errCode: 42012, errMsg: 'agentConfig:fail invalid signature' })
    expect(ensure).toHaveBeenCalledTimes(1)
  })

  it('does not retry when the server did not refresh, and gives up after one failed retry', async () => {
    const ensure = vi.fn().mockRejectedValue({ errMsg: 'agentConfig:fail' })
    post.mockResolvedValue({ data: { refreshed: false, retryAfterSeconds: 120 } })
    expect(await retryConfigAfterReport('corp', new Error('config:fail'), ensure)).toBe(false)
    expect(ensure).not.toHaveBeenCalled()
    post.mockResolvedValue({ data: { refreshed: true, retryAfterSeconds: 300 } })
    expect(await retryConfigAfterReport('agent', {}, ensure)).toBe(false)
    expect(ensure).toHaveBeenCalledTimes(1)
    post.mockRejectedValue(new Error('Network Error'))
    expect(await retryConfigAfterReport('agent', {}, ensure)).toBe(false)
  })
})
