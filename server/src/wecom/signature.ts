// JS-SDK signature (reference §1.3): SHA-1 over a fixed-order, non-URL-encoded string.

import { createHash } from 'node:crypto'

export interface JsapiSignatureInput {
  /** Corp jsapi_ticket (config) or agent ticket (agentConfig). */
  ticket: string
  nonceStr: string
  /** Seconds. */
  timestamp: number | string
  /** The page URL as the sidebar passed it; anything from `#` on is not signed. */
  url: string
}

/** Strips the fragment: WeCom signs the URL up to (excluding) `#`. */
export function signableUrl(url: string): string {
  const hash = url.indexOf('#')
  return hash === -1 ? url : url.slice(0, hash)
}

export function jsapiSignature({ ticket, nonceStr, timestamp, url }: JsapiSignatureInput): string {
  const string1 = `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${signableUrl(url)}`
  return createHash('sha1').update(string1, 'utf8').digest('hex')
}
