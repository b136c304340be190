import type { CreateNoteRequest, Note } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import MemberNotes from './MemberNotes.vue'

const api = vi.hoisted(() => ({
  listNotes: vi.fn(),
  createNote: vi.fn(),
  updateNote: vi.fn(),
  deleteNote: vi.fn(),
  getNoteFeed: vi.fn(),
}))
vi.mock('../../api/notes', () => api)

function note(id: number, over: Partial<Note> = {}): Note {
  return {
    id,
    memberId: 7,
    kind: 'size',
    body: `备注 ${id}`,
    authorUserid: 'guide01',
    authorName: '林晓雯',
    createdAt: 1_764_000_000_000 + id,
    updatedAt: 1_764_000_000_000 + id,
    mine: true,
    ...over,
  }
}

function render() {
  return mount(MemberNotes, { props: { memberId: 7 }, global: { plugins: [createAppI18n('zh-CN'), createPinia()] } })
}

beforeEach(() => {
  vi.resetAllMocks()
})

describe('memberNotes', () => {
  it('lists the member\'s notes with kind, author and a count that matches; only her own can be edited', async () => {
    api.listNotes.mockResolvedValue({ items: [note(2, { kind: 'complaint', body: '快递晚了' }), note(1, { mine: false, authorName: '陈佳怡' })] })
    const w = render()
    await flushPromises()
    expect(api.listNotes).toHaveBeenCalledWith(7)
    const rows = w.findAll('[data-testid="note"]')
    expect(rows).toHaveLength(2)
    expect(w.get('[data-testid="notes-count"]').text()).toBe('2 条')
    expect(rows[0]!.text()).toContain('投诉')
    expect(rows[0]!.text()).toContain('快递晚了')
    expect(rows[1]!.text()).toContain('陈佳怡')
    expect(rows[0]!.find('[data-testid="note-edit"]').exists()).toBe(true)
    expect(rows[1]!.find('[data-testid="note-edit"]').exists()).toBe(false)
  })

  it('adds a note of the chosen kind on top; blank text cannot be sent', async () => {
    api.listNotes.mockResolvedValue({ items: [note(1)] })
    api.createNote.mockImplementation(async (body: CreateNoteRequest) => note(3, { kind: body.kind, body: body.body }))
    const w = render()
    await flushPromises()
    expect(w.get('[data-testid="note-add"]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid="note-kind"][data-kind="family"]').trigger('click')
    await w.get('[data-testid="note-body"]').setValue('女儿 6 岁')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.createNote).toHaveBeenCalledWith({ memberId: 7, kind: 'family', body: '女儿 6 岁' })
    expect(w.findAll('[data-testid="note-text"]').map(p => p.text())).toEqual(['女儿 6 岁', '备注 1'])
    expect(w.get('[data-testid="notes-count"]').text()).toBe('2 条')
    expect((w.get('[data-testid="note-body"]').element as HTMLTextAreaElement).value).toBe('')
  })

  it('deletes only after a second tap', async () => {
    api.listNotes.mockResolvedValue({ items: [note(1)] })
    api.deleteNote.mockResolvedValue(undefined)
    const w = render()
    await flushPromises()
    await w.get('[data-testid="note-delete"]').trigger('click')
    expect(api.deleteNote).not.toHaveBeenCalled()
    expect(w.get('[data-testid="note-delete"]').text()).toBe('确认删除')
    await w.get('[data-testid="note-delete"]').trigger('click')
    await flushPromises()
    expect(api.deleteNote).toHaveBeenCalledWith(1)
    expect(w.findAll('[data-testid="note"]')).toHaveLength(0)
    expect(w.find('[data-testid="notes-empty"]').exists()).toBe(true)
  })
})
