import type { Reply, ReplyTemplates, ReplyVariables } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { fillReplyVariables } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { getReplyTemplates } from '../api/replies'
import { describeError } from '../utils/errors'

/**
 * The quick replies, loaded once per sidebar (they do not depend on the member) and filled for each chat
 * with the member context's `replyVariables`.
 */
export const useRepliesStore = defineStore('replies', () => {
  const templates = shallowRef<ReplyTemplates | null>(null)
  const loading = ref(false)
  const error = shallowRef<AppError | null>(null)

  async function load(force = false): Promise<void> {
    if ((templates.value && !force) || loading.value)
      return
    loading.value = true
    error.value = null
    try {
      templates.value = await getReplyTemplates()
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      loading.value = false
    }
  }

  /** The replies as the member in the chat should read them (empty until the templates are loaded). */
  function filledFor(variables: ReplyVariables): Reply[] {
    return (templates.value ?? []).map(r => ({ ...r, content: fillReplyVariables(r.content, variables) }))
  }

  return { templates, loading, error, load, filledFor }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useRepliesStore, import.meta.hot))
