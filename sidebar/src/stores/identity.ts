import type { IdentityResolution, MemberBrief, MergePreview } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { reactive, ref, shallowRef } from 'vue'
import * as api from '../api/imports'
import { describeError } from '../utils/errors'

/** Which member of a merge: the one that stays (`into`) or the one whose orders and accounts move (`from`). */
export type MergeSide = 'into' | 'from'

/**
 * Member merges in the console: pick the two members, read what would move, merge with a second press to
 * confirm; the admins' past decisions (merges and account assignments), each undoable once.
 */
export const useIdentityStore = defineStore('identity', () => {
  const results = reactive<Record<MergeSide, MemberBrief[] | null>>({ into: null, from: null })
  const picked = reactive<Record<MergeSide, MemberBrief | null>>({ into: null, from: null })
  const preview = shallowRef<MergePreview | null>(null)
  /** The first press of 合并 arms it; the second merges. */
  const confirming = ref(false)
  const merging = ref(false)
  const lastMerge = shallowRef<IdentityResolution | null>(null)
  const resolutions = shallowRef<IdentityResolution[]>([])
  /** The decision being undone, to disable its button. */
  const undoing = ref<number | null>(null)
  const error = shallowRef<AppError | null>(null)

  async function search(side: MergeSide, q: string) {
    error.value = null
    if (!q.trim())
      return
    try {
      results[side] = (await api.searchMembers(q.trim())).members
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  async function pick(side: MergeSide, member: MemberBrief | null) {
    picked[side] = member
    preview.value = null
    confirming.value = false
    error.value = null
    const { into, from } = picked
    if (!into || !from || into.id === from.id)
      return
    try {
      const read = await api.previewMerge(into.id, from.id)
      // Only if the pair is still the one picked (a quicker later pick wins).
      if (picked.into?.id === into.id && picked.from?.id === from.id)
        preview.value = read
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  async function loadResolutions() {
    try {
      resolutions.value = (await api.listResolutions()).resolutions
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  async function merge() {
    const shown = preview.value
    if (!shown || merging.value)
      return
    if (!confirming.value) {
      confirming.value = true
      return
    }
    merging.value = true
    error.value = null
    try {
      lastMerge.value = await api.mergeMembers(shown.into.id, shown.from.id)
      picked.into = null
      picked.from = null
      results.into = null
      results.from = null
      preview.value = null
      await loadResolutions()
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      merging.value = false
      confirming.value = false
    }
  }

  function cancelMerge() {
    confirming.value = false
  }

  async function undo(id: number) {
    undoing.value = id
    error.value = null
    try {
      const undone = await api.undoResolution(id)
      if (lastMerge.value?.id === id)
        lastMerge.value = null
      resolutions.value = resolutions.value.map(r => (r.id === id ? undone : r))
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      undoing.value = null
    }
  }

  return { results, picked, preview, confirming, merging, lastMerge, resolutions, undoing, error, search, pick, loadResolutions, merge, cancelMerge, undo }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useIdentityStore, import.meta.hot))
