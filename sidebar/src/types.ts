import type { App } from 'vue'

/** A vitesse-style setup module: `src/modules/*.ts` export `install`. */
export interface AppContext {
  app: App
}
export type UserModule = (ctx: AppContext) => void
