import { ARCHIVE_SEARCHABLE_TYPES } from '@scrm/shared'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import SearchPanel from './SearchPanel.vue'

describe('archive search panel', () => {
  it('offers the searchable message types of the shared enum, each by its name', () => {
    const w = mount(SearchPanel, { global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
    const options = w.get('select').findAll('option')
    expect(options.map(o => o.attributes('value'))).toEqual(['', ...ARCHIVE_SEARCHABLE_TYPES])
    expect(options.find(o => o.attributes('value') === 'chatrecord')!.text()).toBe('聊天记录')
    expect(options.every(o => !o.text().includes('archive.'))).toBe(true)
  })
})
