import type { Propensity } from '@scrm/shared'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../modules/i18n'
import PropensityBadge from './PropensityBadge.vue'

function render(propensity: Propensity) {
  return mount(PropensityBadge, { props: { propensity }, global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
}

describe('propensityBadge', () => {
  it('shows percentages, bands and the next date when data is sufficient', () => {
    const w = render({ pBuy7: 0.42, pBuy30: 0.81, pAlive: 0.9, expectedNextAt: Date.UTC(2025, 5, 1, 4), sufficiency: 'ok' })
    expect(w.get('[data-testid="propensity-7"]').text()).toContain('42%')
    expect(w.get('[data-testid="propensity-7"]').text()).toContain('高')
    expect(w.get('[data-testid="propensity-30"]').text()).toContain('81%')
    expect(w.get('[data-testid="propensity-next"]').text()).toBe('2025-06-01')
    expect(w.text()).not.toContain('数据不足')
  })

  it.each(['thin', 'none'] as const)('shows 数据不足 and no number when sufficiency is %s', (sufficiency) => {
    // Even if a number leaks through, it must not be shown.
    const w = render({ pBuy7: 0.5, pBuy30: 0.7, pAlive: null, expectedNextAt: Date.UTC(2025, 5, 1), sufficiency })
    expect(w.get('[data-testid="propensity-7"]').text()).toContain('数据不足')
    expect(w.get('[data-testid="propensity-30"]').text()).toContain('数据不足')
    expect(w.text()).not.toMatch(/\d+%/)
    expect(w.find('[data-testid="propensity-next"]').exists()).toBe(false)
    expect(w.find('[data-testid="propensity-band"]').exists()).toBe(false)
  })

  it('says there is no regular rhythm, not "no data", when only the next date is blank', () => {
    const w = render({ pBuy7: 0.2, pBuy30: 0.5, pAlive: 0.8, expectedNextAt: null, sufficiency: 'ok' })
    expect(w.text()).toContain('无固定周期')
    expect(w.text()).not.toContain('数据不足')
  })

  describe('an expected date in the past', () => {
    afterEach(() => vi.useRealTimers())

    it('says how many days overdue, counted in China days', () => {
      // 2025-06-13 01:00 in Shanghai; expected 2025-06-01 (China) → 12 days.
      vi.useFakeTimers({ now: Date.UTC(2025, 5, 12, 17) })
      const w = render({ pBuy7: 0.3, pBuy30: 0.6, pAlive: 0.9, expectedNextAt: Date.UTC(2025, 5, 1, 4), sufficiency: 'ok' })
      expect(w.get('[data-testid="propensity-next"]').text()).toBe('2025-06-01')
      expect(w.get('[data-testid="propensity-overdue"]').text()).toBe('已过 12 天')
    })

    it('shows no overdue note for today or later', () => {
      vi.useFakeTimers({ now: Date.UTC(2025, 5, 1, 1) })
      const w = render({ pBuy7: 0.3, pBuy30: 0.6, pAlive: 0.9, expectedNextAt: Date.UTC(2025, 5, 1, 4), sufficiency: 'ok' })
      expect(w.find('[data-testid="propensity-overdue"]').exists()).toBe(false)
    })
  })
})
