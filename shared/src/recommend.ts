import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs, Fen } from './common.ts'
import { ReasonFacts } from './reasons.ts'

export const RecommendedProduct = Type.Object({
  skuId: Type.String(),
  spuId: Type.String(),
  name: Type.String(),
  categoryPath: Type.String(),
  price: Fen,
  imageUrl: Type.String(),
  linkUrl: Type.String(),
  score: Type.Number(),
  /** Why: the kind (`facts.code`) and what it rests on; formatReason words it in a language. */
  facts: ReasonFacts,
})
export type RecommendedProduct = Static<typeof RecommendedProduct>

export const Propensity = Type.Object({
  /** Blank (null) when the history is too thin to say anything honest. */
  pBuy7: Type.Union([Type.Number(), Type.Null()]),
  pBuy30: Type.Union([Type.Number(), Type.Null()]),
  pAlive: Type.Union([Type.Number(), Type.Null()]),
  expectedNextAt: Type.Union([EpochMs, Type.Null()]),
  sufficiency: Type.Union([Type.Literal('ok'), Type.Literal('thin'), Type.Literal('none')]),
})
export type Propensity = Static<typeof Propensity>

export const Recommendations = Type.Object({
  /** Id of the logged recommendation; sends made from it carry it. Null when nothing was ready. */
  recommendationId: Type.Union([Type.Integer(), Type.Null()]),
  propensity: Propensity,
  items: Type.Array(RecommendedProduct),
})
export type Recommendations = Static<typeof Recommendations>
