// The import console's numbers are the report's and the queue's, each under its own label; picking a finished
// import from the history reads nothing else again.
import type { ImportReport, ImportSummary, UnmatchedList } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import { useImportsStore } from '../../stores/imports'
import { formatDate, formatFen } from '../../utils/format'
import ImportReportCard from './ImportReportCard.vue'
import UnmatchedQueue from './UnmatchedQueue.vue'

const api = vi.hoisted(() => ({ getImport: vi.fn(), listImports: vi.fn(), listUnmatched: vi.fn(), searchMembers: vi.fn(), assignUnmatched: vi.fn() }))
vi.mock('../../api/imports', () => api)

const report: ImportReport = {
  platform: 'jd',
  encoding: 'utf-8-bom',
  orders: 7,
  itemLines: 11,
  paidFen: 1_234_567,
  closedOrders: 2,
  imported: 5,
  updated: 1,
  unchanged: 1,
  rejected: [{ line: 4, reason: '订单未付款（等待付款），不导入' }, { line: 9, reason: '「京东价」是负数：-1' }],
  matchedOrders: 4,
  unmatchedOrders: 3,
  unmappedLines: 3,
  unmappedItems: [{ outerId: 'NOT-IN-CATALOG-1', title: '围巾', lines: 3 }],
}

function summary(status: ImportSummary['status']): ImportSummary {
  return { id: 8, platform: 'jd', fileName: 'jd.csv', itemsFileName: null, status, progress: status === 'succeeded' ? 1 : 0.4, report: status === 'succeeded' ? report : null, refusal: null, createdBy: 'admin', createdAt: 1, finishedAt: null }
}

describe('import console', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    for (const fn of Object.values(api)) fn.mockReset()
  })

  it('shows every number of the report under its label, the rejected rows with their lines, the unmapped codes', () => {
    const w = mount(ImportReportCard, { props: { summary: summary('succeeded') }, global: { plugins: [createAppI18n('zh-CN')] } })
    const shown = Object.fromEntries(w.findAll('[data-testid="import-numbers"] > div').map(d => [d.get('dt').text(), d.get('dd').text()]))
    expect(shown).toEqual({
      '订单数': '7',
      '商品行': '11',
      '实付合计': formatFen(1_234_567),
      '关闭/退款订单': '2',
      '新增': '5',
      '更新': '1',
      '未变化': '1',
      '已关联会员': '4',
      '待匹配': '3',
      '未匹配商品行': '3',
    })
    expect(w.text()).toContain('未导入的行（2）')
    expect(w.findAll('[data-testid="import-rejected"] tbody tr').map(r => r.findAll('td').map(c => c.text()))).toEqual(report.rejected.map(r => [String(r.line), r.reason]))
    expect(w.get('[data-testid="import-unmapped"]').text()).toMatch(/NOT-IN-CATALOG-1\s*围巾\s*3 行/)
  })

  it('shows the queue\'s total and each account\'s orders, amount and last payment', () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const list: UnmatchedList = {
      totalOrders: 5,
      totalBuyers: 2,
      nextCursor: null,
      buyers: [
        { platform: 'taobao', buyerId: 'tb_carol', orderId: 3, orderNo: 'T3', orders: 4, paidFen: 59_700, lastPaidAt: Date.UTC(2026, 9, 2, 4), receiverName: '王五', phoneMasked: '137****0000' },
        { platform: 'douyin', buyerId: null, orderId: 9, orderNo: 'D9', orders: 1, paidFen: 19_900, lastPaidAt: Date.UTC(2026, 9, 1, 4), receiverName: null, phoneMasked: null },
      ],
    }
    useImportsStore().unmatched = list
    const w = mount(UnmatchedQueue, { global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    expect(w.get('.card-title').text()).toBe('待匹配订单（5）')
    const buyers = w.findAll('[data-testid="unmatched-buyer"]')
    expect(buyers).toHaveLength(2)
    expect(buyers[0]!.get('.who').text()).toContain('tb_carol')
    expect(buyers[0]!.get('.who').text()).toContain('王五 · 137****0000')
    expect(buyers[0]!.get('.facts').text()).toBe(`4 单 · ${formatFen(59_700)} · ${formatDate(list.buyers[0]!.lastPaidAt)}`)
    expect(buyers[1]!.get('.who').text()).toContain('（导出中无买家账号）')
    expect(buyers[1]!.get('.facts').text()).toBe(`1 单 · ${formatFen(19_900)} · ${formatDate(list.buyers[1]!.lastPaidAt)}`)
  })

  it('assigns an entry to a member the admin finds by name, phone or account, not by a typed id', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const entry = { platform: 'jd' as const, buyerId: 'jd_wang', orderId: 12, orderNo: 'J12', orders: 2, paidFen: 5_000, lastPaidAt: 1, receiverName: '王五', phoneMasked: '137****0000' }
    api.listUnmatched.mockResolvedValue({ totalOrders: 2, totalBuyers: 1, nextCursor: null, buyers: [entry] })
    api.searchMembers.mockResolvedValueOnce({ members: [] })
    api.searchMembers.mockResolvedValueOnce({ members: [{ id: 41, name: '王五', phoneMasked: '137****0000', externalUserid: 'wmW', orders: 3, identities: 1 }, { id: 42, name: '王五一', phoneMasked: null, externalUserid: null, orders: 0, identities: 0 }] })
    api.assignUnmatched.mockResolvedValue({ id: 5, action: 'assign', memberId: 41, memberName: '王五', platform: 'jd', buyerId: 'jd_wang', fromMemberId: null, fromMemberName: null, orders: 2, createdBy: 'admin', createdByName: null, createdAt: 1, undoneAt: null })
    await useImportsStore().loadUnmatched()
    const w = mount(UnmatchedQueue, { global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    await w.get('[data-testid="unmatched-search"]').setValue('王六')
    await w.get('form.assign').trigger('submit')
    await flushPromises()
    expect(api.searchMembers).toHaveBeenLastCalledWith('王六')
    expect(w.text()).toContain('没有找到')
    await w.get('[data-testid="unmatched-search"]').setValue('0000')
    await w.get('form.assign').trigger('submit')
    await flushPromises()
    const found = w.findAll('[data-testid="unmatched-assign"]')
    expect(found).toHaveLength(2)
    expect(w.get('.found').text()).toContain('ID 41 · 137****0000 · 3 单')
    await found[0]!.trigger('click')
    await flushPromises()
    expect(api.assignUnmatched).toHaveBeenCalledWith(12, 41)
    expect(w.find('.found').exists()).toBe(false)
  })

  it('shows how much of the queue is loaded and appends the next page with its cursor', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const entry = (orderId: number) => ({ platform: 'taobao' as const, buyerId: `tb_${orderId}`, orderId, orderNo: `T${orderId}`, orders: 1, paidFen: 100, lastPaidAt: 1, receiverName: null, phoneMasked: null })
    api.listUnmatched.mockResolvedValueOnce({ totalOrders: 3, totalBuyers: 3, nextCursor: 'c2', buyers: [entry(1), entry(2)] })
    api.listUnmatched.mockResolvedValueOnce({ totalOrders: 3, totalBuyers: 3, nextCursor: null, buyers: [entry(3)] })
    await useImportsStore().loadUnmatched()
    const w = mount(UnmatchedQueue, { global: { plugins: [pinia, createAppI18n('zh-CN')] } })
    expect(w.get('[data-testid="unmatched-shown"]').text()).toBe('已显示 2 / 3 个账号')
    await w.get('[data-testid="unmatched-more"]').trigger('click')
    await flushPromises()
    expect(api.listUnmatched).toHaveBeenLastCalledWith('c2')
    expect(w.findAll('[data-testid="unmatched-buyer"]').map(b => b.get('.name').text())).toEqual(['tb_1', 'tb_2', 'tb_3'])
    expect(w.get('[data-testid="unmatched-shown"]').text()).toBe('已显示 3 / 3 个账号')
    expect(w.find('[data-testid="unmatched-more"]').exists()).toBe(false)
  })

  it('reads the history and the queue again after a run it watched ends, not when a finished import is picked', async () => {
    vi.useFakeTimers()
    try {
      api.listImports.mockResolvedValue({ imports: [] })
      api.listUnmatched.mockResolvedValue({ buyers: [], totalOrders: 0, totalBuyers: 0, nextCursor: null })
      const store = useImportsStore()

      api.getImport.mockResolvedValue(summary('succeeded'))
      await store.poll(8)
      expect(store.current?.report).toEqual(report)
      expect(api.listImports).not.toHaveBeenCalled()
      expect(api.listUnmatched).not.toHaveBeenCalled()

      api.getImport.mockResolvedValueOnce(summary('running')).mockResolvedValueOnce(summary('succeeded'))
      await store.poll(8)
      expect(store.current?.status).toBe('running')
      await vi.advanceTimersByTimeAsync(1000)
      await flushPromises()
      expect(store.current?.status).toBe('succeeded')
      expect(api.listImports).toHaveBeenCalledTimes(1)
      expect(api.listUnmatched).toHaveBeenCalledTimes(1)
    }
    finally {
      vi.useRealTimers()
    }
  })
})
