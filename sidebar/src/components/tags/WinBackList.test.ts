import type { WinBackItem } from '@scrm/shared'
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import WinBackList from './WinBackList.vue'

const item: WinBackItem = {
  memberId: 7,
  externalUserid: 'wmB',
  name: '陈女士',
  avatar: null,
  remark: null,
  stage: 'lost',
  reason: { key: 'lifecycle.lost', params: { gapDays: 400, rhythmDays: 60, purchaseDays: 5 } },
  spentFen: 523_400,
  lastOrder: { paidAt: Date.UTC(2025, 9, 20, 4), platform: 'jd', netFen: 129_900, items: [{ name: '精华液 30ml', quantity: 2 }, { name: '面霜', quantity: 1 }] },
}

describe('winBackList', () => {
  it('says why and what she bought last, from the item\'s numbers', () => {
    const w = mount(WinBackList, { props: { items: [item], canOpen: false, opening: false }, global: { plugins: [createAppI18n('zh-CN')] } })
    expect(w.get('[data-testid="win-back-reason"]').text()).toBe('距上次购买 400 天，超过她购买周期 60 天的 4 倍')
    expect(w.get('[data-testid="win-back-last"]').text()).toBe('上次 2025-10-20 在京东买了 ¥1,299.00：精华液 30ml ×2、面霜')
    expect(w.get('[data-testid="win-back-item"]').text()).toContain('累计实付 ¥5,234.00')
  })
})
