import type { Static } from 'typebox'
import Type from 'typebox'

/** 'corp' = config (corp jsapi_ticket), 'agent' = agentConfig (agent ticket). */
export const JsTicketKind = Type.Union([Type.Literal('corp'), Type.Literal('agent')])
export type JsTicketKind = Static<typeof JsTicketKind>

export const JsSignatureRequest = Type.Object({
  /** The page URL exactly as the JS-SDK passes it (up to, not including, `#`). */
  url: Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://[^#]+$' }),
  kind: JsTicketKind,
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

/** The sidebar's report that WeCom refused our JS-SDK signature (config/agentConfig failed). */
export const JsConfigFailureReport = Type.Object({
  /** Which registration failed: 'corp' = config (corp ticket), 'agent' = agentConfig (agent ticket). */
  kind: JsTicketKind,
  /** errCode of the JS-SDK result when it had one (e.g. 42012, 40093). */
  errCode: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 100_000_000 })),
  /** errMsg of the JS-SDK result, for the server log. */
  errMsg: Type.Optional(Type.String({ maxLength: 300 })),
})
export type JsConfigFailureReport = Static<typeof JsConfigFailureReport>

export const JsConfigFailureResult = Type.Object({
  /** A fresh ticket was fetched: registering again may now succeed. */
  refreshed: Type.Boolean(),
  /** Seconds until the next refresh may happen (the refresh is rate-limited per ticket kind). */
  retryAfterSeconds: Type.Integer({ minimum: 0 }),
})
export type JsConfigFailureResult = Static<typeof JsConfigFailureResult>

/** `error` of a 502/503 reply caused by WeCom, for the sidebar to explain (see server wecom/errors.ts). */
export const WecomServiceErrorCode = Type.Enum([
  'WECOM_RATE_LIMITED', // 45009/45033: try again in a minute
  'WECOM_UNAVAILABLE', // -1, timeouts, network: try again shortly
  'WECOM_IP_NOT_TRUSTED', // 60020: the server's IP is not in the app's 企业可信IP
  'WECOM_DOMAIN_NOT_TRUSTED', // 50001: redirect_uri/domain not among the app's trusted domains
  'WECOM_CONFIG', // wrong secret, API not allowed for this app, missing permission…
  'WECOM_REJECTED', // any other refusal WeCom gave
] as const)
export type WecomServiceErrorCode = Static<typeof WecomServiceErrorCode>
