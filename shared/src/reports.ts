import type { Static } from 'typebox'
import Type from 'typebox'

export const ConversionQuery = Type.Object({
  /** Window start/end in epoch ms; defaults to the last 30 days. */
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type ConversionQuery = Static<typeof ConversionQuery>

export const GuideConversion = Type.Object({
  guideUserid: Type.String(),
  guideName: Type.String(),
  storeName: Type.Union([Type.String(), Type.Null()]),
  recommendedSends: Type.Integer(),
  recommendedConverted: Type.Integer(),
  manualSends: Type.Integer(),
  manualConverted: Type.Integer(),
  /** Attributed order revenue in 分 (refunds netted). */
  attributedRevenue: Type.Integer(),
})
export type GuideConversion = Static<typeof GuideConversion>

export const ConversionReport = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  attributionWindowDays: Type.Integer(),
  rows: Type.Array(GuideConversion),
})
export type ConversionReport = Static<typeof ConversionReport>
