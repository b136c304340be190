import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs, Fen } from './common.ts'
import { ReasonFacts } from './reasons.ts'

/** Where a recommendation's score comes from; the reason shown names the largest. */
export const ScoreSource = Type.Enum(['personal', 'neighbours', 'complement', 'popular', 'restock', 'explore'] as const)
export type ScoreSource = Static<typeof ScoreSource>

/**
 * The score split by source (they sum to `score`): personal = her own past purchases of this item,
 * neighbours = what similar members buy, complement = bought together with her items, popular =
 * what sells now, restock = the boost of a consumable whose cycle is due, explore = the new-arrival slot.
 */
export const ScoreContributions = Type.Object({
  personal: Type.Number(),
  neighbours: Type.Number(),
  complement: Type.Number(),
  popular: Type.Number(),
  restock: Type.Number(),
  explore: Type.Number(),
})
export type ScoreContributions = Static<typeof ScoreContributions>

export const RecommendedProduct = Type.Object({
  skuId: Type.String(),
  spuId: Type.String(),
  name: Type.String(),
  categoryPath: Type.String(),
  price: Fen,
  imageUrl: Type.String(),
  linkUrl: Type.String(),
  score: Type.Number(),
  contributions: ScoreContributions,
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
