import type { ConversionReport } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { errorStatus, getConversionReport } from '../api/client'
import { describeError } from '../utils/errors'

/** Conversion report for supervisors/admins (guides get 403). */
export const useReportStore = defineStore('report', () => {
  const report = shallowRef<ConversionReport | null>(null)
  const loading = ref(false)
  const error = shallowRef<AppError | null>(null)
  const forbidden = ref(false)

  async function load(force = false): Promise<void> {
    if ((report.value && !force) || loading.value)
      return
    loading.value = true
    error.value = null
    try {
      report.value = await getConversionReport()
    }
    catch (err) {
      forbidden.value = errorStatus(err) === 403
      error.value = describeError(err)
    }
    finally {
      loading.value = false
    }
  }

  return { report, loading, error, forbidden, load }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useReportStore, import.meta.hot))
