import type { ConversionReport, Me, RedPacketSettingsPage, RedPacketSpend } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../modules/i18n'
import { router } from '../modules/router'
import ConsolePage from './ConsolePage.vue'

const api = vi.hoisted(() => ({ getMe: vi.fn(), getConversionReport: vi.fn() }))
vi.mock('../api/client', async importOriginal => ({
  ...await importOriginal<typeof import('../api/client')>(),
  getMe: api.getMe,
  getConversionReport: api.getConversionReport,
}))
const redPacketsApi = vi.hoisted(() => ({ getRedPacketSettings: vi.fn(), getRedPacketSpend: vi.fn() }))
vi.mock('../api/redpackets', async importOriginal => ({
  ...await importOriginal<typeof import('../api/redpackets')>(),
  ...redPacketsApi,
}))

const me = (role: Me['role']) => ({ userid: 'u1', name: '林晓雯', role, corpId: 'ww1', agentId: 1000002, storeId: 's1' }) as Me
const settingsPage: RedPacketSettingsPage = {
  settings: { minFen: 100, maxFen: 20_000, guideDayCount: 20, guideDayFen: 100_000, memberDayCount: 1, memberDayFen: 20_000, memberMonthCount: 3, memberMonthFen: 50_000, storeMonthFen: 500_000, presetsFen: [888], reasons: [{ code: 'review', label: '好评奖励', labelEn: 'Review reward' }], actName: '会员关怀', defaultWishing: '感谢您的支持' },
  storeBudgets: [],
}
const noSpend = { key: '', label: '', packets: 0, spentFen: 0, pendingFen: 0, followedOrders: 0, followedRevenueFen: 0 }
const spend: RedPacketSpend = { month: '2026-12', windowDays: 7, total: noSpend, byStore: [], byGuide: [], byReason: [], byDay: [] }
const report: ConversionReport = { from: 0, to: 86_400_000, attributionWindowDays: 7, rows: [] } as unknown as ConversionReport

async function render(path = '/console') {
  await router.push(path)
  await router.isReady()
  return mount(ConsolePage, { global: { plugins: [createAppI18n('zh-CN'), createPinia(), router] } })
}

describe('console route', () => {
  beforeEach(() => {
    api.getMe.mockReset()
    api.getConversionReport.mockReset().mockResolvedValue(report)
  })

  it('is a route of the same app as the chat sidebar', () => {
    expect(router.resolve('/console').name).toBe('console-overview')
    expect(router.resolve('/').name).toBe('sidebar')
    expect(router.resolve('/console').href).toBe('/app/console')
  })

  it('shows the conversion report to a supervisor', async () => {
    api.getMe.mockResolvedValue(me('supervisor'))
    const w = await render()
    await flushPromises()
    expect(w.find('[data-testid="conversion-report"]').exists()).toBe(true)
    expect(api.getConversionReport).toHaveBeenCalled()
  })

  it('tells a guide the console is not for them, without loading the report', async () => {
    api.getMe.mockResolvedValue(me('guide'))
    const w = await render()
    await flushPromises()
    expect(w.get('[data-testid="console-forbidden"]').text()).toContain('仅供店长和管理员使用')
    expect(api.getConversionReport).not.toHaveBeenCalled()
  })

  it('lists in its nav only the pages the role may open', async () => {
    api.getMe.mockResolvedValue(me('supervisor'))
    const w = await render()
    await flushPromises()
    const links = w.get('[data-testid="console-nav"]').findAll('a').map(a => a.text())
    expect(links).toContain('转化报表')
  })

  it('asks /api/me once for the console and the page it opens', async () => {
    api.getMe.mockResolvedValue(me('admin'))
    redPacketsApi.getRedPacketSettings.mockResolvedValue(settingsPage)
    redPacketsApi.getRedPacketSpend.mockResolvedValue(spend)
    const w = await render('/console/red-packets')
    await flushPromises()
    expect(w.find('[data-testid="redpackets-console"]').exists()).toBe(true)
    expect(redPacketsApi.getRedPacketSettings).toHaveBeenCalled()
    expect(api.getMe).toHaveBeenCalledTimes(1)
  })
})
