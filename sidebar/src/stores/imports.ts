import type { IdentityResolution, ImportSummary, Platform, UnmatchedList } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import * as api from '../api/imports'
import { describeError } from '../utils/errors'

const POLL_MS = 1000

/** Order imports in the console: the upload, the running import's progress and report, the unmatched queue. */
export const useImportsStore = defineStore('imports', () => {
  /** null = detect from the header. */
  const platform = ref<Platform | null>(null)
  const uploading = ref(false)
  /** 0…1 of the bytes sent. */
  const uploadProgress = ref(0)
  /** The import started last (or picked from the history), polled until it ends. */
  const current = shallowRef<ImportSummary | null>(null)
  const history = shallowRef<ImportSummary[]>([])
  /** The queue's pages loaded so far, appended: `nextCursor` is the last page's. */
  const unmatched = shallowRef<UnmatchedList | null>(null)
  const loadingMoreUnmatched = ref(false)
  /** The last assignment, offered for undo. */
  const lastResolution = shallowRef<IdentityResolution | null>(null)
  const error = shallowRef<AppError | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined

  async function loadHistory() {
    try {
      history.value = (await api.listImports()).imports
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  /** The queue from its first page (after a change to it, the pages loaded before are stale). */
  async function loadUnmatched() {
    try {
      unmatched.value = await api.listUnmatched()
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  async function loadMoreUnmatched() {
    const shown = unmatched.value
    if (!shown?.nextCursor || loadingMoreUnmatched.value)
      return
    loadingMoreUnmatched.value = true
    try {
      const next = await api.listUnmatched(shown.nextCursor)
      unmatched.value = { ...next, buyers: [...shown.buyers, ...next.buyers] }
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      loadingMoreUnmatched.value = false
    }
  }

  /**
   * Shows an import and follows it while it runs. Only an import seen running can have changed the history
   * and the unmatched queue, so only then are they read again (not when a finished one is picked).
   */
  async function poll(id: number, watching = false) {
    clearTimeout(timer)
    try {
      current.value = await api.getImport(id)
    }
    catch (err) {
      error.value = describeError(err)
      return
    }
    if (current.value.status === 'queued' || current.value.status === 'running') {
      timer = setTimeout(() => void poll(id, true), POLL_MS)
      return
    }
    if (watching)
      await Promise.all([loadHistory(), loadUnmatched()])
  }

  /** Uploads the export (and Taobao's item file), starts the import and follows it to its report. */
  async function run(file: File, itemsFile: File | null) {
    error.value = null
    uploading.value = true
    uploadProgress.value = 0
    try {
      const total = file.size + (itemsFile?.size ?? 0)
      const uploaded = await api.uploadImportFile(file, f => (uploadProgress.value = (f * file.size) / total))
      const items = itemsFile ? await api.uploadImportFile(itemsFile, f => (uploadProgress.value = (file.size + f * itemsFile.size) / total)) : null
      const started = await api.startImport({ fileId: uploaded.fileId, itemsFileId: items?.fileId, platform: platform.value ?? undefined })
      uploading.value = false
      await poll(started.importId, true)
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      uploading.value = false
    }
  }

  async function assign(orderId: number, memberId: number) {
    error.value = null
    try {
      lastResolution.value = await api.assignUnmatched(orderId, memberId)
      await loadUnmatched()
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  async function undoLast() {
    if (!lastResolution.value)
      return
    try {
      await api.undoResolution(lastResolution.value.id)
      lastResolution.value = null
      await loadUnmatched()
    }
    catch (err) {
      error.value = describeError(err)
    }
  }

  function stop() {
    clearTimeout(timer)
  }

  return { platform, uploading, uploadProgress, current, history, unmatched, loadingMoreUnmatched, lastResolution, error, loadHistory, loadUnmatched, loadMoreUnmatched, poll, run, assign, undoLast, stop }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useImportsStore, import.meta.hot))
