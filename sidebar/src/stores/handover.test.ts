import type { HandoverDetail } from '@scrm/shared'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useHandoverStore } from './handover'

const api = vi.hoisted(() => ({
  getHandoverStaff: vi.fn(),
  getHandoverCustomers: vi.fn(),
  getUnassigned: vi.fn(),
  listHandovers: vi.fn(),
  getHandover: vi.fn(),
  createHandover: vi.fn(),
}))
vi.mock('../api/handover', () => api)

const detail = { id: 5, counts: { queued: 0, pending: 1, completed: 0, refused: 0, failed: 0 }, items: [] } as unknown as HandoverDetail

beforeEach(() => {
  vi.resetAllMocks()
  setActivePinia(createPinia())
  api.listHandovers.mockResolvedValue({ items: [detail] })
  api.getHandover.mockResolvedValue({ ...detail, counts: { ...detail.counts, pending: 0, completed: 1 } })
  api.getHandoverStaff.mockResolvedValue({ items: [] })
  api.getHandoverCustomers.mockResolvedValue({ items: [] })
})

describe('handover store', () => {
  it('the page\'s poll re-reads only the status: the requests and the open one', async () => {
    const store = useHandoverStore()
    store.detail = detail
    await store.refreshStatus()
    expect(api.listHandovers).toHaveBeenCalledTimes(1)
    expect(api.getHandover).toHaveBeenCalledWith(5)
    expect(store.detail?.counts.completed).toBe(1)
    expect(api.getHandoverStaff).not.toHaveBeenCalled()
    expect(api.getHandoverCustomers).not.toHaveBeenCalled()
  })

  it('a full refresh also re-reads who serves how many and the listed customers', async () => {
    const store = useHandoverStore()
    store.detail = detail
    await store.loadCustomers('g1')
    await store.refresh()
    expect(api.getHandover).toHaveBeenCalledWith(5)
    expect(api.getHandoverStaff).toHaveBeenCalledTimes(1)
    expect(api.getHandoverCustomers).toHaveBeenLastCalledWith('g1')
  })
})
