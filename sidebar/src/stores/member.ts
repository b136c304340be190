import type { MemberContext, Order } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { errorStatus, getMemberContext, getOrders } from '../api/client'
import { describeError } from '../utils/errors'

export type MemberStatus = 'idle' | 'loading' | 'ready' | 'not-found' | 'error'

/** The customer of the open chat: profile, tags, totals, orders (paged), reply variables, recommendations. */
export const useMemberStore = defineStore('member', () => {
  const status = ref<MemberStatus>('idle')
  const error = shallowRef<AppError | null>(null)
  /** external_userid the context belongs to. */
  const externalUserId = ref<string | null>(null)
  /** GET /api/members/context; orders live in `orders` (they grow with paging). */
  const context = shallowRef<MemberContext | null>(null)
  /** Orders loaded so far, newest first. */
  const orders = ref<Order[]>([])
  /** Cursor for the next page; null when everything is loaded. */
  const nextCursor = ref<string | null>(null)
  const loadingMore = ref(false)
  const loadMoreError = shallowRef<AppError | null>(null)

  let token = 0

  /** Load the context for a contact (ignored when it is already loaded, unless forced). */
  async function load(id: string, force = false): Promise<void> {
    if (!force && id === externalUserId.value && status.value === 'ready')
      return
    const mine = ++token
    externalUserId.value = id
    status.value = 'loading'
    error.value = null
    try {
      const ctx = await getMemberContext(id)
      if (mine !== token)
        return
      context.value = ctx
      orders.value = ctx.orders.orders
      nextCursor.value = ctx.orders.nextCursor
      loadMoreError.value = null
      status.value = 'ready'
    }
    catch (err) {
      if (mine !== token)
        return
      context.value = null
      orders.value = []
      nextCursor.value = null
      status.value = errorStatus(err) === 404 ? 'not-found' : 'error'
      error.value = describeError(err)
    }
  }

  /** Append the next page of orders (加载更多). */
  async function loadMoreOrders(): Promise<void> {
    const ctx = context.value
    if (!ctx || !nextCursor.value || loadingMore.value)
      return
    const mine = token
    loadingMore.value = true
    loadMoreError.value = null
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
        loadMoreError.value = describeError(err)
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

  return { status, error, externalUserId, context, orders, nextCursor, loadingMore, loadMoreError, load, loadMoreOrders, clear }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useMemberStore, import.meta.hot))
