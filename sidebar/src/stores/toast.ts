import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import { i18n } from '../modules/i18n'
import { describeError, errorWording } from '../utils/errors'

export type ToastKind = 'success' | 'info' | 'error'

export interface Toast {
  id: number
  text: string
  kind: ToastKind
  /** Errors keep their detail for support behind 详情. */
  error?: AppError
}

/** Short notices at the bottom of the sidebar (已发送 / 已取消 / 发送失败：…). */
export const useToastStore = defineStore('toast', () => {
  /** Visible toasts, oldest first. */
  const toasts = ref<Toast[]>([])
  let seq = 0

  /** Show a toast for `ms` milliseconds (errors stay longer: they carry what to do). */
  function show(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 6000 : 2200, error?: AppError): void {
    const id = ++seq
    toasts.value = [...toasts.value.slice(-2), { id, text, kind, error }]
    setTimeout(dismiss, ms, id)
  }

  /** An error as a short Chinese message with what to do, e.g. 发送失败：网络连接失败，请检查网络后重试. */
  function showError(err: unknown, prefixKey?: 'send.failed'): AppError {
    const error = describeError(err)
    const t = i18n.global.t
    const wording = errorWording(error)
    const message = t(wording.key, wording.params)
    show(prefixKey ? t(prefixKey, { reason: message }) : message, 'error', undefined, error)
    return error
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter(t => t.id !== id)
  }

  return { toasts, show, showError, dismiss }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useToastStore, import.meta.hot))
