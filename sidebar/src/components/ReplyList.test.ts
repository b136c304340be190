import type { Reply } from '@scrm/shared'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../modules/i18n'
import ReplyList from './ReplyList.vue'

const replies: Reply[] = [
  { id: 1, groupId: 10, groupName: '开场问候', title: '添加好友欢迎', content: '曹女士您好，我是导购林晓雯' },
  { id: 2, groupId: 10, groupName: '开场问候', title: '节后回归问候', content: '假期过得开心吗？' },
  { id: 3, groupId: 20, groupName: '新品推荐', title: '秋冬大衣上新', content: '今年秋冬的双面羊绒大衣到店了' },
  { id: 4, groupId: 30, groupName: '售后', title: '退换说明', content: '七天无理由退换，羊绒制品请勿水洗' },
]

function render() {
  return mount(ReplyList, { props: { memberId: 1, replies }, global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
}

const shownIds = (w: ReturnType<typeof render>) => w.findAll('[data-testid="reply-item"]').map(b => Number(b.attributes('data-reply-id')))

describe('replyList', () => {
  it('shows one group at a time, the first by default, and switches on a chip', async () => {
    const w = render()
    expect(w.findAll('[data-testid="reply-group-chip"]').map(c => c.text())).toEqual(['开场问候', '新品推荐', '售后'])
    expect(shownIds(w)).toEqual([1, 2])
    // The active chip already names the group.
    expect(w.find('.group-name').exists()).toBe(false)
    await w.get('[data-testid="reply-group-chip"][data-group-id="20"]').trigger('click')
    expect(shownIds(w)).toEqual([3])
    expect(w.get('[data-testid="reply-group-chip"][data-group-id="20"]').attributes('aria-selected')).toBe('true')
  })

  it('searches titles, contents and group names across every group', async () => {
    const w = render()
    await w.get('[data-testid="reply-search"]').setValue('羊绒')
    expect(shownIds(w)).toEqual([3, 4])
    expect(w.find('[data-testid="reply-group-chip"]').exists()).toBe(false)
    expect(w.findAll('.group-name').map(h => h.text())).toEqual(['新品推荐', '售后'])
    await w.get('[data-testid="reply-search"]').setValue('开场')
    expect(shownIds(w)).toEqual([1, 2])
    await w.get('[data-testid="reply-search"]').setValue('不存在的话术')
    expect(shownIds(w)).toEqual([])
    expect(w.text()).toContain('没有匹配的话术')
  })
})
