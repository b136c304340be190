import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'

/** The member panel's sections, in screen order; the section nav lists them. */
export const memberSections = ['propensity', 'reco', 'replies', 'materials', 'orders', 'tags'] as const
export type MemberSection = typeof memberSections[number]

export const SECTIONS_STORAGE_KEY = 'scrm.sections.collapsed'

function readCollapsed(): MemberSection[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(SECTIONS_STORAGE_KEY) ?? '[]')
    return Array.isArray(parsed) ? memberSections.filter(s => parsed.includes(s)) : []
  }
  catch {
    return []
  }
}

/** Which sections the guide folded away; remembered across chats and restarts (localStorage). */
export const useSectionsStore = defineStore('sections', () => {
  const collapsed = ref<Set<MemberSection>>(new Set(readCollapsed()))

  function save(next: Set<MemberSection>): void {
    collapsed.value = next
    try {
      localStorage.setItem(SECTIONS_STORAGE_KEY, JSON.stringify([...next]))
    }
    catch {
      // Storage blocked: the choice lasts for this page only.
    }
  }

  const isCollapsed = (id: MemberSection) => collapsed.value.has(id)

  function toggle(id: MemberSection): void {
    const next = new Set(collapsed.value)
    if (!next.delete(id))
      next.add(id)
    save(next)
  }

  function expand(id: MemberSection): void {
    if (collapsed.value.has(id)) {
      const next = new Set(collapsed.value)
      next.delete(id)
      save(next)
    }
  }

  return { collapsed, isCollapsed, toggle, expand }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useSectionsStore, import.meta.hot))
