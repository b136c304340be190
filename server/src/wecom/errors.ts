// WeCom error model: every non-zero errcode becomes a WecomApiError whose `kind` tells callers
// (and the client's own retry logic) what to do about it — reference §2.9. One that reaches a
// route becomes a WecomServiceError (502/503 with a code the sidebar can explain).

import type { WecomServiceErrorCode } from '@scrm/shared'

export type WecomErrorKind
  = | 'token' // token invalid/expired/missing: drop it, refresh, retry once
    | 'rate_limit' // 45009: back off until the window ends (see retryAfterMs)
    | 'concurrency' // 45033: short backoff, lower parallelism
    | 'retryable' // -1 system busy, 41063 still dispatching, network errors
    | 'config' // wrong secret/corpid, API forbidden, untrusted IP, missing permission: alert, don't loop
    | 'not_found' // unknown member / customer / no customer relation
    | 'client' // invalid parameters and other 4xx-like errors (incl. 60011 no privilege → 403)
    | 'oauth' // 40029: invalid/used/expired OAuth code: restart OAuth
    | 'timeout' // no reply within timeoutMs (after the allowed retries)

const KIND_BY_CODE: Record<number, WecomErrorKind> = {
  [-1]: 'retryable',
  40001: 'config',
  40003: 'client',
  40013: 'config',
  40014: 'token',
  40029: 'oauth',
  40058: 'client',
  40068: 'client',
  40071: 'client',
  40096: 'not_found',
  41001: 'token',
  41063: 'retryable',
  42001: 'token',
  44004: 'client',
  45002: 'client',
  45009: 'rate_limit',
  45033: 'concurrency',
  47001: 'client',
  48002: 'config',
  50001: 'config', // redirect_uri / domain not among the app's trusted domains
  60011: 'client',
  60020: 'config',
  60111: 'not_found',
  84061: 'not_found',
  84074: 'config',
  90206: 'config',
  301058: 'client',
  701008: 'config', // no interop licence (互通账号) for any requested member: buy/assign licences
}

/** The kind of a WeCom errcode; unknown non-zero codes are 'client'. */
export function classifyErrcode(code: number): WecomErrorKind {
  return KIND_BY_CODE[code] ?? 'client'
}

/** Token errors that mean "drop the cached token, fetch a new one, retry once". */
export function isTokenErrcode(code: number): boolean {
  return code === 40014 || code === 42001 || code === 41001
}

export class WecomApiError extends Error {
  readonly errcode: number
  /** errmsg as WeCom sent it (including the hint suffix); informational only. */
  readonly errmsg: string
  /** The API path, e.g. `/cgi-bin/user/get`. */
  readonly api: string
  readonly kind: WecomErrorKind
  /** For 'rate_limit': how long to wait before calling this API again. */
  readonly retryAfterMs?: number

  constructor(init: { errcode: number, errmsg: string, api: string, kind?: WecomErrorKind, retryAfterMs?: number, cause?: unknown }) {
    super(`WeCom ${init.api} failed: ${init.errcode} ${init.errmsg}`, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'WecomApiError'
    this.errcode = init.errcode
    this.errmsg = init.errmsg
    this.api = init.api
    this.kind = init.kind ?? classifyErrcode(init.errcode)
    if (init.retryAfterMs !== undefined)
      this.retryAfterMs = init.retryAfterMs
  }
}

/**
 * A WeCom failure as the sidebar sees it (the error handler in plugins/errors.ts sends it):
 * 503 when trying again later can help, 502 when WeCom refused us and an admin must act.
 * The message says what to do; `code` lets the UI pick its own wording.
 */
export class WecomServiceError extends Error {
  readonly statusCode: 502 | 503
  readonly code: WecomServiceErrorCode
  /** For 503: seconds until a retry makes sense (sent as Retry-After). */
  readonly retryAfterSeconds?: number
  readonly errcode: number

  constructor(init: { statusCode: 502 | 503, code: WecomServiceErrorCode, message: string, errcode: number, retryAfterSeconds?: number }) {
    super(init.message)
    this.name = 'WecomServiceError'
    this.statusCode = init.statusCode
    this.code = init.code
    this.errcode = init.errcode
    if (init.retryAfterSeconds !== undefined)
      this.retryAfterSeconds = init.retryAfterSeconds
  }
}

/** What a WecomApiError that reached a route means for the caller. */
export function toWecomServiceError(err: WecomApiError): WecomServiceError {
  const errcode = err.errcode
  switch (err.kind) {
    case 'rate_limit':
    case 'concurrency':
      return new WecomServiceError({ statusCode: 503, code: 'WECOM_RATE_LIMITED', errcode, retryAfterSeconds: Math.ceil((err.retryAfterMs ?? 60_000) / 1000), message: `WeCom is limiting calls (${errcode}); try again in a minute` })
    case 'retryable':
    case 'timeout':
    case 'token':
      return new WecomServiceError({ statusCode: 503, code: 'WECOM_UNAVAILABLE', errcode, retryAfterSeconds: 5, message: `WeCom did not answer in time (${errcode}); try again shortly` })
    case 'config':
      if (errcode === 60020)
        return new WecomServiceError({ statusCode: 502, code: 'WECOM_IP_NOT_TRUSTED', errcode, message: 'WeCom refused this server\'s IP (60020): add it to the app\'s trusted IPs (企业可信IP)' })
      if (errcode === 50001)
        return new WecomServiceError({ statusCode: 502, code: 'WECOM_DOMAIN_NOT_TRUSTED', errcode, message: 'WeCom refused the redirect domain (50001): it must be one of the app\'s trusted domains (可信域名)' })
      return new WecomServiceError({ statusCode: 502, code: 'WECOM_CONFIG', errcode, message: `WeCom refused the app's configuration (${errcode}): check the app secret and its 客户联系 API permission` })
    default:
      return new WecomServiceError({ statusCode: 502, code: 'WECOM_REJECTED', errcode, message: `WeCom refused the request (${errcode})` })
  }
}
