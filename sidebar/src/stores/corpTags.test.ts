import type { ManagedCorpTagTree } from '@scrm/shared'
import { AxiosError, AxiosHeaders } from 'axios'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useCorpTagsStore } from './corpTags'

const api = vi.hoisted(() => ({
  getManagedCorpTags: vi.fn(),
  createCorpTagGroup: vi.fn(),
  addCorpTag: vi.fn(),
  renameCorpTagItem: vi.fn(),
  moveCorpTagItem: vi.fn(),
  deleteCorpTagItem: vi.fn(),
}))
vi.mock('../api/tags', () => api)

const tree = (name: string): ManagedCorpTagTree => ({ groups: [{ id: 'G', name, order: 1, editable: true, tags: [{ id: 'T', name: '甲', order: 0, editable: true }] }] })

/** A refusal as axios reports it: status and the server's ApiError body. */
function refusal(status: number, error: string): AxiosError {
  const headers = new AxiosHeaders()
  return new AxiosError('refused', 'ERR_BAD_REQUEST', { headers }, undefined, { status, statusText: '', headers, config: { headers }, data: { statusCode: status, error, message: 'why' } })
}

beforeEach(() => {
  vi.resetAllMocks()
  setActivePinia(createPinia())
})

describe('corp tag library store', () => {
  it('splits typed tag names on commas (either width), 、 and new lines, dropping blanks', async () => {
    api.createCorpTagGroup.mockResolvedValue(tree('到店时段'))
    const store = useCorpTagsStore()
    expect(await store.createGroup(' 到店时段 ', '周末到店，工作日到店,  晚间、\n节假日,')).toBe(true)
    expect(api.createCorpTagGroup).toHaveBeenCalledWith({ name: '到店时段', tags: ['周末到店', '工作日到店', '晚间', '节假日'] })
    expect(store.tree?.groups[0]?.name).toBe('到店时段')
  })

  it('keeps the refusal the page explains and where it happened; a tag gone in WeCom reloads the library', async () => {
    const store = useCorpTagsStore()
    store.tree = tree('旧')
    api.moveCorpTagItem.mockRejectedValue(refusal(409, 'CORP_TAG_NO_ROOM'))
    expect(await store.move('tag', 'T', 'down')).toBe(false)
    expect(store).toMatchObject({ refusal: 'CORP_TAG_NO_ROOM', failedAt: 'T', busy: null })
    expect(store.error?.kind).toBe('conflict')

    api.renameCorpTagItem.mockRejectedValue(refusal(409, 'CORP_TAG_GONE'))
    api.getManagedCorpTags.mockResolvedValue(tree('企业微信里的'))
    expect(await store.rename('tag', 'T', '乙')).toBe(false)
    expect(store.refusal).toBe('CORP_TAG_GONE')
    expect(store.tree?.groups[0]?.name).toBe('企业微信里的')

    // A code it does not know: the generic notice only.
    api.deleteCorpTagItem.mockRejectedValue(refusal(409, 'Conflict'))
    expect(await store.remove('group', 'G')).toBe(false)
    expect(store.refusal).toBeNull()
    expect(store.failedAt).toBe('G')

    api.addCorpTag.mockResolvedValue(tree('新'))
    expect(await store.addTag('G', ' 丙 ')).toBe(true)
    expect(api.addCorpTag).toHaveBeenCalledWith('G', '丙')
    expect(store).toMatchObject({ error: null, refusal: null, failedAt: null })
  })
})
