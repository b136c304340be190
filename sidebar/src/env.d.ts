/// <reference types="vite/client" />

/**
 * True in `vite build --mode demo`, dev and tests; false in a production build.
 * Everything mock (the JS-SDK bridge fake, the demo shell) hides behind it so Rollup drops it.
 */
declare const __WECOM_MOCK__: boolean

declare module '*.vue' {
  import type { DefineComponent } from 'vue'

  const component: DefineComponent<object, object, unknown>
  export default component
}
