import type { RouteRecordRaw } from 'vue-router'
import type { UserModule } from '../types'
import { createRouter, createWebHistory } from 'vue-router'
import ChatSidebar from '../views/ChatSidebar.vue'
import { consoleRoutes } from '../views/console/routes'

/** The app's pages: the chat sidebar (WeCom toolbar) and the desktop console for supervisors and admins. */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'sidebar', component: ChatSidebar },
  { path: '/console', component: () => import('../views/ConsolePage.vue'), children: consoleRoutes },
  // e.g. /app/index.html: the sidebar, keeping ?contact= and the like.
  { path: '/:unknown(.*)*', redirect: to => ({ path: '/', query: to.query }) },
]

/** Served under /app/ (the sidebar's URL registered in WeCom). */
export const router = createRouter({ history: createWebHistory('/app/'), routes })

export const install: UserModule = ({ app }) => {
  app.use(router)
}
