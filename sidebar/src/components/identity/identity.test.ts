// The merge screen: two members picked, what would move shown, merged only on a second press, and each past
// decision undoable once.
import type { IdentityResolution, MemberBrief, MergePreview } from '@scrm/shared'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppI18n } from '../../modules/i18n'
import IdentityPage from '../../views/console/IdentityPage.vue'

const api = vi.hoisted(() => ({ searchMembers: vi.fn(), previewMerge: vi.fn(), mergeMembers: vi.fn(), listResolutions: vi.fn(), undoResolution: vi.fn() }))
vi.mock('../../api/imports', () => api)

const zhang: MemberBrief = { id: 3, name: '张三', phoneMasked: '138****1234', externalUserid: 'wmZ', orders: 4, identities: 1 }
const li: MemberBrief = { id: 7, name: '李四', phoneMasked: null, externalUserid: null, orders: 2, identities: 1 }
const preview: MergePreview = { into: zhang, from: li, ordersByPlatform: [{ platform: 'taobao', orders: 2, paidFen: 45_800 }], identities: [{ platform: 'taobao', buyerId: 'tb_bob' }] }
const merged: IdentityResolution = { id: 11, action: 'merge', memberId: 3, memberName: '张三', platform: null, buyerId: null, fromMemberId: 7, fromMemberName: '李四', orders: 2, createdBy: 'admin1', createdByName: '管理员', createdAt: Date.UTC(2026, 9, 1), undoneAt: null }
const assigned: IdentityResolution = { ...merged, id: 10, action: 'assign', memberId: 7, memberName: '李四', platform: 'jd', buyerId: 'jd_carol', fromMemberId: null, fromMemberName: null, orders: 1 }

async function pick(w: ReturnType<typeof mount>, side: 'from' | 'into', member: MemberBrief) {
  api.searchMembers.mockResolvedValueOnce({ members: [member] })
  const picker = w.get(`[data-testid="merge-${side}"]`)
  await picker.get('input').setValue(member.name)
  await picker.get('form').trigger('submit')
  await flushPromises()
  await picker.get(`[data-testid="merge-result"][data-member-id="${member.id}"]`).trigger('click')
  await flushPromises()
}

describe('member merge console', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    for (const fn of Object.values(api)) fn.mockReset()
    api.listResolutions.mockResolvedValue({ resolutions: [assigned] })
  })

  it('shows what the merge moves and merges only on the second press', async () => {
    api.previewMerge.mockResolvedValue(preview)
    const w = mount(IdentityPage, { global: { plugins: [createAppI18n('zh-CN')] } })
    await flushPromises()
    await pick(w, 'from', li)
    expect(w.find('[data-testid="merge-preview"]').exists()).toBe(false)
    await pick(w, 'into', zhang)
    expect(api.previewMerge).toHaveBeenCalledWith(3, 7)
    const shown = w.get('[data-testid="merge-preview"]')
    expect(shown.text()).toContain('合并将从「李四」移到「张三」')
    expect(shown.get('[data-testid="merge-preview-platform"]').text()).toMatch(/淘宝\s*2\s*¥458\.00/)
    expect(shown.get('[data-testid="merge-preview-identity"]').text()).toContain('tb_bob')

    await w.get('[data-testid="merge-submit"]').trigger('click')
    expect(api.mergeMembers).not.toHaveBeenCalled()
    expect(w.get('[data-testid="merge-submit"]').text()).toBe('确认合并？再按一次')
    api.mergeMembers.mockResolvedValue(merged)
    api.listResolutions.mockResolvedValue({ resolutions: [merged, assigned] })
    await w.get('[data-testid="merge-submit"]').trigger('click')
    await flushPromises()
    expect(api.mergeMembers).toHaveBeenCalledWith(3, 7)
    expect(w.get('[data-testid="merge-done"]').text()).toContain('已把「李四」的 2 单合并到「张三」')
    const rows = w.findAll('[data-testid="identity-resolution"]')
    expect(rows.map(r => r.findAll('td').slice(1, 5).map(c => c.text()))).toEqual([
      ['合并会员', '李四（#7）→ 张三（#3）', '2', '管理员'],
      ['关联账号', '京东 jd_carol → 李四（#7）', '1', '管理员'],
    ])
  })

  it('a cancelled confirmation merges nothing; picking the same member twice is refused before any call', async () => {
    api.previewMerge.mockResolvedValue(preview)
    const w = mount(IdentityPage, { global: { plugins: [createAppI18n('zh-CN')] } })
    await pick(w, 'from', li)
    await pick(w, 'into', zhang)
    await w.get('[data-testid="merge-submit"]').trigger('click')
    await w.get('[data-testid="merge-cancel"]').trigger('click')
    expect(w.get('[data-testid="merge-submit"]').text()).toBe('合并')
    expect(api.mergeMembers).not.toHaveBeenCalled()

    await w.get('[data-testid="merge-into"] [data-testid="merge-change"]').trigger('click')
    api.previewMerge.mockClear()
    await pick(w, 'into', li)
    expect(api.previewMerge).not.toHaveBeenCalled()
    expect(w.text()).toContain('不能把会员合并到自己')
    expect(w.find('[data-testid="merge-submit"]').exists()).toBe(false)
  })

  it('undoes a past decision: its row then says when, and offers no second undo', async () => {
    api.undoResolution.mockResolvedValue({ ...assigned, undoneAt: Date.UTC(2026, 9, 2) })
    const w = mount(IdentityPage, { global: { plugins: [createAppI18n('zh-CN')] } })
    await flushPromises()
    await w.get('[data-testid="resolution-undo"]').trigger('click')
    await flushPromises()
    expect(api.undoResolution).toHaveBeenCalledWith(10)
    expect(w.find('[data-testid="resolution-undo"]').exists()).toBe(false)
    expect(w.get('[data-testid="resolution-undone"]').text()).toMatch(/^已撤销 /)
  })
})
