import type { Alert, AlertFinding } from '@scrm/shared'
import type { AppLocale } from '../../modules/i18n'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, getActivePinia, setActivePinia } from 'pinia'
import { describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import { useArchiveStore } from '../../stores/archive'
import AlertQueue from './AlertQueue.vue'

const api = vi.hoisted(() => ({ listAlerts: vi.fn(), listRules: vi.fn(async () => []) }))
vi.mock('../../api/archive', () => api)

let nextId = 1
function alert(matched: string, finding: AlertFinding | null): Alert {
  return { id: nextId++, ruleId: 1, ruleName: '红包未登记', ruleKind: 'behaviour', messageId: 1, conversationId: 1, storeId: 's1', guideUserid: 'g1', guideName: '导购一', excerpt: '恭喜发财', matched, finding, status: 'open', raisedAt: Date.UTC(2026, 2, 2), acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, note: null }
}

// As the server raises them (policy.test.ts, archive.test.ts), plus a row from before findings were stored.
const alerts = [
  alert('未经系统登记的红包 ¥300.00；单个金额超过上限 ¥200.00；今日第 4 个，每日上限 3 个；今日累计 ¥323.88，每日上限 ¥300.00', { kind: 'redpacket_unlogged', amountFen: 30_000, count: 1, breaches: [
    { limit: 'packet_max', eachFen: 30_000, limitFen: 20_000 },
    { limit: 'guide_day_count', dayCount: 4, limitCount: 3 },
    { limit: 'guide_day_amount', dayFen: 32_388, limitFen: 30_000 },
  ] }),
  alert('未经系统登记的红包 ¥0.90；每个约 ¥0.30低于下限 ¥1.00', { kind: 'redpacket_unlogged', amountFen: 90, count: 3, breaches: [{ limit: 'packet_min', eachFen: 30, limitFen: 100 }] }),
  alert('小程序卡片不是从商品库或素材库发出的：品牌商城「会员商城」', { kind: 'weapp_unlogged', appName: '品牌商城', title: '会员商城' }),
  alert('链接无法识别：（空）', { kind: 'link_unreadable', url: '' }),
  alert('删除客户：李先生', { kind: 'customer_deleted', memberId: 7, memberName: '李先生', externalUserid: 'wmB' }),
  alert('30 min', { kind: 'reply_timeout', minutes: 30 }),
  alert('微信号 shop_amy88', { kind: 'contact_shared', contact: 'wechat_id', text: '微信号 shop_amy88' }),
  alert('138 1234 5678', { kind: 'contact_shared', contact: 'phone', text: '138 1234 5678' }),
  alert('退款', null),
]

function findingsShown(locale: AppLocale): string[] {
  const pinia = createPinia()
  setActivePinia(pinia)
  const archive = useArchiveStore()
  vi.spyOn(archive, 'loadAlerts').mockResolvedValue(undefined)
  archive.alerts = { total: alerts.length, alerts }
  const w = mount(AlertQueue, { global: { plugins: [createAppI18n(locale), pinia] } })
  return w.findAll('[data-testid="alert-finding"]').map(cell => cell.text())
}

describe('alert queue', () => {
  it('words each finding in English, the words and names as found; an old alert shows its Chinese text', () => {
    expect(findingsShown('en')).toEqual([
      'Red packet not logged here: ¥300.00; above the ¥200.00 maximum per packet; packet 4 today, daily limit 3; ¥323.88 today in all, daily limit ¥300.00',
      'Red packet not logged here: ¥0.90; about ¥0.30 each, below the ¥1.00 minimum per packet',
      'Mini-program card not sent from the catalog or materials: 品牌商城 “会员商城”',
      'Unreadable link: (empty)',
      'Deleted customer: 李先生',
      'No reply in 30 min',
      'WeChat ID: 微信号 shop_amy88',
      'Phone number 138 1234 5678',
      '退款',
    ])
  })

  it('words each finding in Chinese as the server words it; reply timeouts and phone numbers get a Chinese label', () => {
    expect(findingsShown('zh-CN')).toEqual([...alerts.slice(0, 5).map(a => a.matched), '30 分钟未回复', '微信号 shop_amy88', '手机号 138 1234 5678', '退款'])
  })

  it('pages past the first alerts: the button says how many are left and appends the next page after those shown', async () => {
    setActivePinia(createPinia())
    const archive = useArchiveStore()
    vi.spyOn(archive, 'loadAlerts').mockResolvedValue(undefined)
    archive.alerts = { total: 3, alerts: alerts.slice(0, 2) }
    const queue = mount(AlertQueue, { global: { plugins: [createAppI18n('en'), getActivePinia()!] } })
    expect(queue.find('[data-testid="alert-more"]').text()).toBe('Load more (1 left)')
    api.listAlerts.mockResolvedValue({ total: 3, alerts: [alerts[2]] })
    await queue.find('[data-testid="alert-more"]').trigger('click')
    await flushPromises()
    expect(api.listAlerts).toHaveBeenCalledWith({ status: 'open', limit: 200, offset: 2 }) // the queue's filter stays
    expect(queue.findAll('[data-testid="alert-row"]')).toHaveLength(3)
    expect(queue.find('[data-testid="alert-more"]').exists()).toBe(false)
  })

  it('narrows the queue to one rule and to one guide picked from her alert, and pages within them', async () => {
    setActivePinia(createPinia())
    const rules = [{ id: 1, name: '红包未登记' }, { id: 9, name: '私下收款' }]
    api.listRules.mockResolvedValueOnce(rules as never)
    api.listAlerts.mockReset()
    const hers = { ...alerts[0]!, id: 101, guideUserid: 'g2', guideName: '导购二' }
    api.listAlerts.mockResolvedValue({ total: 2, alerts: [alerts[1], hers] })
    const queue = mount(AlertQueue, { global: { plugins: [createAppI18n('zh-CN'), getActivePinia()!] } })
    await flushPromises()
    expect(api.listAlerts).toHaveBeenLastCalledWith({ status: 'open', limit: 200, offset: 0 })
    expect(queue.findAll('[data-testid="alert-rule-filter"] option').map(o => o.text())).toEqual(['全部规则', '红包未登记', '私下收款'])

    await queue.find('[data-testid="alert-rule-filter"]').setValue('9')
    await flushPromises()
    expect(api.listAlerts).toHaveBeenLastCalledWith({ status: 'open', ruleId: 9, limit: 200, offset: 0 })

    api.listAlerts.mockResolvedValue({ total: 3, alerts: [hers] })
    const guides = queue.findAll('[data-testid="alert-guide"]')
    expect(guides.map(g => g.text())).toEqual(['导购一', '导购二'])
    await guides[1]!.trigger('click')
    await flushPromises()
    expect(api.listAlerts).toHaveBeenLastCalledWith({ status: 'open', ruleId: 9, guideUserid: 'g2', limit: 200, offset: 0 })
    expect(queue.find('[data-testid="alert-guide-chip"]').text()).toContain('只看导购：导购二')
    // While one guide is shown her name is plain text, and paging keeps both filters.
    expect(queue.find('[data-testid="alert-guide"]').exists()).toBe(false)
    await queue.find('[data-testid="alert-more"]').trigger('click')
    await flushPromises()
    expect(api.listAlerts).toHaveBeenLastCalledWith({ status: 'open', ruleId: 9, guideUserid: 'g2', limit: 200, offset: 1 })

    await queue.find('[data-testid="alert-guide-clear"]').trigger('click')
    await flushPromises()
    expect(api.listAlerts).toHaveBeenLastCalledWith({ status: 'open', ruleId: 9, limit: 200, offset: 0 })
    expect(queue.find('[data-testid="alert-guide-chip"]').exists()).toBe(false)
  })
})
