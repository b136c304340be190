import type { ChatMessage, Material, MaterialKind, MemberMaterialSend } from '@scrm/shared'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { getMaterialSettings, getMemberMaterialSends, getProductCard, listMaterials } from '../api/materials'
import { describeError } from '../utils/errors'

/** The material library as the sidebar shows it: search, kind filter, and what this member already got. */
export const useMaterialsStore = defineStore('materials', () => {
  const items = shallowRef<Material[]>([])
  const total = ref(0)
  const query = ref('')
  const kind = ref<MaterialKind | null>(null)
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const error = ref<string | null>(null)
  /** Materials sent to the member on screen (by anyone), with the customer's opens. */
  const memberSends = shallowRef<{ memberId: number, sends: MemberMaterialSend[] } | null>(null)
  /** Whether products go as the brand's mini-program cards (asked once). */
  let settings: Promise<boolean> | undefined
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    status.value = 'loading'
    try {
      const list = await listMaterials({ q: query.value.trim() || undefined, kind: kind.value ?? undefined, limit: 50 })
      if (mine !== seq)
        return
      items.value = list.items
      total.value = list.total
      status.value = 'ready'
      error.value = null
    }
    catch (err) {
      if (mine !== seq)
        return
      status.value = 'error'
      error.value = describeError(err).detail
    }
  }

  async function loadMemberSends(memberId: number): Promise<void> {
    if (memberSends.value?.memberId !== memberId)
      memberSends.value = { memberId, sends: [] }
    try {
      const res = await getMemberMaterialSends(memberId)
      if (memberSends.value?.memberId === memberId)
        memberSends.value = { memberId, sends: res.sends }
    }
    catch (err) {
      // Marks are a convenience; sending works without them.
      console.warn('[materials] could not load the member\'s material sends', describeError(err).detail)
    }
  }

  /** Per material: how often it went to this member (delivered) and how often the customer opened it. */
  const sentToMember = computed(() => {
    const map = new Map<number, { sent: number, opens: number }>()
    for (const s of memberSends.value?.sends ?? []) {
      if (s.status !== 'sent')
        continue
      const entry = map.get(s.materialId) ?? { sent: 0, opens: 0 }
      entry.sent++
      entry.opens += s.openCount
      map.set(s.materialId, entry)
    }
    return map
  })

  /** The chat card for a product: the brand's mini-program card when configured; the given link card otherwise. */
  async function productMessage(skuId: string, fallback: ChatMessage): Promise<ChatMessage> {
    settings ??= getMaterialSettings().then(s => s.productCards === 'miniprogram').catch(() => {
      settings = undefined
      return false
    })
    if (!(await settings))
      return fallback
    try {
      return await getProductCard(skuId)
    }
    catch {
      return fallback
    }
  }

  return { items, total, query, kind, status, error, memberSends, sentToMember, load, loadMemberSends, productMessage }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useMaterialsStore, import.meta.hot))
