import type { ApiRefusal, WecomServiceErrorCode } from '@scrm/shared'
import type { FastifyError, FastifyInstance } from 'fastify'
import { NOT_BLANK_PATTERN } from '@scrm/shared'
import fp from 'fastify-plugin'
import { toWecomServiceError, WecomApiError, WecomServiceError } from '../wecom/errors.ts'

/** A refusal a client words itself: `ApiError.reason` and `ApiError.params`. */
export interface Refusal { reason: ApiRefusal, params?: Record<string, number> }

/** An error whose status and message are meant for the caller (4xx). */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly refusal?: Refusal) {
    super(message)
  }
}

export const badRequest = (message: string, refusal?: Refusal) => new HttpError(400, 'Bad Request', message, refusal)
export const unauthorized = (message = 'login required') => new HttpError(401, 'Unauthorized', message)
export const forbidden = (message: string, refusal?: Refusal) => new HttpError(403, 'Forbidden', message, refusal)
/** Also used for "exists but not yours": callers must not learn what they may not see. */
export const notFound = (message = 'not found', refusal?: Refusal) => new HttpError(404, 'Not Found', message, refusal)
export const conflict = (message: string, refusal?: Refusal) => new HttpError(409, 'Conflict', message, refusal)

/** How the sidebar words a WeCom failure: what the guide can do differs (wait, or ask an admin). */
const wecomReasons: Record<WecomServiceErrorCode, ApiRefusal> = {
  WECOM_RATE_LIMITED: 'wecom_rate_limited',
  WECOM_UNAVAILABLE: 'wecom_unavailable',
  WECOM_IP_NOT_TRUSTED: 'wecom_setup',
  WECOM_DOMAIN_NOT_TRUSTED: 'wecom_setup',
  WECOM_CONFIG: 'wecom_setup',
  WECOM_REJECTED: 'wecom_rejected',
}

/** A body text the schema refused for its length or blankness: a refusal the sidebar words with the limit. */
function textRefusal(error: FastifyError): Refusal | undefined {
  const first = error.validationContext === 'body' ? error.validation?.[0] : undefined
  if (first?.keyword === 'maxLength' && typeof first.params.limit === 'number')
    return { reason: 'text_too_long', params: { max: first.params.limit } }
  if (first?.keyword === 'pattern' && first.params.pattern === NOT_BLANK_PATTERN)
    return { reason: 'text_blank' }
  return undefined
}

const reasonPhrases: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests' }

/**
 * One error handler: 4xx pass through with a message naming the problem; 5xx are always logged with
 * the request id, which the body carries too so support can find the log line.
 */
export const errorHandlerPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof WecomApiError || error instanceof WecomServiceError) {
      // WeCom said no or did not answer: not our bug (no 500), but the operator must see it.
      const mapped = error instanceof WecomApiError ? toWecomServiceError(error) : error
      request.log.warn({ err: error, errcode: mapped.errcode, reqId: request.id }, 'WeCom call failed')
      if (mapped.retryAfterSeconds !== undefined)
        void reply.header('Retry-After', String(mapped.retryAfterSeconds))
      const params = mapped.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: mapped.retryAfterSeconds }
      return reply.status(mapped.statusCode).send({ statusCode: mapped.statusCode, error: mapped.code, message: mapped.message, requestId: request.id, reason: wecomReasons[mapped.code], params })
    }
    const status = error instanceof HttpError ? error.statusCode : error.validation ? 400 : (error.statusCode ?? 500)
    if (status < 500) {
      // Fastify's validation message already names the field, e.g. "querystring/externalUserId must match pattern".
      const code = error instanceof HttpError ? error.code : reasonPhrases[status] ?? 'Client Error'
      const refusal = error instanceof HttpError ? error.refusal : textRefusal(error)
      return reply.status(status).send({ statusCode: status, error: code, message: error.message, ...refusal })
    }
    request.log.error({ err: error, reqId: request.id }, 'request failed')
    if (error instanceof HttpError)
      return reply.status(status).send({ statusCode: status, error: error.code, message: error.message, requestId: request.id, ...error.refusal })
    return reply.status(500).send({ statusCode: 500, error: 'Internal Server Error', message: `internal error; quote request id ${request.id} to support`, requestId: request.id })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` })
  })
})
