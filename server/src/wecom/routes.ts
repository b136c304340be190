import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../config.ts'
import type { WecomClient } from './client.ts'
import { JsConfigFailureReport, JsConfigFailureResult, JsSignature, JsSignatureRequest } from '@scrm/shared'

/**
 * Signs the URL the sidebar's JS-SDK hands us (never one we rebuild) with the corp or agent
 * ticket. The ticket itself never leaves the server.
 */
export const wecomRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig, wecom: Pick<WecomClient, 'signJsapi' | 'refreshTicketAfterConfigFailure'> }> = async (app, { config, wecom }) => {
  app.post('/api/wecom/js-signature', { schema: { body: JsSignatureRequest, response: { 200: JsSignature } } }, async (request) => {
    const signed = await wecom.signJsapi(request.body.kind, request.body.url)
    return { ...signed, corpId: config.wecom.corpId, agentId: config.wecom.agentId }
  })

  // The sidebar's config/agentConfig failed with our signature: the cached ticket may be stale
  // (revoked, or fetched for another agent/secret). One rate-limited refresh, shared by instances.
  app.post('/api/wecom/config-failure', { schema: { body: JsConfigFailureReport, response: { 200: JsConfigFailureResult } } }, async (request) => {
    const { kind, errCode, errMsg } = request.body
    const result = await wecom.refreshTicketAfterConfigFailure(kind)
    request.log.warn({ kind, errCode, errMsg, refreshed: result.refreshed }, 'JS-SDK config failed in the sidebar')
    return { refreshed: result.refreshed, retryAfterSeconds: Math.ceil(result.retryAfterMs / 1000) }
  })
}
