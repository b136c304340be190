import type { TodayList } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { getToday } from '../api/client'
import { describeError } from '../utils/errors'

/** 今日待联系: the guide's members ranked by worth of contacting today. */
export const useTodayStore = defineStore('today', () => {
  const list = shallowRef<TodayList | null>(null)
  const loading = ref(false)
  const error = shallowRef<AppError | null>(null)

  async function load(force = false): Promise<void> {
    if ((list.value && !force) || loading.value)
      return
    loading.value = true
    error.value = null
    try {
      list.value = await getToday(20)
    }
    catch (err) {
      error.value = describeError(err)
    }
    finally {
      loading.value = false
    }
  }

  return { list, loading, error, load }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useTodayStore, import.meta.hot))
