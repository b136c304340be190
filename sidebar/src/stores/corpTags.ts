import type { CorpTagMove, CorpTagRefusal, ManagedCorpTagTree, WecomServiceErrorCode } from '@scrm/shared'
import type { CorpTagItemKind } from '../api/tags'
import type { AppError } from '../utils/errors'
import { corpTagRefusals, WecomServiceErrorCode as WecomCodes } from '@scrm/shared'
import { isAxiosError } from 'axios'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import * as api from '../api/tags'
import { describeError } from '../utils/errors'

/** A refusal the page explains in its own words (`corpTags.refused.*`): the library's own, or WeCom's. */
export type CorpTagPageRefusal = CorpTagRefusal | WecomServiceErrorCode

const explained = new Set<string>([...corpTagRefusals, ...WecomCodes.enum])

function refusalOf(err: unknown): CorpTagPageRefusal | null {
  if (!isAxiosError(err))
    return null
  const code: unknown = (err.response?.data as { error?: unknown } | undefined)?.error
  return typeof code === 'string' && explained.has(code) ? code as CorpTagPageRefusal : null
}

/** The console's corp tag library: the tree as the server last answered it, and what is in flight. */
export const useCorpTagsStore = defineStore('corpTags', () => {
  const tree = shallowRef<ManagedCorpTagTree | null>(null)
  /** The id of the group or tag being changed ('new' while a group is created); one change at a time. */
  const busy = ref<string | null>(null)
  const error = shallowRef<AppError | null>(null)
  const refusal = ref<CorpTagPageRefusal | null>(null)
  /** Where the last change failed (the id it was busy with), so the page says it there. */
  const failedAt = ref<string | null>(null)

  /** Runs one change; the answer is the whole library. False when it was refused or failed. */
  async function change(id: string, work: () => Promise<ManagedCorpTagTree>): Promise<boolean> {
    if (busy.value)
      return false
    busy.value = id
    error.value = null
    refusal.value = null
    failedAt.value = null
    try {
      tree.value = await work()
      return true
    }
    catch (err) {
      error.value = describeError(err)
      refusal.value = refusalOf(err)
      failedAt.value = id
      // WeCom no longer has it (the server pulled the library again): show what is there now.
      if (refusal.value === 'CORP_TAG_GONE')
        tree.value = await api.getManagedCorpTags().catch(() => tree.value)
      return false
    }
    finally {
      busy.value = null
    }
  }

  async function load(): Promise<void> {
    await change('load', api.getManagedCorpTags)
  }

  /** A new group from its name and tag names (one per line, or separated by commas). */
  async function createGroup(name: string, tagText: string): Promise<boolean> {
    const tags = tagText.split(/[\n,，、]/).map(t => t.trim()).filter(Boolean)
    return change('new', () => api.createCorpTagGroup({ name: name.trim(), tags }))
  }

  async function addTag(groupId: string, name: string): Promise<boolean> {
    return change(groupId, () => api.addCorpTag(groupId, name.trim()))
  }

  async function rename(kind: CorpTagItemKind, id: string, name: string): Promise<boolean> {
    return change(id, () => api.renameCorpTagItem(kind, id, name.trim()))
  }

  async function move(kind: CorpTagItemKind, id: string, direction: CorpTagMove['direction']): Promise<boolean> {
    return change(id, () => api.moveCorpTagItem(kind, id, direction))
  }

  async function remove(kind: CorpTagItemKind, id: string): Promise<boolean> {
    return change(id, () => api.deleteCorpTagItem(kind, id))
  }

  return { tree, busy, error, refusal, failedAt, load, createGroup, addTag, rename, move, remove }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useCorpTagsStore, import.meta.hot))
