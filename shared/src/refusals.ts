import type { Static } from 'typebox'
import Type from 'typebox'
import { redPacketRefusalList } from './redpackets.ts'

/**
 * Why the server refused what a guide did in the chat sidebar while sending (a reply, a product, a material),
 * as `ApiError.reason`; the message stays Chinese for API callers, the sidebar words the reason per locale.
 * member_not_yours: not (or no longer, after a handover) a customer she serves; *_not_found: gone meanwhile;
 * material_without_file: a file material whose file is missing; miniprogram_not_configured: the brand has no
 * mini-program for the card; send_already_final: the send was already reported otherwise;
 * send_key_reused: a retry key reused for a different message (a client bug).
 */
export const sendRefusalList = ['member_not_yours', 'reply_not_found', 'product_not_found', 'material_not_found', 'material_without_file', 'miniprogram_not_configured', 'send_not_found', 'send_already_final', 'send_key_reused'] as const

/** Why a change to a note was refused: gone meanwhile, or written by someone else. */
export const noteRefusalList = ['note_not_found', 'note_not_author'] as const

/**
 * Text in a request body outside what its schema allows, whatever the route (a note, a reply): longer than
 * `params.max` characters, or nothing but white space.
 */
export const textRefusalList = ['text_too_long', 'text_blank'] as const

/**
 * A WeCom failure behind a request (its `ApiError.error` is the WecomServiceErrorCode): WeCom is limiting calls or
 * did not answer (`params.retryAfterSeconds`), the app's WeCom setup is wrong (an admin must act), or WeCom
 * refused this one request.
 */
export const wecomRefusalList = ['wecom_rate_limited', 'wecom_unavailable', 'wecom_setup', 'wecom_rejected'] as const

/**
 * Why a handover (console, admins) was refused: the same guide on both sides; a new guide who is not an active
 * guide; customers the old guide does not serve, or already in an open handover (`params.count` of them);
 * nothing left to hand over.
 */
export const handoverRefusalList = ['handover_same_guide', 'handover_target_inactive', 'handover_not_served', 'handover_already_open', 'handover_nothing_left'] as const

/** The refusals the app words through its one error display (`errors.refusal.*`); red packets word their own. */
export const guideRefusalList = [...sendRefusalList, ...noteRefusalList, ...textRefusalList, ...wecomRefusalList, ...handoverRefusalList] as const
export type GuideRefusal = typeof guideRefusalList[number]

/** Every `ApiError.reason` the server gives; the sidebar's locale files word each one. */
export const apiRefusalList = [...redPacketRefusalList, ...guideRefusalList] as const
export const ApiRefusal = Type.Enum(apiRefusalList)
export type ApiRefusal = Static<typeof ApiRefusal>
