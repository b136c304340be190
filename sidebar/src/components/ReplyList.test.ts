import type { ReplyGroup, ReplyVariableValues } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../modules/i18n'
import ReplyList from './ReplyList.vue'

const api = vi.hoisted(() => ({ getReplyLibrary: vi.fn() }))
vi.mock('../api/replies', () => api)

/** The library as GET /api/reply-groups?withReplies=true serves it: templates, an empty group included. */
const library: ReplyGroup[] = [
  { id: 10, name: '开场问候', sortOrder: 1, replyCount: 2, replies: [
    { id: 1, title: '添加好友欢迎', content: '{{称呼}}您好，我是导购{{导购}}' },
    { id: 2, title: '节后回归问候', content: '假期过得开心吗？' },
  ] },
  { id: 15, name: '空分组', sortOrder: 2, replyCount: 0, replies: [] },
  { id: 20, name: '新品推荐', sortOrder: 3, replyCount: 1, replies: [{ id: 3, title: '秋冬大衣上新', content: '今年秋冬的双面羊绒大衣到店了' }] },
  { id: 30, name: '售后', sortOrder: 4, replyCount: 1, replies: [{ id: 4, title: '退换说明', content: '七天无理由退换，羊绒制品请勿水洗' }] },
]
const variables: ReplyVariableValues = { 称呼: '曹女士', 导购: '林晓雯', 门店: '静安店', 最近购买: '', 最近购买日期: '', 会员等级: '' }

async function render(pinia = createPinia(), vars = variables) {
  const w = mount(ReplyList, { props: { memberId: 1, variables: vars }, global: { plugins: [createAppI18n('zh-CN'), pinia] } })
  await flushPromises()
  return w
}

beforeEach(() => {
  api.getReplyLibrary.mockReset()
  api.getReplyLibrary.mockResolvedValue(library)
})

const shownIds = (w: Awaited<ReturnType<typeof render>>) => w.findAll('[data-testid="reply-item"]').map(b => Number(b.attributes('data-reply-id')))

describe('replyList', () => {
  it('shows one group at a time, the first by default, and switches on a chip', async () => {
    const w = await render()
    expect(w.findAll('[data-testid="reply-group-chip"]').map(c => c.text())).toEqual(['开场问候', '新品推荐', '售后'])
    expect(shownIds(w)).toEqual([1, 2])
    // The active chip already names the group.
    expect(w.find('.group-name').exists()).toBe(false)
    await w.get('[data-testid="reply-group-chip"][data-group-id="20"]').trigger('click')
    expect(shownIds(w)).toEqual([3])
    expect(w.get('[data-testid="reply-group-chip"][data-group-id="20"]').attributes('aria-selected')).toBe('true')
  })

  it('searches titles, contents and group names across every group', async () => {
    const w = await render()
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

  it('fills the templates with the chat\'s variables, and loads the library once for every chat', async () => {
    const pinia = createPinia()
    const w = await render(pinia)
    expect(w.get('[data-testid="reply-item"][data-reply-id="1"] .content').text()).toBe('曹女士您好，我是导购林晓雯')
    await w.setProps({ memberId: 2, variables: { ...variables, 称呼: '王先生' } })
    expect(w.get('[data-testid="reply-item"][data-reply-id="1"] .content').text()).toBe('王先生您好，我是导购林晓雯')
    w.unmount()
    await render(pinia)
    expect(api.getReplyLibrary).toHaveBeenCalledTimes(1)
  })

  it('says when the library did not load, and retries', async () => {
    api.getReplyLibrary.mockRejectedValueOnce(new Error('network down'))
    const w = await render()
    expect(w.find('[data-testid="replies-error"]').exists()).toBe(true)
    expect(shownIds(w)).toEqual([])
    await w.get('[data-testid="replies-retry"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="replies-error"]').exists()).toBe(false)
    expect(shownIds(w)).toEqual([1, 2])
  })
})
