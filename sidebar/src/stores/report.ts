import type { ConversionReport } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { errorMessage, errorStatus, getConversionReport } from '../api/client'

/** Conversion report for supervisors/admins (guides get 403). */
export const useReportStore = defineStore('report', () => {
  const report = shallowRef<ConversionReport | null>(null)
  const loading = ref(false)
  const errorText = ref('')
  const forbidden = ref(false)

  async function load(force = false): Promise<void> {
    if ((report.value && !force) || loading.value)
      return
    loading.value = true
    errorText.value = ''
    try {
      report.value = await getConversionReport()
    }
    catch (err) {
      forbidden.value = errorStatus(err) === 403
      errorText.value = errorMessage(err)
    }
    finally {
      loading.value = false
    }
  }

  return { report, loading, errorText, forbidden, load }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useReportStore, import.meta.hot))
