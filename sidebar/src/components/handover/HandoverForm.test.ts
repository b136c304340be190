import type { HandoverCustomer, HandoverStaff } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import { useHandoverStore } from '../../stores/handover'
import HandoverForm from './HandoverForm.vue'

const api = vi.hoisted(() => ({
  getHandoverStaff: vi.fn(),
  getHandoverCustomers: vi.fn(),
  getUnassigned: vi.fn(),
  listHandovers: vi.fn(),
  getHandover: vi.fn(),
  createHandover: vi.fn(),
}))
vi.mock('../../api/handover', () => api)

const staff: HandoverStaff[] = [
  { userid: 'g1', name: '林晓雯', storeName: '静安店', resigned: false, activeCustomers: 250 },
  { userid: 'g2', name: '陈佳怡', storeName: '静安店', resigned: false, activeCustomers: 12 },
  { userid: 'g3', name: '王芳', storeName: null, resigned: true, activeCustomers: 4 },
]
/** 250 customers of g1, two of them already in an open handover. */
const customers: HandoverCustomer[] = Array.from({ length: 250 }, (_, i) => ({
  memberId: i + 1,
  name: `会员${i + 1}`,
  externalUserid: `wm${i + 1}`,
  remark: null,
  openStatus: i < 2 ? 'pending' : null,
}))

function render() {
  const pinia = createPinia()
  setActivePinia(pinia)
  useHandoverStore().staff = staff
  return mount(HandoverForm, { global: { plugins: [createAppI18n('zh-CN'), pinia] } })
}

beforeEach(() => {
  vi.resetAllMocks()
  api.getHandoverCustomers.mockResolvedValue({ items: customers })
  api.listHandovers.mockResolvedValue({ items: [] })
  api.getHandoverStaff.mockResolvedValue({ items: staff })
})

describe('handoverForm', () => {
  it('counts only the customers free to move, and the WeCom batches of 100 they take', async () => {
    const w = render()
    await w.get('[data-testid="handover-from"]').setValue('g1')
    await flushPromises()
    expect(api.getHandoverCustomers).toHaveBeenCalledWith('g1')
    // The new guide cannot be the old one, nor someone who left.
    expect(w.findAll('[data-testid="handover-to"] option').map(o => o.attributes('value'))).toEqual(['', 'g2'])
    expect(w.get('[data-testid="handover-to"]').text()).toContain('陈佳怡 · 静安店 · 12 位客户')

    expect(w.text()).toContain('全选（已选 0 / 248）')
    const boxes = w.findAll('[data-testid="handover-customer"]')
    expect(boxes.filter(b => (b.element as HTMLInputElement).disabled)).toHaveLength(2)
    await boxes[5]!.setValue(true)
    await boxes[6]!.setValue(true)
    expect(w.get('[data-testid="handover-summary"]').text()).toBe('将交接 2 位客户，分 1 批提交企业微信（每批最多 100 位）')

    await w.get('[data-testid="handover-mode-all"]').setValue(true)
    expect(w.text()).toContain('全部客户（248 位）')
    expect(w.get('[data-testid="handover-summary"]').text()).toBe('将交接 248 位客户，分 3 批提交企业微信（每批最多 100 位）')

    api.createHandover.mockResolvedValue({ id: 9 })
    await w.get('[data-testid="handover-to"]').setValue('g2')
    await w.get('[data-testid="handover-message"]').setValue('  您好  ')
    await w.get('[data-testid="handover-submit"]').trigger('click')
    await flushPromises()
    expect(api.createHandover).toHaveBeenCalledWith({ fromUserid: 'g1', toUserid: 'g2', all: true, message: '您好' })
  })

  it('a guide who left is a 离职继承: no message to the customer', async () => {
    const w = render()
    await w.get('[data-testid="handover-from"]').setValue('g3')
    await flushPromises()
    expect(w.get('[data-testid="handover-kind"]').text()).toContain('离职继承')
    expect(w.find('[data-testid="handover-message"]').exists()).toBe(false)
  })

  it('a guide WeCom lists with unassigned customers has left too, before the server has recorded it', async () => {
    const w = render()
    useHandoverStore().unassigned = [{ handoverUserid: 'g1', name: '林晓雯', customers: 250, dimissionTime: 1_700_000_000_000 }]
    await w.get('[data-testid="handover-from"]').setValue('g1')
    await flushPromises()
    expect(w.get('[data-testid="handover-kind"]').text()).toContain('离职继承')
    expect(w.find('[data-testid="handover-message"]').exists()).toBe(false)
    // Nor can she take customers over.
    await w.get('[data-testid="handover-from"]').setValue('g2')
    expect(w.get('[data-testid="handover-to"]').findAll('option').map(o => o.attributes('value')).filter(Boolean)).toEqual([])
  })
})
