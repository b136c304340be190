import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs, Fen } from './common.ts'
import { RecommendedProduct } from './recommend.ts'
import { WinBackItem } from './segments.ts'

export const TodayQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
})
export type TodayQuery = Static<typeof TodayQuery>

export const TodayItem = Type.Object({
  memberId: Type.Integer(),
  externalUserid: Type.String(),
  name: Type.String(),
  avatar: Type.Union([Type.String(), Type.Null()]),
  remark: Type.Union([Type.String(), Type.Null()]),
  /** Worth of contacting today: P(buy in 30 d) × expected order value, in 分. */
  score: Type.Number(),
  pBuy30: Type.Union([Type.Number(), Type.Null()]),
  expectedValue: Type.Union([Fen, Type.Null()]),
  expectedNextAt: Type.Union([EpochMs, Type.Null()]),
  lastContactAt: Type.Union([EpochMs, Type.Null()]),
  leadProducts: Type.Array(RecommendedProduct),
})
export type TodayItem = Static<typeof TodayItem>

export const TodayList = Type.Object({
  items: Type.Array(TodayItem),
  /** Sleeping and lost members to win back, biggest spenders first (issue 10). */
  winBack: Type.Array(WinBackItem),
  generatedAt: EpochMs,
})
export type TodayList = Static<typeof TodayList>
