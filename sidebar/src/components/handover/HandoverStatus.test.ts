import type { HandoverDetail } from '@scrm/shared'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import { useHandoverStore } from '../../stores/handover'
import HandoverStatus from './HandoverStatus.vue'

const at = 1_764_000_000_000
const detail: HandoverDetail = {
  id: 5,
  kind: 'in_service',
  handoverUserid: 'guide01',
  handoverName: '林晓雯',
  takeoverUserid: 'guide02',
  takeoverName: '陈佳怡',
  createdBy: 'admin',
  createdAt: at,
  counts: { queued: 0, pending: 1, completed: 1, refused: 1, failed: 1 },
  items: [
    { id: 1, memberId: 11, memberName: '韩一诺', externalUserid: 'wm11', status: 'completed', reason: null, errcode: null, takeoverAt: at, updatedAt: at },
    { id: 2, memberId: 12, memberName: '宋嘉怡', externalUserid: 'wm12', status: 'refused', reason: 'customer_refused', errcode: null, takeoverAt: null, updatedAt: at },
    { id: 3, memberId: 13, memberName: '唐丽', externalUserid: 'wm13', status: 'failed', reason: 'transferred_too_often', errcode: 40128, takeoverAt: null, updatedAt: at },
    { id: 4, memberId: 14, memberName: '徐晨曦', externalUserid: 'wm14', status: 'pending', reason: null, errcode: null, takeoverAt: at + 86_400_000, updatedAt: at },
  ],
}

function render(locale: 'zh-CN' | 'en') {
  const pinia = createPinia()
  setActivePinia(pinia)
  const store = useHandoverStore()
  store.detail = detail
  store.handovers = [{ ...detail }]
  return mount(HandoverStatus, { global: { plugins: [createAppI18n(locale), pinia] } })
}

// Not the demo: /demo/config.json does not exist, so no emulator buttons.
beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 404 })))
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('handoverStatus', () => {
  it('says per customer, in Chinese, why she did not move, with WeCom\'s errcode', () => {
    const w = render('zh-CN')
    const reasons = w.findAll('[data-testid="handover-item"]').map(r => ({ status: r.attributes('data-status'), reason: r.get('[data-testid="handover-reason"]').text() }))
    expect(reasons[0]).toEqual({ status: 'completed', reason: '' })
    expect(reasons[1]!.reason).toBe('客户拒绝了转接，仍由原导购服务')
    expect(reasons[2]!.reason).toBe('该客户 90 天内已被转接 2 次，暂不能再转接 (企业微信错误码 40128)')
    expect(reasons[3]!.reason).toContain('等待客户确认')
    expect(w.find('[data-testid="handover-demo-actions"]').exists()).toBe(false)
    // The progress chips add up to the request's customers.
    expect(w.get('[data-testid="handover-row"]').text()).toContain('已接替 1')
    expect(w.get('[data-testid="handover-row"]').text()).toContain('未能发起 1')
  })

  it('has the same reasons in English', () => {
    const w = render('en')
    expect(w.findAll('[data-testid="handover-reason"]')[1]!.text()).toBe('The customer declined; the old guide keeps them')
  })
})
