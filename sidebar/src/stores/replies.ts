import type { ReplyGroup } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { getReplyLibrary } from '../api/replies'
import { describeError } from '../utils/errors'

/**
 * The quick-reply library, loaded once per sidebar (it does not depend on the member, only on the guide's
 * store) and filled for each chat with the member context's `replyVariables`.
 */
export const useRepliesStore = defineStore('replies', () => {
  /** null until loaded. */
  const groups = shallowRef<ReplyGroup[] | null>(null)
  const loading = ref(false)
  const error = shallowRef<AppError | null>(null)

  async function load(force = false): Promise<void> {
    if ((groups.value && !force) || loading.value)
      return
    loading.value = true
    error.value = null
    try {
      groups.value = await getReplyLibrary()
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      loading.value = false
    }
  }

  return { groups, loading, error, load }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useRepliesStore, import.meta.hot))
