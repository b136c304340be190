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
    path: 'red-packets',
    name: 'console-red-packets',
    component: () => import('./RedPacketsConsole.vue'),
    meta: { console: { navKey: 'redpackets.console.nav', roles: managers } },
  },
  {
    path: 'archive',
    name: 'console-archive',
    component: () => import('./ArchiveConsole.vue'),
    meta: { console: { navKey: 'archive.nav', roles: managers } },
  },
  {
    path: 'imports',
    name: 'console-imports',
    component: () => import('./ImportsPage.vue'),
    meta: { console: { navKey: 'imports.nav', roles: ['admin'] } },
  },
  {
    path: 'identity',
    name: 'console-identity',
    component: () => import('./IdentityPage.vue'),
    meta: { console: { navKey: 'imports.identity.nav', roles: ['admin'] } },
  },
  {
    path: 'segments',
    name: 'console-segments',
    component: () => import('./SegmentsPage.vue'),
    meta: { console: { navKey: 'segments.nav', roles: managers } },
  },
  {
    path: 'corp-tags',
    name: 'console-corp-tags',
    component: () => import('./CorpTagsPage.vue'),
    meta: { console: { navKey: 'tags.library.nav', roles: ['admin'] } },
  },
  {
    path: 'materials',
    name: 'console-materials',
    component: () => import('./MaterialsConsole.vue'),
    meta: { console: { navKey: 'materials.console.nav', roles: managers } },
  },
  {
    path: 'replies',
    name: 'console-replies',
    component: () => import('./RepliesConsole.vue'),
    meta: { console: { navKey: 'replyLibrary.console.nav', roles: managers } },
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
