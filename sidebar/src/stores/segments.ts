import type { SavedSegment, SegmentDefinition, SegmentOptions, SegmentPreview } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import * as api from '../api/segments'
import { describeError } from '../utils/errors'

/** The segment builder: options to build from, the definition being edited, its preview and saved segments. */
export const useSegmentsStore = defineStore('segments', () => {
  const options = shallowRef<SegmentOptions | null>(null)
  const saved = ref<SavedSegment[]>([])
  const preview = shallowRef<SegmentPreview | null>(null)
  const loading = ref(false)
  const error = shallowRef<AppError | null>(null)
  /** The form: tags, spend in yuan (the admin types yuan; the API takes 分), days, stores. */
  const form = reactive({ tagIds: [] as string[], minSpentYuan: '', maxDays: '', minDays: '', storeIds: [] as string[], name: '' })

  const definition = computed<SegmentDefinition>(() => {
    const d: SegmentDefinition = {}
    if (form.tagIds.length)
      d.tagIds = [...form.tagIds]
    if (form.minSpentYuan !== '')
      d.minSpentFen = Math.round(Number(form.minSpentYuan) * 100)
    if (form.minDays !== '')
      d.minDaysSincePurchase = Number(form.minDays)
    if (form.maxDays !== '')
      d.maxDaysSincePurchase = Number(form.maxDays)
    if (form.storeIds.length)
      d.storeIds = [...form.storeIds]
    return d
  })

  async function run<T>(work: () => Promise<T>): Promise<T | undefined> {
    loading.value = true
    error.value = null
    try {
      return await work()
    }
    catch (err) {
      error.value = describeError(err)
      return undefined
    }
    finally {
      loading.value = false
    }
  }

  async function load(): Promise<void> {
    await run(async () => {
      const [o, list] = await Promise.all([api.getSegmentOptions(), api.listSegments()])
      options.value = o
      saved.value = list.items
    })
  }

  async function runPreview(): Promise<void> {
    const result = await run(() => api.previewSegment(definition.value))
    if (result)
      preview.value = result
  }

  async function save(): Promise<void> {
    const name = form.name.trim()
    if (!name)
      return
    const segment = await run(() => api.saveSegment({ name, definition: definition.value }))
    if (segment) {
      saved.value = [segment, ...saved.value]
      form.name = ''
    }
  }

  async function remove(id: number): Promise<void> {
    await run(() => api.deleteSegment(id))
    if (!error.value)
      saved.value = saved.value.filter(s => s.id !== id)
  }

  function toggleTag(id: string): void {
    form.tagIds = form.tagIds.includes(id) ? form.tagIds.filter(t => t !== id) : [...form.tagIds, id]
    preview.value = null
  }

  return { options, saved, preview, loading, error, form, definition, load, runPreview, save, remove, toggleTag }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useSegmentsStore, import.meta.hot))
