import { isInWeCom } from './env'

export type WW = typeof import('@wecom/jssdk')

let loading: Promise<WW> | undefined

function parentHasDemoHost(): boolean {
  try {
    return window.parent !== window && !!window.parent.__WECOM_DEMO_HOST__
  }
  catch {
    return false // cross-origin parent
  }
}

/**
 * Whether this page runs on the mock bridge. Only ever true in mock builds: outside WeCom,
 * or inside the demo shell (a browser test may fake a `wxwork/` UA to take the agentConfig path).
 */
export function usesMockBridge(): boolean {
  if (!__WECOM_MOCK__)
    return false
  return !isInWeCom() || (!window.WeixinJSBridge && (parentHasDemoHost() || new URLSearchParams(location.search).has('wecom-mock')))
}

/** Whether any bridge can answer: the real WeCom client or the mock. */
export function hasBridge(): boolean {
  return isInWeCom() || usesMockBridge()
}

/**
 * Load the JS-SDK. The mock bridge is installed BEFORE the SDK module is evaluated
 * (the SDK checks `window.WeixinJSBridge` once at load and would otherwise wait forever).
 */
export function loadWw(): Promise<WW> {
  loading ??= (async () => {
    if (__WECOM_MOCK__ && usesMockBridge()) {
      const { installMockBridge } = await import('./mock-bridge')
      installMockBridge()
    }
    return import('@wecom/jssdk')
  })()
  return loading
}
