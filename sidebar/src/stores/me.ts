import type { Me } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { getMe } from '../api/client'

/**
 * The logged-in user (GET /api/me), fetched once per page and shared by the sidebar boot and every console
 * page: callers at the same time share one request; a failed request (401, network) is tried again next call.
 */
export const useMeStore = defineStore('me', () => {
  const me = shallowRef<Me | null>(null)
  let pending: Promise<Me> | null = null

  function load(): Promise<Me> {
    if (me.value)
      return Promise.resolve(me.value)
    pending ??= getMe().then((loaded) => {
      me.value = loaded
      return loaded
    }).finally(() => {
      pending = null
    })
    return pending
  }

  return { me, load }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useMeStore, import.meta.hot))
