import type { MemberContext, Order } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { errorMessage, errorStatus, getMemberContext, getOrders } from '../api/client'

export type MemberStatus = 'idle' | 'loading' | 'ready' | 'not-found' | 'error'

/** The customer of the open chat: profile, tags, totals, orders (paged), replies, recommendations. */
export const useMemberStore = defineStore('member', () => {
  const status = ref<MemberStatus>('idle')
  const errorText = ref('')
  /** external_userid the context belongs to. */
  const externalUserId = ref<string | null>(null)
  /** GET /api/members/context; orders live in `orders` (they grow with paging). */
  const context = shallowRef<MemberContext | null>(null)
  /** Orders loaded so far, newest first. */
  const orders = ref<Order[]>([])
  /** Cursor for the next page; null when everything is loaded. */
  const nextCursor = ref<string | null>(null)
  const loadingMore = ref(false)
  const loadMoreError = ref('')

  let token = 0

  /** Load the context for a contact (ignored when it is already loaded, unless forced). */
  async function load(id: string, force = false): Promise<void> {
    if (!force && id === externalUserId.value && status.value === 'ready')
      return
    const mine = ++token
    externalUserId.value = id
    status.value = 'loading'
    errorText.value = ''
    try {
      const ctx = await getMemberContext(id)
      if (mine !== token)
        return
      context.value = ctx
      orders.value = ctx.orders.orders
      nextCursor.value = ctx.orders.nextCursor
      loadMoreError.value = ''
      status.value = 'ready'
    }
    catch (err) {
      if (mine !== token)
        return
      context.value = null
      orders.value = []
      nextCursor.value = null
      status.value = errorStatus(err) === 404 ? 'not-found' : 'error'
      errorText.value = errorMessage(err)
    }
  }

  /** Append the next page of orders (加载更多). */
  async function loadMoreOrders(): Promise<void> {
    const ctx = context.value
    if (!ctx || !nextCursor.value || loadingMore.value)
      return
    const mine = token
    loadingMore.value = true
    loadMoreError.value = ''
    try {
      const page = await getOrders(ctx.member.id, nextCursor.value)
      if (mine !== token)
        return
      const seen = new Set(orders.value.map(o => o.id))
      orders.value = [...orders.value, ...page.orders.filter(o => !seen.has(o.id))]
      nextCursor.value = page.nextCursor
    }
    catch (err) {
      if (mine === token)
        loadMoreError.value = errorMessage(err)
    }
    finally {
      if (mine === token)
        loadingMore.value = false
    }
  }

  function clear(): void {
    token++
    status.value = 'idle'
    externalUserId.value = null
    context.value = null
    orders.value = []
    nextCursor.value = null
    loadingMore.value = false
  }

  return { status, errorText, externalUserId, context, orders, nextCursor, loadingMore, loadMoreError, load, loadMoreOrders, clear }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useMemberStore, import.meta.hot))
