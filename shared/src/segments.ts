import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs, Fen, Platform } from './common.ts'

/**
 * A segment: members carrying every listed tag (corp, manual or computed) and matching every given fact.
 * "Sleeping, spent ≥ ¥2,000, prefers 护肤, served by store A" is
 * `{tagIds: ['c:lifecycle:sleeping', 'c:category:护肤'], minSpentFen: 200000, storeIds: ['A']}`.
 */
export const SegmentDefinition = Type.Object({
  tagIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 20, uniqueItems: true })),
  /** Lifetime net spend (paid − refunded, orders not cancelled), 分, at least / at most. */
  minSpentFen: Type.Optional(Fen),
  maxSpentFen: Type.Optional(Fen),
  /** Days since the last purchase, at least / at most. */
  minDaysSincePurchase: Type.Optional(Type.Integer({ minimum: 0, maximum: 36500 })),
  maxDaysSincePurchase: Type.Optional(Type.Integer({ minimum: 0, maximum: 36500 })),
  /** Served by a guide of one of these stores (an active follow). */
  storeIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, uniqueItems: true })),
})
export type SegmentDefinition = Static<typeof SegmentDefinition>

export const SegmentMember = Type.Object({
  memberId: Type.Integer(),
  name: Type.String(),
  externalUserid: Type.Union([Type.String(), Type.Null()]),
  spentFen: Type.Integer(),
  lastPaidAt: Type.Union([EpochMs, Type.Null()]),
})
export type SegmentMember = Static<typeof SegmentMember>

export const SegmentPreview = Type.Object({
  size: Type.Integer({ minimum: 0 }),
  /** The biggest spenders of the segment, at most 20. */
  sample: Type.Array(SegmentMember),
})
export type SegmentPreview = Static<typeof SegmentPreview>

export const SegmentOptions = Type.Object({
  tagGroups: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    source: Type.Union([Type.Literal('wecom'), Type.Literal('computed'), Type.Literal('manual')]),
    tags: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  })),
  /** The stores the caller may filter by (a supervisor: their own). */
  stores: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
})
export type SegmentOptions = Static<typeof SegmentOptions>

export const SavedSegment = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  definition: SegmentDefinition,
  createdBy: Type.String(),
  createdAt: EpochMs,
  size: Type.Integer({ minimum: 0 }),
})
export type SavedSegment = Static<typeof SavedSegment>

export const SaveSegmentRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 60 }),
  definition: SegmentDefinition,
})
export type SaveSegmentRequest = Static<typeof SaveSegmentRequest>

export const SegmentList = Type.Object({ items: Type.Array(SavedSegment) })
export type SegmentList = Static<typeof SegmentList>

export const SegmentIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export type SegmentIdParams = Static<typeof SegmentIdParams>

/** A sleeping or lost member worth winning back: why (her lifecycle facts) and what she bought last. */
export const WinBackItem = Type.Object({
  memberId: Type.Integer(),
  externalUserid: Type.String(),
  name: Type.String(),
  avatar: Type.Union([Type.String(), Type.Null()]),
  remark: Type.Union([Type.String(), Type.Null()]),
  stage: Type.Union([Type.Literal('sleeping'), Type.Literal('lost')]),
  /** The lifecycle explanation (locale key `tags.why.lifecycle.*`) computed from her orders at read time. */
  reason: Type.Object({ key: Type.String(), params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])) }),
  /** Lifetime net spend, 分 (the list is ordered by it). */
  spentFen: Type.Integer(),
  lastOrder: Type.Object({
    paidAt: EpochMs,
    platform: Platform,
    netFen: Type.Integer(),
    items: Type.Array(Type.Object({ name: Type.String(), quantity: Type.Integer() })),
  }),
})
export type WinBackItem = Static<typeof WinBackItem>
