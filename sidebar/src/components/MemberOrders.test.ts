import type { MemberContext, Order, OrderPage } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../modules/i18n'
import { useMemberStore } from '../stores/member'
import MemberOrders from './MemberOrders.vue'

const api = vi.hoisted(() => ({ getMemberContext: vi.fn(), getOrders: vi.fn() }))
vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  getMemberContext: api.getMemberContext,
  getOrders: api.getOrders,
}))
vi.mock('../wecom/sdk', () => ({ loadWw: async () => ({}) }))

function order(id: number, paidAt: number): Order {
  return {
    id,
    platform: 'jd',
    orderNo: `NO${id}`,
    status: 'completed',
    totalAmount: 129900,
    paidAmount: 129900,
    refundedAmount: 0,
    paidAt,
    storeName: null,
    buyerId: null,
    lines: [{ skuId: `sku${id}`, spuId: 'spu', name: `商品${id}`, categoryPath: 'a/b', color: '黑', size: 'M', quantity: 1, unitPrice: 129900, amount: 129900, imageUrl: 'https://img.test/a.jpg', linkUrl: 'https://shop.test/p' }],
    unmappedLines: [],
  }
}

function context(page: OrderPage): MemberContext {
  return {
    member: { id: 42, externalUserid: 'wmA', name: '李四', avatar: null, gender: 1, city: null, level: null, phoneMasked: null, homeStoreName: null, platforms: ['jd'] },
    follows: [],
    tags: [],
    totals: { orderCount: 3, netAmount: 389700, firstPaidAt: 1, lastPaidAt: 3, byPlatform: [] },
    orders: page,
    replyVariables: { 称呼: '李四', 导购: '', 门店: '', 最近购买: '', 最近购买日期: '', 会员等级: '' },
    recommendations: { recommendationId: null, propensity: { pBuy7: null, pBuy30: null, pAlive: null, expectedNextAt: null, sufficiency: 'none' }, items: [] },
  }
}

describe('memberOrders', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    api.getMemberContext.mockReset()
    api.getOrders.mockReset()
  })

  it('shows orders newest first and appends the next page with the cursor', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    api.getMemberContext.mockResolvedValue(context({ orders: [order(3, 3_000_000), order(2, 2_000_000)], nextCursor: '2000000_2' }))
    api.getOrders.mockResolvedValue({ orders: [order(1, 1_000_000)], nextCursor: null })
    const store = useMemberStore()
    await store.load('wmA')

    const w = mount(MemberOrders, { props: { memberId: 42 }, global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    expect(w.findAll('[data-testid="order-item"]').map(e => e.attributes('data-order-id'))).toEqual(['3', '2'])
    expect(w.get('[data-testid="order-line"]').text()).toContain('¥1,299.00')

    await w.get('[data-testid="orders-load-more"]').trigger('click')
    await flushPromises()
    expect(api.getOrders).toHaveBeenCalledWith(42, '2000000_2')
    expect(w.findAll('[data-testid="order-item"]').map(e => e.attributes('data-order-id'))).toEqual(['3', '2', '1'])
    expect(w.find('[data-testid="orders-load-more"]').exists()).toBe(false)
    expect(w.text()).toContain('没有更多了')
  })

  it('shows a line the catalog lacks as 未匹配商品 with the platform\'s title and code, and offers no send for it', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const mixed: Order = { ...order(5, 5_000_000), unmappedLines: [{ outerId: 'OLD-HAT-9', title: '旧款帽子', quantity: 2, unitPrice: 6000, amount: 12000 }, { outerId: '', title: '', quantity: 1, unitPrice: 100, amount: 100 }] }
    api.getMemberContext.mockResolvedValue(context({ orders: [mixed], nextCursor: null }))
    await useMemberStore().load('wmA')
    const w = mount(MemberOrders, { props: { memberId: 42 }, global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    const [hat, blank] = w.findAll('[data-testid="order-unmapped-line"]')
    expect(hat!.text()).toContain('未匹配商品')
    expect(hat!.text()).toContain('旧款帽子')
    expect(hat!.text()).toContain('编码 OLD-HAT-9')
    expect(hat!.text()).toContain('¥60.00 ×2')
    expect(hat!.find('[data-testid="send-order-line"]').exists()).toBe(false)
    expect(blank!.text()).toContain('（导出中无商品名）')
    expect(blank!.text()).not.toContain('编码')
    // The catalog line of the same order is still there, with its send button.
    expect(w.findAll('[data-testid="send-order-line"]')).toHaveLength(1)
  })

  it('keeps loaded orders and shows the error in Chinese, the raw one only under 详情', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    api.getMemberContext.mockResolvedValue(context({ orders: [order(3, 3_000_000)], nextCursor: '3000000_3' }))
    api.getOrders.mockRejectedValue(new Error('boom'))
    await useMemberStore().load('wmA')
    const w = mount(MemberOrders, { props: { memberId: 42 }, global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    await w.get('[data-testid="orders-load-more"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="order-item"]')).toHaveLength(1)
    expect(w.get('[data-testid="error-message"]').text()).toBe('出现未知错误，请重试；持续出现请联系管理员')
    expect(w.text()).not.toContain('boom')
    await w.get('[data-testid="error-details-toggle"]').trigger('click')
    expect(w.get('[data-testid="error-detail"]').text()).toBe('boom')
    expect(w.find('[data-testid="orders-load-more"]').exists()).toBe(true)
  })

  it('names where each order came from: the store, else the platform account and the order number', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    api.getMemberContext.mockResolvedValue(context({
      orders: [{ ...order(3, 3_000_000), buyerId: 'jd_lisi' }, order(2, 2_000_000), { ...order(1, 1_000_000), storeName: '杭州湖滨店', buyerId: 'jd_lisi' }],
      nextCursor: null,
    }))
    await useMemberStore().load('wmA')
    const w = mount(MemberOrders, { props: { memberId: 42 }, global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    expect(w.findAll('[data-testid="order-source"]').map(e => e.text())).toEqual(['jd_lisi · NO3', 'NO2', '杭州湖滨店'])
  })
})
