import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs, Fen, Platform } from './common.ts'
import { Recommendations } from './recommend.ts'
import { ReplyVariableValues } from './replies.ts'
import { MemberTag } from './tags.ts'

export const MemberContextQuery = Type.Object({
  externalUserId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  orderLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
})
export type MemberContextQuery = Static<typeof MemberContextQuery>

export const OrdersQuery = Type.Object({
  memberId: Type.Integer({ minimum: 1 }),
  /** Opaque cursor from the previous page. */
  cursor: Type.Optional(Type.String({ maxLength: 64, pattern: '^[0-9]+_[0-9]+$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
})
export type OrdersQuery = Static<typeof OrdersQuery>

export const FollowInfo = Type.Object({
  guideUserid: Type.String(),
  guideName: Type.String(),
  remark: Type.Union([Type.String(), Type.Null()]),
  addedAt: EpochMs,
  addWay: Type.Integer(),
  state: Type.Union([Type.String(), Type.Null()]),
  isMe: Type.Boolean(),
})
export type FollowInfo = Static<typeof FollowInfo>

export const OrderLine = Type.Object({
  skuId: Type.String(),
  spuId: Type.String(),
  name: Type.String(),
  categoryPath: Type.String(),
  color: Type.Union([Type.String(), Type.Null()]),
  size: Type.Union([Type.String(), Type.Null()]),
  quantity: Type.Integer(),
  unitPrice: Fen,
  amount: Fen,
  imageUrl: Type.String(),
  linkUrl: Type.String(),
})
export type OrderLine = Static<typeof OrderLine>

/**
 * A line whose platform SKU / 商家编码 matched nothing in the brand's catalog: shown with the platform's own
 * title and code (未匹配商品), never dropped.
 */
export const UnmappedOrderLine = Type.Object({
  /** The platform's item code as exported; empty when the export had none. */
  outerId: Type.String(),
  title: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Fen,
  amount: Fen,
})
export type UnmappedOrderLine = Static<typeof UnmappedOrderLine>

export const OrderStatus = Type.Union([
  Type.Literal('paid'),
  Type.Literal('shipped'),
  Type.Literal('completed'),
  Type.Literal('refunded'),
  Type.Literal('cancelled'),
])

export const Order = Type.Object({
  id: Type.Integer(),
  platform: Platform,
  orderNo: Type.String(),
  status: OrderStatus,
  totalAmount: Fen,
  paidAmount: Fen,
  refundedAmount: Fen,
  paidAt: EpochMs,
  storeName: Type.Union([Type.String(), Type.Null()]),
  /** The platform account that placed it (会员名 / 下单帐号 / openid): where the order came from, also after a merge. */
  buyerId: Type.Union([Type.String(), Type.Null()]),
  lines: Type.Array(OrderLine),
  unmappedLines: Type.Array(UnmappedOrderLine),
})
export type Order = Static<typeof Order>

export const OrderPage = Type.Object({
  orders: Type.Array(Order),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
export type OrderPage = Static<typeof OrderPage>

export const PlatformTotal = Type.Object({
  platform: Platform,
  orderCount: Type.Integer(),
  /** Paid minus refunded. */
  netAmount: Type.Integer(),
})

export const OrderTotals = Type.Object({
  orderCount: Type.Integer(),
  netAmount: Type.Integer(),
  firstPaidAt: Type.Union([EpochMs, Type.Null()]),
  lastPaidAt: Type.Union([EpochMs, Type.Null()]),
  byPlatform: Type.Array(PlatformTotal),
})
export type OrderTotals = Static<typeof OrderTotals>

export const MemberProfile = Type.Object({
  id: Type.Integer(),
  externalUserid: Type.String(),
  name: Type.String(),
  avatar: Type.Union([Type.String(), Type.Null()]),
  gender: Type.Integer(),
  city: Type.Union([Type.String(), Type.Null()]),
  level: Type.Union([Type.String(), Type.Null()]),
  phoneMasked: Type.Union([Type.String(), Type.Null()]),
  homeStoreName: Type.Union([Type.String(), Type.Null()]),
  platforms: Type.Array(Platform),
})
export type MemberProfile = Static<typeof MemberProfile>

export const MemberContext = Type.Object({
  member: MemberProfile,
  follows: Type.Array(FollowInfo),
  tags: Type.Array(MemberTag),
  totals: OrderTotals,
  orders: OrderPage,
  /** Fills the reply library (`GET /api/reply-groups?withReplies=true`, loaded once per session) for this chat. */
  replyVariables: ReplyVariableValues,
  recommendations: Recommendations,
})
export type MemberContext = Static<typeof MemberContext>

export const MemberListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 40 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
})
export type MemberListQuery = Static<typeof MemberListQuery>

export const MemberListItem = Type.Object({
  id: Type.Integer(),
  externalUserid: Type.String(),
  name: Type.String(),
  avatar: Type.Union([Type.String(), Type.Null()]),
  remark: Type.Union([Type.String(), Type.Null()]),
  lastPaidAt: Type.Union([EpochMs, Type.Null()]),
})
export type MemberListItem = Static<typeof MemberListItem>

export const MemberList = Type.Object({
  items: Type.Array(MemberListItem),
  total: Type.Integer(),
})
export type MemberList = Static<typeof MemberList>
