import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { toWecomServiceError, WecomApiError, WecomServiceError } from '../wecom/errors.ts'

/** A refusal a client words itself: `ApiError.reason` and `ApiError.params`. */
export interface Refusal { reason: string, params?: Record<string, number> }

/** An error whose status and message are meant for the caller (4xx). */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly refusal?: Refusal) {
    super(message)
  }
}

export const badRequest = (message: string) => new HttpError(400, 'Bad Request', message)
export const unauthorized = (message = 'login required') => new HttpError(401, 'Unauthorized', message)
export const forbidden = (message: string) => new HttpError(403, 'Forbidden', message)
/** Also used for "exists but not yours": callers must not learn what they may not see. */
export const notFound = (message = 'not found') => new HttpError(404, 'Not Found', message)
export const conflict = (message: string) => new HttpError(409, 'Conflict', message)

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
      return reply.status(mapped.statusCode).send({ statusCode: mapped.statusCode, error: mapped.code, message: mapped.message, requestId: request.id })
    }
    const status = error instanceof HttpError ? error.statusCode : error.validation ? 400 : (error.statusCode ?? 500)
    if (status < 500) {
      // Fastify's validation message already names the field, e.g. "querystring/externalUserId must match pattern".
      const code = error instanceof HttpError ? error.code : reasonPhrases[status] ?? 'Client Error'
      const refusal = error instanceof HttpError ? error.refusal : undefined
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
