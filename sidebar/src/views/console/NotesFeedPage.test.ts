import type { NoteFeedItem, NoteFeedQuery } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import NotesFeedPage from './NotesFeedPage.vue'

const api = vi.hoisted(() => ({
  listNotes: vi.fn(),
  createNote: vi.fn(),
  updateNote: vi.fn(),
  deleteNote: vi.fn(),
  getNoteFeed: vi.fn(),
}))
vi.mock('../../api/notes', () => api)

const TOTAL = 130

function item(id: number): NoteFeedItem {
  return {
    id,
    memberId: 1000 + id,
    kind: id % 2 ? 'complaint' : 'size',
    body: `备注 ${id}`,
    authorUserid: 'guide01',
    authorName: '林晓雯',
    createdAt: 1_764_000_000_000 - id,
    updatedAt: 1_764_000_000_000 - id,
    mine: false,
    memberName: `会员${id}`,
    externalUserid: null,
    storeName: id === 1 ? null : '静安店',
  }
}

/** A server holding TOTAL notes, answering pages of them. */
const all = Array.from({ length: TOTAL }, (_, i) => item(i + 1))

beforeEach(() => {
  vi.resetAllMocks()
  api.getNoteFeed.mockImplementation(async (q: NoteFeedQuery) => ({ items: all.slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 50)), total: TOTAL }))
})

describe('notesFeedPage', () => {
  it('says how many of the total it shows and reads the rest page by page', async () => {
    const w = mount(NotesFeedPage, { global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
    await flushPromises()
    const rows = () => w.findAll('[data-testid="notes-feed-row"]')
    expect(rows()).toHaveLength(100)
    expect(w.get('[data-testid="notes-feed-total"]').text()).toBe(`共 ${TOTAL} 条，已显示 100 条`)
    // The first row is the data's first note: member, store (— when none), kind and author.
    expect(rows()[0]!.findAll('td').map(td => td.text()).slice(1)).toEqual(['会员1', '—', '投诉', '备注 1', '林晓雯'])

    await w.get('[data-testid="notes-feed-more"]').trigger('click')
    await flushPromises()
    expect(api.getNoteFeed).toHaveBeenLastCalledWith({ limit: 100, offset: 100 })
    expect(rows().map(r => r.findAll('td')[1]!.text())).toEqual(all.map(n => n.memberName))
    expect(w.get('[data-testid="notes-feed-total"]').text()).toBe(`共 ${TOTAL} 条`)
    expect(w.find('[data-testid="notes-feed-more"]').exists()).toBe(false)
  })

  it('a kind filter starts again from the first page', async () => {
    const w = mount(NotesFeedPage, { global: { plugins: [createAppI18n('en'), createPinia()] } })
    await flushPromises()
    await w.get('[data-testid="notes-feed-kind"]').setValue('complaint')
    await flushPromises()
    expect(api.getNoteFeed).toHaveBeenLastCalledWith({ kind: 'complaint', limit: 100, offset: 0 })
    expect(w.get('[data-testid="notes-feed-total"]').text()).toBe(`100 of ${TOTAL} notes shown`)
  })
})
