// Public WeCom callback endpoint (reference §3): no session — WeCom authenticates itself with the
// msg_signature over the encrypted payload. GET answers the URL verification, POST stores the
// event durably, answers `success` at once and leaves the work to the `contacts.events` job (jobs.ts).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { AppConfig } from '../config.ts'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { JobQueue } from '../jobs/queue.ts'
import Type from 'typebox'
import { HttpError } from '../plugins/errors.ts'
import { CallbackCryptoError, decryptMessage, extractEncrypt, verifyCallbackUrl, verifyMsgSignature } from '../wecom/callback-crypto.ts'
import { CallbackXmlError, hasPendingEvents, parseCallbackXml, storeWecomEvent } from './events.ts'
import { enqueueEventDrain } from './jobs.ts'

export const CALLBACK_PATH = '/api/wecom/callback'
/** Event envelopes are a few hundred bytes; anything near this is not WeCom. */
export const CALLBACK_BODY_LIMIT = 64 * 1024

const Signed = {
  msg_signature: Type.String({ minLength: 1, maxLength: 128 }),
  timestamp: Type.String({ pattern: '^[0-9]{1,20}$' }),
  nonce: Type.String({ minLength: 1, maxLength: 128 }),
}
const VerifyQuery = Type.Object({ ...Signed, echostr: Type.String({ minLength: 1, maxLength: 8192 }) })
const EventQuery = Type.Object(Signed)

export interface WecomCallbackOptions {
  config: AppConfig
  db: AsyncDbOrTx
  /** Where the drain job goes; its `contacts.events` handler is registered by app.ts (jobs.ts). */
  queue: JobQueue
  now: () => number
  /** msgaudit_notify (reference §4.7): new archive messages are waiting; absent when archiving is off. */
  onMsgauditNotify?: () => Promise<void>
}

const refused = () => new HttpError(403, 'Forbidden', 'signature check failed')
// WeCom counts any answer but 200 as a failure and retries (three times within seconds), so a
// refused replay costs it nothing and a genuine event is never outside the window.
const stale = () => new HttpError(403, 'Forbidden', 'timestamp outside the accepted window')

export const wecomCallbackRoutes: FastifyPluginAsyncTypebox<WecomCallbackOptions> = async (app, opts) => {
  const { config, db, queue, now } = opts
  // Events stored before a restart (or left failing) get a drain when the server is ready.
  app.addHook('onReady', async () => {
    if (await hasPendingEvents(db))
      await enqueueEventDrain(queue)
  })

  // Encapsulated: only this plugin's routes accept XML bodies.
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: CALLBACK_BODY_LIMIT }, (_request, body, done) => done(null, body))

  /** A signed request replayed later (or timestamped far ahead) is refused: msg_signature covers the timestamp. */
  function requireFreshTimestamp(request: FastifyRequest, timestamp: string): void {
    const skewSeconds = Math.abs(now() / 1000 - Number(timestamp))
    if (skewSeconds > config.wecom.callbackMaxSkewSeconds) {
      request.log.warn({ timestamp, skewSeconds: Math.round(skewSeconds) }, 'WeCom callback refused: stale timestamp')
      throw stale()
    }
  }

  function secrets(): { token: string, encodingAesKey: string, receiveId: string } {
    const { callbackToken, encodingAesKey, corpId } = config.wecom
    if (!callbackToken || !encodingAesKey)
      throw new HttpError(503, 'Service Unavailable', 'WeCom callback is not configured (WECOM_CALLBACK_TOKEN, WECOM_ENCODING_AES_KEY)')
    return { token: callbackToken, encodingAesKey, receiveId: corpId }
  }

  const routeOptions = { config: { signedWebhook: true }, onRequest: app.rateLimits.wecomCallback }

  app.get(CALLBACK_PATH, { ...routeOptions, schema: { querystring: VerifyQuery } }, async (request, reply) => {
    const s = secrets()
    const q = request.query
    // base64 has no spaces: a '+' sent unencoded arrives as ' ' after query decoding.
    const echostr = q.echostr.replaceAll(' ', '+')
    let plain: string
    try {
      plain = verifyCallbackUrl({ token: s.token, encodingAesKey: s.encodingAesKey, receiveId: s.receiveId, msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, echostr })
    }
    catch (err) {
      if (err instanceof CallbackCryptoError) {
        request.log.warn({ reason: err.message }, 'WeCom URL verification refused')
        throw refused()
      }
      throw err
    }
    requireFreshTimestamp(request, q.timestamp)
    return reply.type('text/plain; charset=utf-8').send(plain)
  })

  app.post(CALLBACK_PATH, { ...routeOptions, schema: { querystring: EventQuery }, bodyLimit: CALLBACK_BODY_LIMIT }, async (request, reply) => {
    const s = secrets()
    const q = request.query
    const body: unknown = request.body
    const encrypt = typeof body === 'string' ? extractEncrypt(body) : undefined
    if (!encrypt)
      throw new HttpError(400, 'Bad Request', 'body must be the XML envelope with an <Encrypt> element')
    if (!verifyMsgSignature(q.msg_signature, s.token, q.timestamp, q.nonce, encrypt)) {
      request.log.warn('WeCom callback refused: msg_signature mismatch')
      throw refused()
    }
    requireFreshTimestamp(request, q.timestamp)
    let fields: Record<string, string>
    try {
      fields = parseCallbackXml(decryptMessage({ encodingAesKey: s.encodingAesKey, receiveId: s.receiveId, encrypt }))
    }
    catch (err) {
      if (err instanceof CallbackCryptoError || err instanceof CallbackXmlError) {
        request.log.warn({ reason: err.message }, 'WeCom callback refused: cannot decrypt or parse')
        throw new HttpError(400, 'Bad Request', 'cannot decrypt or parse the event')
      }
      throw err
    }
    // The encrypted tail already names our corp; the event inside must be addressed to it too.
    if (fields.ToUserName !== s.receiveId) {
      request.log.warn({ toUserName: fields.ToUserName }, 'WeCom callback refused: ToUserName is not our corp')
      throw new HttpError(403, 'Forbidden', 'ToUserName is not this corp')
    }
    // Durable before the acknowledgement; a storage failure is a 500 so that WeCom retries.
    const stored = await storeWecomEvent(db, fields, now())
    request.log.info({ eventId: stored.id, event: fields.Event, changeType: fields.ChangeType, duplicate: !stored.inserted, requeued: stored.requeued }, 'WeCom event received')
    // The event is durable already: if this enqueue fails, the scheduled drain still finds it.
    if (stored.inserted || stored.requeued)
      await enqueueEventDrain(queue).catch(err => request.log.error({ err }, 'WeCom event drain not enqueued'))
    if (fields.Event === 'msgaudit_notify')
      await opts.onMsgauditNotify?.().catch(err => request.log.error({ err }, 'archive pull not enqueued'))
    return reply.type('text/plain; charset=utf-8').send('success')
  })
}
