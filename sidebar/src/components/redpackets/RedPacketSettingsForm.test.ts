import type { RedPacketSettingsPage } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import RedPacketSettingsForm from './RedPacketSettingsForm.vue'

const api = vi.hoisted(() => ({ saveRedPacketSettings: vi.fn(), saveStoreBudgets: vi.fn() }))
vi.mock('../../api/redpackets', () => api)

const page: RedPacketSettingsPage = {
  settings: {
    minFen: 100,
    maxFen: 20_000,
    guideDayCount: 20,
    guideDayFen: 20_000,
    memberDayCount: 1,
    memberDayFen: 5_000,
    memberMonthCount: 3,
    memberMonthFen: 10_000,
    storeMonthFen: 200_000,
    presetsFen: [188, 520],
    reasons: [{ code: 'thanks', label: '感谢支持', labelEn: 'Thank you' }],
    actName: '会员关怀',
    defaultWishing: '感谢您的支持',
  },
  storeBudgets: [{ storeId: 'S1', storeName: '静安店', monthFen: 50_000 }, { storeId: 'S2', storeName: '湖滨店', monthFen: null }],
}

function render() {
  return mount(RedPacketSettingsForm, { props: { page }, global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
}

beforeEach(() => {
  vi.resetAllMocks()
  api.saveRedPacketSettings.mockResolvedValue(page)
  api.saveStoreBudgets.mockResolvedValue(page)
})

describe('redPacketSettingsForm', () => {
  it('shows the settings in 元 and saves what the admin typed in 分, an empty budget as the default', async () => {
    const w = render()
    expect((w.get('[data-testid="setting-maxFen"]').element as HTMLInputElement).value).toBe('200.00')
    expect((w.get('[data-testid="setting-presets"]').element as HTMLInputElement).value).toBe('1.88, 5.20')
    expect((w.get('[data-testid="budget-S1"]').element as HTMLInputElement).value).toBe('500.00')
    expect((w.get('[data-testid="budget-S2"]').element as HTMLInputElement).value).toBe('')
    await w.get('[data-testid="setting-memberDayFen"]').setValue('66.6')
    await w.get('[data-testid="setting-presets"]').setValue('1.88，8.8 16')
    await w.get('[data-testid="setting-reasons"]').setValue('thanks,感谢支持,Thank you\nvip,会员专享')
    await w.get('[data-testid="budget-S1"]').setValue('')
    await w.get('[data-testid="budget-S2"]').setValue('1234.5')
    await w.get('[data-testid="redpacket-settings"]').trigger('submit')
    await flushPromises()
    expect(api.saveRedPacketSettings).toHaveBeenCalledWith({
      ...page.settings,
      memberDayFen: 6_660,
      presetsFen: [188, 880, 1_600],
      reasons: [{ code: 'thanks', label: '感谢支持', labelEn: 'Thank you' }, { code: 'vip', label: '会员专享', labelEn: '会员专享' }],
    })
    expect(api.saveStoreBudgets).toHaveBeenCalledWith({ budgets: [{ storeId: 'S1', monthFen: null }, { storeId: 'S2', monthFen: 123_450 }] })
    expect(w.emitted('saved')).toEqual([[page]])
  })

  it('names the field whose amount is not 元 and saves nothing, not even the other fields', async () => {
    const w = render()
    await w.get('[data-testid="budget-S2"]').setValue('12.345')
    await w.get('[data-testid="redpacket-settings"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="settings-error"]').text()).toBe('门店预算(元,留空用默认): 请输入以元为单位、最多两位小数的金额')
    await w.get('[data-testid="budget-S2"]').setValue('')
    await w.get('[data-testid="setting-minFen"]').setValue('一元')
    await w.get('[data-testid="redpacket-settings"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="settings-error"]').text()).toBe('单个最低(元): 请输入以元为单位、最多两位小数的金额')
    expect(api.saveRedPacketSettings).not.toHaveBeenCalled()
    expect(api.saveStoreBudgets).not.toHaveBeenCalled()
  })
})
