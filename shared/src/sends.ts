import type { Static } from 'typebox'
import Type from 'typebox'
import { ReasonCode } from './reasons.ts'

export const TextPayload = Type.Object({
  msgtype: Type.Literal('text'),
  text: Type.Object({ content: Type.String({ minLength: 1, maxLength: 4000 }) }),
})

export const NewsPayload = Type.Object({
  msgtype: Type.Literal('news'),
  news: Type.Object({
    link: Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://' }),
    title: Type.String({ minLength: 1, maxLength: 128 }),
    desc: Type.String({ maxLength: 512 }),
    imgUrl: Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://' }),
  }),
})

/** A WeCom temporary media id (media/upload, valid 3 days). */
const MediaId = Type.String({ minLength: 1, maxLength: 256 })

export const ImagePayload = Type.Object({ msgtype: Type.Literal('image'), image: Type.Object({ mediaid: MediaId }) })
export const VideoPayload = Type.Object({ msgtype: Type.Literal('video'), video: Type.Object({ mediaid: MediaId }) })
export const FilePayload = Type.Object({ msgtype: Type.Literal('file'), file: Type.Object({ mediaid: MediaId }) })

/** Reference §1.6: the appid must be linked to the corp, imgUrl http(s), the page path end in `.html` (a query may follow). */
export const MiniprogramPayload = Type.Object({
  msgtype: Type.Literal('miniprogram'),
  miniprogram: Type.Object({
    appid: Type.String({ minLength: 1, maxLength: 64, pattern: '^wx[0-9a-f]{16}$' }),
    title: Type.String({ minLength: 1, maxLength: 64 }),
    imgUrl: Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://' }),
    page: Type.String({ minLength: 6, maxLength: 512, pattern: '^[^?#]+\\.html(?:\\?.*)?$' }),
  }),
})

/** Exactly what goes to ww.sendChatMessage. */
export const ChatMessage = Type.Union([TextPayload, NewsPayload, ImagePayload, VideoPayload, FilePayload, MiniprogramPayload])
export type ChatMessage = Static<typeof ChatMessage>
export type ChatMessageType = ChatMessage['msgtype']
/** Every msgtype a send may carry (the send log's `kind`), derived from ChatMessage; a non-empty tuple for drizzle's text enum. */
export const chatMessageTypes = ChatMessage.anyOf.map(payload => payload.properties.msgtype.const) as [ChatMessageType, ...ChatMessageType[]]

/**
 * pending: logged before the chat call; sent/failed/cancelled: the JS-SDK's outcome;
 * expired: no outcome arrived in time (reconcilePendingSends). Never counted as delivered, and a
 * late outcome from the sidebar still replaces it.
 */
export const sendStatusList = ['pending', 'sent', 'failed', 'cancelled', 'expired'] as const
export const SendStatus = Type.Enum(sendStatusList)
export type SendStatus = Static<typeof SendStatus>

/** What the sidebar reports after ww.sendChatMessage. */
export const completedSendStatusList = ['sent', 'failed', 'cancelled'] as const satisfies readonly SendStatus[]
export const CompletedSendStatus = Type.Enum(completedSendStatusList)
export type CompletedSendStatus = Static<typeof CompletedSendStatus>

export const CreateSendRequest = Type.Object({
  /** Client-generated (UUID); retries and double clicks reuse it. */
  idempotencyKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  memberId: Type.Integer({ minimum: 1 }),
  message: ChatMessage,
  replyId: Type.Optional(Type.Integer({ minimum: 1 })),
  skuId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  recommendationId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The recommendation's reason kind; hand-picked sends have none. */
  reasonCode: Type.Optional(ReasonCode),
})
export type CreateSendRequest = Static<typeof CreateSendRequest>

export const CompleteSendRequest = Type.Object({
  status: CompletedSendStatus,
  /** The JS-SDK's errMsg, e.g. sendChatMessage:ok / sendChatMessage:fail no permission. */
  errMsg: Type.Optional(Type.String({ maxLength: 500 })),
})
export type CompleteSendRequest = Static<typeof CompleteSendRequest>

export const SendIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const SendRecord = Type.Object({
  id: Type.Integer(),
  idempotencyKey: Type.String(),
  memberId: Type.Integer(),
  guideUserid: Type.String(),
  kind: Type.String(),
  status: SendStatus,
  errMsg: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  completedAt: Type.Union([Type.Integer(), Type.Null()]),
})
export type SendRecord = Static<typeof SendRecord>

export const MemberSendsQuery = Type.Object({ memberId: Type.Integer({ minimum: 1 }) })
export type MemberSendsQuery = Static<typeof MemberSendsQuery>

/** One send of today's log, enough for the sidebar to mark the item or reply as already sent. */
export const MemberSend = Type.Object({
  id: Type.Integer(),
  guideUserid: Type.String(),
  status: SendStatus,
  replyId: Type.Union([Type.Integer(), Type.Null()]),
  skuId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
})
export type MemberSend = Static<typeof MemberSend>

/** GET /api/sends?memberId=: this member's sends since 00:00 Asia/Shanghai (by any guide), newest first. */
export const MemberSendsToday = Type.Object({
  since: Type.Integer(),
  sends: Type.Array(MemberSend),
})
export type MemberSendsToday = Static<typeof MemberSendsToday>
