import type { CorpTagTree, MemberTag } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { editMemberTags, getCorpTags } from '../api/tags'
import { describeError } from '../utils/errors'
import { useMemberStore } from './member'

/** The tag editor: the corp tag tree (loaded once) and the guide's pending selection for the open member. */
export const useTagsStore = defineStore('tags', () => {
  const tree = shallowRef<CorpTagTree | null>(null)
  const editing = ref(false)
  /** Tag ids on the guide's own relation as the editor shows them (saved when `save` succeeds). */
  const selected = ref<Set<string>>(new Set())
  const saving = ref(false)
  const error = shallowRef<AppError | null>(null)
  let original = new Set<string>()

  async function open(tags: MemberTag[]): Promise<void> {
    error.value = null
    original = new Set(tags.filter(t => t.source === 'wecom' && t.mine).map(t => t.id))
    selected.value = new Set(original)
    editing.value = true
    if (!tree.value) {
      try {
        tree.value = await getCorpTags()
      }
      catch (err) {
        error.value = describeError(err)
      }
    }
  }

  function toggle(id: string): void {
    const next = new Set(selected.value)
    if (next.has(id))
      next.delete(id)
    else
      next.add(id)
    selected.value = next
  }

  function cancel(): void {
    editing.value = false
    error.value = null
  }

  /** Sends the difference; on success the member's tags are replaced by the server's answer. */
  async function save(memberId: number): Promise<void> {
    const add = [...selected.value].filter(id => !original.has(id))
    const remove = [...original].filter(id => !selected.value.has(id))
    if (add.length === 0 && remove.length === 0) {
      editing.value = false
      return
    }
    saving.value = true
    error.value = null
    try {
      const { tags } = await editMemberTags(memberId, { add, remove })
      const member = useMemberStore()
      if (member.context?.member.id === memberId)
        member.context = { ...member.context, tags }
      editing.value = false
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      saving.value = false
    }
  }

  return { tree, editing, selected, saving, error, open, toggle, cancel, save }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useTagsStore, import.meta.hot))
