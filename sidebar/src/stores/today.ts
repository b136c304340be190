import type { TodayList } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { errorMessage, getToday } from '../api/client'

/** 今日待联系: the guide's members ranked by worth of contacting today. */
export const useTodayStore = defineStore('today', () => {
  const list = shallowRef<TodayList | null>(null)
  const loading = ref(false)
  const errorText = ref('')

  async function load(force = false): Promise<void> {
    if ((list.value && !force) || loading.value)
      return
    loading.value = true
    errorText.value = ''
    try {
      list.value = await getToday(20)
    }
    catch (err) {
      errorText.value = errorMessage(err)
    }
    finally {
      loading.value = false
    }
  }

  return { list, loading, errorText, load }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useTodayStore, import.meta.hot))
