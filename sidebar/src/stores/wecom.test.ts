import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { http } from '../api/client'
import { useWecomStore } from './wecom'

const api = vi.hoisted(() => ({ getMe: vi.fn() }))
const ww = vi.hoisted(() => ({
  register: vi.fn(),
  ensureConfigReady: vi.fn(),
  getContext: vi.fn(),
  getCurExternalContact: vi.fn(),
}))

vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  getMe: api.getMe,
}))
vi.mock('../wecom/sdk', () => ({ hasBridge: () => true, loadWw: async () => ww }))

describe('wecom store boot after agentConfig fails', () => {
  let report: ReturnType<typeof vi.spyOn>
  beforeEach(() => {
    setActivePinia(createPinia())
    api.getMe.mockReset().mockResolvedValue({ userid: 'g1', name: '导购', role: 'guide', corpId: 'ww1', agentId: 1000002 })
    ww.register.mockReset()
    ww.getContext.mockReset().mockResolvedValue({ entry: 'single_chat_tools' })
    ww.getCurExternalContact.mockReset().mockResolvedValue({ userId: 'wmCust' })
    ww.ensureConfigReady.mockReset().mockRejectedValueOnce({ errMsg: 'agentConfig:fail invalid signature', errCode: 42012 }).mockResolvedValue(undefined)
    vi.restoreAllMocks()
    report = vi.spyOn(http, 'post')
  })

  it('reports the failure and registers again once the server refreshed the ticket', async () => {
    report.mockResolvedValue({ data: { refreshed: true, retryAfterSeconds: 300 } })
    const store = useWecomStore()
    await store.boot()
    expect(report).toHaveBeenCalledWith('/api/wecom/config-failure', { kind: 'agent', errCode: 42012, errMsg: 'agentConfig:fail invalid signature' })
    expect(ww.ensureConfigReady).toHaveBeenCalledTimes(2)
    expect(store.phase).toBe('ready')
    expect(store.externalUserId).toBe('wmCust')
  })

  it('stays on the signature error when the refresh was rate-limited', async () => {
    report.mockResolvedValue({ data: { refreshed: false, retryAfterSeconds: 200 } })
    const store = useWecomStore()
    await store.boot()
    expect(report).toHaveBeenCalledTimes(1)
    expect(ww.ensureConfigReady).toHaveBeenCalledTimes(1)
    expect(store.phase).toBe('signature-error')
  })
})
