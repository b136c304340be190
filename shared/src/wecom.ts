import type { Static } from 'typebox'
import Type from 'typebox'

export const JsSignatureRequest = Type.Object({
  /** The page URL exactly as the JS-SDK passes it (up to, not including, `#`). */
  url: Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://[^#]+$' }),
  kind: Type.Union([Type.Literal('corp'), Type.Literal('agent')]),
})
export type JsSignatureRequest = Static<typeof JsSignatureRequest>

export const JsSignature = Type.Object({
  timestamp: Type.Integer(),
  nonceStr: Type.String(),
  signature: Type.String(),
  corpId: Type.String(),
  agentId: Type.Integer(),
})
export type JsSignature = Static<typeof JsSignature>
