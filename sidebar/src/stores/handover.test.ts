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

  it('a refused request re-reads the page, which then lists the other handover, and still says why it was refused', async () => {
    const store = useHandoverStore()
    await store.loadCustomers('g1')
    api.createHandover.mockRejectedValue(Object.assign(new Error('Request failed with status code 409'), {
      isAxiosError: true,
      response: { status: 409, headers: {}, data: { statusCode: 409, error: 'Conflict', message: 'already being handed over: 7', reason: 'handover_already_open', params: { count: 1 } } },
    }))
    expect(await store.submit({ fromUserid: 'g1', toUserid: 'g2', memberIds: [7] })).toBe(false)
    expect(store.handovers).toEqual([detail])
    expect(api.getHandoverCustomers).toHaveBeenLastCalledWith('g1')
    expect(store.error?.refusal).toEqual({ reason: 'handover_already_open', params: { count: 1 } })
  })
})
