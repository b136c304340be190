import type { Me } from '@scrm/shared'
import type { RouteRecordRaw } from 'vue-router'

/** What a console page declares: its title in the nav (a locale key) and who may open it. */
export interface ConsolePageMeta {
  navKey: string
  roles: readonly Me['role'][]
}

declare module 'vue-router' {
  interface RouteMeta {
    console?: ConsolePageMeta
  }
}

const managers = ['supervisor', 'admin'] as const

/**
 * The console's pages, in nav order. A feature adds its page here (one entry, its component lazily
 * imported); the nav and the role check come from `meta.console`.
 */
export const consoleRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'console-overview',
    component: () => import('./ConsoleOverview.vue'),
    meta: { console: { navKey: 'console.nav.overview', roles: managers } },
  },
  {
    path: 'notes',
    name: 'console-notes',
    component: () => import('./NotesFeedPage.vue'),
    meta: { console: { navKey: 'notes.feed.title', roles: managers } },
  },
  {
    path: 'handover',
    name: 'console-handover',
    component: () => import('./HandoverPage.vue'),
    meta: { console: { navKey: 'handover.nav', roles: ['admin'] } },
  },
]
