import type { GuideRefusal } from '@scrm/shared'
import { guideRefusalList } from '@scrm/shared'
import { isAxiosError } from 'axios'

/** What went wrong, as the guide needs to know it; each has a short zh-CN/en text in `errors.*`. */
export const errorKinds = [
  'network',
  'timeout',
  'session',
  'forbidden',
  'notFound',
  'badInput',
  'queryTooLong',
  'conflict',
  'rateLimited',
  'server',
  'wecomNoPermission',
  'wecomFailed',
  'unknown',
] as const
export type ErrorKind = typeof errorKinds[number]

/** An error for the UI: `kind` picks the message, `detail` is for support (never shown first). */
export interface AppError {
  kind: ErrorKind
  detail: string
  /** The server's reason for a refusal the sidebar words itself (`errors.refusal.*`), with its numbers. */
  refusal?: { reason: GuideRefusal, params: Record<string, number> }
}

/** What to show for an error: the refusal's own words when the server gave a reason we know, else its kind's. */
export function errorWording(error: AppError): { key: string, params: Record<string, number> } {
  return error.refusal ? { key: `errors.refusal.${error.refusal.reason}`, params: error.refusal.params } : { key: `errors.${error.kind}`, params: {} }
}

function refusalOf(data: unknown): AppError['refusal'] {
  if (!data || typeof data !== 'object' || !('reason' in data) || !(guideRefusalList as readonly unknown[]).includes(data.reason))
    return undefined
  const params = 'params' in data && data.params && typeof data.params === 'object' ? data.params as Record<string, number> : {}
  return { reason: data.reason as GuideRefusal, params }
}

/** Header carrying the id of a request, sent by the client and echoed by a server that honours it. */
export const REQUEST_ID_HEADER = 'x-request-id'

function kindOfStatus(status: number, message: string): ErrorKind {
  if (status === 401)
    return 'session'
  if (status === 403)
    return 'forbidden'
  if (status === 404)
    return 'notFound'
  if (status === 409)
    return 'conflict'
  if (status === 429)
    return 'rateLimited'
  if (status >= 500)
    return 'server'
  if (/must NOT have more than \d+ characters/.test(message))
    return 'queryTooLong'
  return 'badInput'
}

/** Classifies a JS-SDK / transport message (e.g. `sendChatMessage:fail no permission`, `Network Error`). */
function kindOfMessage(message: string): ErrorKind {
  if (/:fail.*(?:no permission|permission denied|not allow)/i.test(message) || /^no permission/i.test(message))
    return 'wecomNoPermission'
  if (/^\w+:fail/.test(message))
    return 'wecomFailed'
  if (/network error|failed to fetch|load failed/i.test(message))
    return 'network'
  if (/timeout|timed out/i.test(message))
    return 'timeout'
  if (/status code 5\d\d|internal error/i.test(message))
    return 'server'
  return 'unknown'
}

function header(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined
}

/** Maps any thrown value (axios error, JS-SDK `{ errMsg }`, Error, string) to an AppError. */
export function describeError(err: unknown): AppError {
  if (isAxiosError(err)) {
    const data: unknown = err.response?.data
    const serverMessage = data && typeof data === 'object' && 'message' in data && typeof data.message === 'string' ? data.message : ''
    const requestId = header(err.response?.headers?.[REQUEST_ID_HEADER]) ?? header(err.config?.headers?.[REQUEST_ID_HEADER])
    const status = err.response?.status ?? 0
    const where = err.config ? `${(err.config.method ?? 'get').toUpperCase()} ${err.config.url ?? ''}` : ''
    const parts = [status ? `HTTP ${status}` : err.code ?? 'no response', where, serverMessage || err.message, requestId ? `request ${requestId}` : '']
    const kind = status ? kindOfStatus(status, serverMessage) : err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' ? 'timeout' : 'network'
    const refusal = refusalOf(data)
    return refusal ? { kind, detail: parts.filter(Boolean).join(' · '), refusal } : { kind, detail: parts.filter(Boolean).join(' · ') }
  }
  let message: string
  if (err && typeof err === 'object' && 'errMsg' in err && typeof err.errMsg === 'string')
    message = err.errMsg
  else if (err instanceof Error)
    message = err.message
  else
    message = String(err)
  return { kind: kindOfMessage(message), detail: message }
}
