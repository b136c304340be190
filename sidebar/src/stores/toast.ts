import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'

export type ToastKind = 'success' | 'info' | 'error'

export interface Toast {
  id: number
  text: string
  kind: ToastKind
}

/** Short notices at the bottom of the sidebar (已发送 / 已取消 / 发送失败：…). */
export const useToastStore = defineStore('toast', () => {
  /** Visible toasts, oldest first. */
  const toasts = ref<Toast[]>([])
  let seq = 0

  /** Show a toast for `ms` milliseconds (errors stay a little longer). */
  function show(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 4000 : 2200): void {
    const id = ++seq
    toasts.value = [...toasts.value.slice(-2), { id, text, kind }]
    setTimeout(dismiss, ms, id)
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter(t => t.id !== id)
  }

  return { toasts, show, dismiss }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useToastStore, import.meta.hot))
