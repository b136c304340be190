import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../config.ts'
import type { WecomClient } from './client.ts'
import { JsSignature, JsSignatureRequest } from '@scrm/shared'

/**
 * Signs the URL the sidebar's JS-SDK hands us (never one we rebuild) with the corp or agent
 * ticket. The ticket itself never leaves the server.
 */
export const wecomRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig, wecom: Pick<WecomClient, 'signJsapi'> }> = async (app, { config, wecom }) => {
  app.post('/api/wecom/js-signature', { schema: { body: JsSignatureRequest, response: { 200: JsSignature } } }, async (request) => {
    const signed = await wecom.signJsapi(request.body.kind, request.body.url)
    return { ...signed, corpId: config.wecom.corpId, agentId: config.wecom.agentId }
  })
}
