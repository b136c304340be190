import type { Note, NoteFeed, NoteFeedQuery, NoteKind } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { createNote, deleteNote, getNoteFeed, listNotes, updateNote } from '../api/notes'
import { describeError } from '../utils/errors'

export type NoteFeedFilter = Omit<NoteFeedQuery, 'limit' | 'offset'>

/** Notes per page of the supervisors' feed. */
const FEED_PAGE = 100

/** The notes of the member in the chat, and the supervisors' feed across their stores. */
export const useNotesStore = defineStore('notes', () => {
  const memberId = ref<number | null>(null)
  const items = shallowRef<Note[]>([])
  const loading = ref(false)
  const saving = ref(false)
  const error = shallowRef<AppError | null>(null)
  const feed = shallowRef<NoteFeed | null>(null)

  async function load(id: number): Promise<void> {
    memberId.value = id
    loading.value = true
    error.value = null
    try {
      const list = await listNotes(id)
      if (memberId.value === id)
        items.value = list.items
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      loading.value = false
    }
  }

  /** Runs a change; true when it went through, else `error` says why. */
  async function save(work: () => Promise<void>): Promise<boolean> {
    saving.value = true
    error.value = null
    try {
      await work()
      return true
    }
    catch (err) {
      error.value = describeError(err)
      return false
    }
    finally {
      saving.value = false
    }
  }

  const add = async (kind: NoteKind, body: string) => save(async () => {
    const note = await createNote({ memberId: memberId.value!, kind, body })
    items.value = [note, ...items.value]
  })

  const edit = async (id: number, kind: NoteKind, body: string) => save(async () => {
    const note = await updateNote(id, { kind, body })
    items.value = items.value.map(n => (n.id === id ? note : n))
  })

  const remove = async (id: number) => save(async () => {
    await deleteNote(id)
    items.value = items.value.filter(n => n.id !== id)
  })

  /** The feed's filter; a page read for another filter is dropped. */
  let feedFilter: NoteFeedFilter = {}

  async function readFeed(filter: NoteFeedFilter, offset: number): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await getNoteFeed({ ...filter, limit: FEED_PAGE, offset })
      if (filter === feedFilter)
        feed.value = { items: offset === 0 ? page.items : [...(feed.value?.items ?? []), ...page.items], total: page.total }
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      loading.value = false
    }
  }

  /** The first page of the feed for `filter`. */
  async function loadFeed(filter: NoteFeedFilter): Promise<void> {
    feedFilter = filter
    await readFeed(filter, 0)
  }

  /** The next page, appended. */
  async function loadMoreFeed(): Promise<void> {
    await readFeed(feedFilter, feed.value?.items.length ?? 0)
  }

  return { memberId, items, loading, saving, error, feed, load, add, edit, remove, loadFeed, loadMoreFeed }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useNotesStore, import.meta.hot))
