import type { MemberTag } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import MemberTags from '../MemberTags.vue'

const api = vi.hoisted(() => ({ getCorpTags: vi.fn(), editMemberTags: vi.fn() }))
vi.mock('../../api/tags', () => api)

const tags: MemberTag[] = [
  { id: 'T1', name: '金卡', groupName: '客户等级', source: 'wecom', mine: true, explanation: null },
  { id: 'T9', name: '直播', groupName: '来源渠道', source: 'wecom', mine: false, explanation: null },
  { id: 'personal:我的/爱聊天', name: '爱聊天', groupName: '我的', source: 'personal', mine: true, explanation: null },
  { id: 'c:lifecycle:sleeping', name: '沉睡', groupName: '生命周期', source: 'computed', mine: false, explanation: { key: 'lifecycle.sleeping', params: { gapDays: 130, rhythmDays: 60, purchaseDays: 4 } } },
]

function mountTags(locale: 'zh-CN' | 'en' = 'zh-CN') {
  return mount(MemberTags, { props: { memberId: 42, tags, canEdit: true }, global: { plugins: [createAppI18n(locale)] } })
}

describe('memberTags', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    api.getCorpTags.mockReset()
    api.editMemberTags.mockReset()
  })

  it('shows corp, personal and computed tags apart, and a computed tag\'s reason on tap with its numbers', async () => {
    const w = mountTags()
    expect(w.get('[data-testid="member-tags-corp"]').text()).toContain('金卡')
    expect(w.get('[data-testid="member-tags-personal"]').text()).toContain('爱聊天')
    expect(w.get('[data-testid="member-tags-corp"]').text()).not.toContain('爱聊天')
    expect(w.find('[data-testid="member-tag-why"]').exists()).toBe(false)
    await w.get('[data-tag-id="c:lifecycle:sleeping"]').trigger('click')
    expect(w.get('[data-testid="member-tag-why"]').text()).toBe('距上次购买 130 天，超过她购买周期 60 天的 2 倍')
  })

  it('sends only the difference of the guide\'s own relation and shows the server\'s answer', async () => {
    api.getCorpTags.mockResolvedValue({ groups: [{ id: 'G', name: '客户等级', tags: [{ id: 'T1', name: '金卡' }, { id: 'T2', name: '银卡' }] }] })
    api.editMemberTags.mockResolvedValue({ tags: [] })
    const w = mountTags()
    await w.get('[data-testid="member-tags-edit"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-tag-id="T1"]').attributes('aria-pressed')).toBe('true')
    await w.get('[data-tag-id="T1"]').trigger('click')
    await w.get('[data-tag-id="T2"]').trigger('click')
    await w.get('[data-testid="tag-editor-save"]').trigger('click')
    await flushPromises()
    expect(api.editMemberTags).toHaveBeenCalledWith(42, { add: ['T2'], remove: ['T1'] })
    expect(w.find('[data-testid="tag-editor"]').exists()).toBe(false)
  })
})
