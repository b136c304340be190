import type { Static } from 'typebox'
import Type from 'typebox'
import { ApiRefusal } from './refusals.ts'

export const Platform = Type.Union([
  Type.Literal('taobao'),
  Type.Literal('jd'),
  Type.Literal('douyin'),
  Type.Literal('youzan'),
  Type.Literal('miniprogram'),
  Type.Literal('pos'),
])
export type Platform = Static<typeof Platform>
export const platformList: readonly Platform[] = ['taobao', 'jd', 'douyin', 'youzan', 'miniprogram', 'pos']

export const Role = Type.Union([Type.Literal('guide'), Type.Literal('supervisor'), Type.Literal('admin')])
export type Role = Static<typeof Role>
export const roleList: readonly Role[] = Role.anyOf.map(literal => literal.const)

/**
 * The pattern of a text that must hold more than white space (a note, a tag name); the server's error handler
 * recognises it to word the refusal as `text_blank`.
 */
export const NOT_BLANK_PATTERN = '\\S'

/** Every 4xx/5xx body: `error` is a stable code, `message` names what is wrong. */
export const ApiError = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  /** On 5xx: the id of the server log line. */
  requestId: Type.Optional(Type.String()),
  /** Where a client words the refusal itself (red packets, sends, notes): why, as a code its locale files know… */
  reason: Type.Optional(ApiRefusal),
  /** …and the values that text names (amounts in 分, counts). */
  params: Type.Optional(Type.Record(Type.String(), Type.Integer())),
})
export type ApiError = Static<typeof ApiError>

/** Money is integer 分 (cents) everywhere. */
export const Fen = Type.Integer({ minimum: 0 })

const yuan = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** Integer 分 → `¥1,299.00` (negative: `-¥12.00`). */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  return `${sign}¥${yuan.format(Math.abs(fen) / 100)}`
}

/** UTC epoch milliseconds. */
export const EpochMs = Type.Integer({ minimum: 0 })
