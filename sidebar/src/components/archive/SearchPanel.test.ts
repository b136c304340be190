import { ARCHIVE_SEARCHABLE_TYPES } from '@scrm/shared'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import { useArchiveStore } from '../../stores/archive'
import SearchPanel from './SearchPanel.vue'

describe('archive search panel', () => {
  it('offers the searchable message types of the shared enum, each by its name', () => {
    const w = mount(SearchPanel, { global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
    const options = w.get('select').findAll('option')
    expect(options.map(o => o.attributes('value'))).toEqual(['', ...ARCHIVE_SEARCHABLE_TYPES])
    expect(options.find(o => o.attributes('value') === 'chatrecord')!.text()).toBe('聊天记录')
    expect(options.every(o => !o.text().includes('archive.'))).toBe(true)
  })

  it('searches the picked days as whole Shanghai days, from 00:00 to the next 00:00 (16:00 UTC)', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const runSearch = vi.spyOn(useArchiveStore(), 'runSearch').mockResolvedValue(undefined)
    const w = mount(SearchPanel, { global: { plugins: [createAppI18n('zh-CN'), pinia] } })
    await w.get('[data-testid="archive-search-input"]').setValue('退款')
    const [from, to] = w.findAll('input[type="date"]')
    await from!.setValue('2026-12-01')
    await to!.setValue('2026-12-02')
    await w.get('form').trigger('submit')
    expect(runSearch).toHaveBeenCalledWith(expect.objectContaining({ q: '退款', from: Date.UTC(2026, 10, 30, 16), to: Date.UTC(2026, 11, 2, 16) }))
  })
})
