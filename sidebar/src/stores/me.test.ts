import type { Me } from '@scrm/shared'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useMeStore } from './me'

const api = vi.hoisted(() => ({ getMe: vi.fn() }))
vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  getMe: api.getMe,
}))

const admin: Me = { userid: 'a1', name: '管理员', role: 'admin', storeId: null, storeName: null, avatar: null, corpId: 'ww1', agentId: 1000002 }

describe('me store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    api.getMe.mockReset()
  })

  it('fetches once: callers at the same time and later share the answer', async () => {
    api.getMe.mockResolvedValue(admin)
    const store = useMeStore()
    const [a, b] = await Promise.all([store.load(), store.load()])
    expect(await store.load()).toBe(admin)
    expect([a, b]).toEqual([admin, admin])
    expect(store.me).toEqual(admin)
    expect(api.getMe).toHaveBeenCalledTimes(1)
  })

  it('asks again after a failed request', async () => {
    api.getMe.mockRejectedValueOnce(new Error('network')).mockResolvedValue(admin)
    const store = useMeStore()
    await expect(store.load()).rejects.toThrow('network')
    expect(store.me).toBeNull()
    expect(await store.load()).toEqual(admin)
    expect(api.getMe).toHaveBeenCalledTimes(2)
  })
})
