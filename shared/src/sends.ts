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

/** Exactly what goes to ww.sendChatMessage. */
export const ChatMessage = Type.Union([TextPayload, NewsPayload])
export type ChatMessage = Static<typeof ChatMessage>

export const SendStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
])
export type SendStatus = Static<typeof SendStatus>

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
  status: Type.Union([Type.Literal('sent'), Type.Literal('failed'), Type.Literal('cancelled')]),
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
