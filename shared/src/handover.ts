import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs } from './common.ts'

/** 在职继承 (the old guide still works here) or 离职继承 (they left: WeCom status 5). */
export const handoverKindList = ['in_service', 'resigned'] as const
export const HandoverKind = Type.Enum(handoverKindList)
export type HandoverKind = Static<typeof HandoverKind>

/**
 * queued: accepted by us, not yet sent to WeCom; pending: WeCom started the transfer (the customer may refuse
 * within 24 h, the old guide keeps them meanwhile); completed: the customer is the new guide's; refused: the
 * customer declined or the new guide is full; failed: WeCom refused the request for this customer.
 */
export const handoverItemStatusList = ['queued', 'pending', 'completed', 'refused', 'failed'] as const
export const HandoverItemStatus = Type.Enum(handoverItemStatusList)
export type HandoverItemStatus = Static<typeof HandoverItemStatus>

/** Why a customer did not move; the console shows locale text per code (plus WeCom's errcode). */
export const handoverReasonList = [
  'customer_refused',
  'takeover_limit',
  'transferred_too_often',
  'not_customer',
  'handover_not_resigned',
  'takeover_not_verified',
  'same_guide',
  'no_permission',
  'wecom_error',
] as const
export const HandoverReason = Type.Enum(handoverReasonList)
export type HandoverReason = Static<typeof HandoverReason>

/** WeCom hands over at most this many customers per transfer_customer call. */
export const TRANSFER_BATCH_LIMIT = 100

export const CreateHandoverRequest = Type.Object({
  fromUserid: Type.String({ minLength: 1, maxLength: 64 }),
  toUserid: Type.String({ minLength: 1, maxLength: 64 }),
  /** Customers to hand over; omit with `all: true` for every customer of the old guide. */
  memberIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 5000, uniqueItems: true })),
  all: Type.Optional(Type.Boolean()),
  /** transfer_success_msg: what WeCom sends the customer once it is done (在职继承 only). */
  message: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false })
export type CreateHandoverRequest = Static<typeof CreateHandoverRequest>

export const HandoverIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const HandoverCustomersQuery = Type.Object({ fromUserid: Type.String({ minLength: 1, maxLength: 64 }) })

export const HandoverCounts = Type.Object({
  queued: Type.Integer(),
  pending: Type.Integer(),
  completed: Type.Integer(),
  refused: Type.Integer(),
  failed: Type.Integer(),
})
export type HandoverCounts = Static<typeof HandoverCounts>

export const HandoverSummary = Type.Object({
  id: Type.Integer(),
  kind: HandoverKind,
  handoverUserid: Type.String(),
  handoverName: Type.String(),
  takeoverUserid: Type.String(),
  takeoverName: Type.String(),
  createdBy: Type.String(),
  createdAt: EpochMs,
  counts: HandoverCounts,
})
export type HandoverSummary = Static<typeof HandoverSummary>

export const HandoverItem = Type.Object({
  id: Type.Integer(),
  memberId: Type.Integer(),
  memberName: Type.String(),
  externalUserid: Type.String(),
  status: HandoverItemStatus,
  reason: Type.Union([HandoverReason, Type.Null()]),
  errcode: Type.Union([Type.Integer(), Type.Null()]),
  takeoverAt: Type.Union([EpochMs, Type.Null()]),
  updatedAt: EpochMs,
})
export type HandoverItem = Static<typeof HandoverItem>

export const HandoverDetail = Type.Object({ ...HandoverSummary.properties, items: Type.Array(HandoverItem) })
export type HandoverDetail = Static<typeof HandoverDetail>

export const HandoverList = Type.Object({ items: Type.Array(HandoverSummary) })
export type HandoverList = Static<typeof HandoverList>

/** A guide as the handover page offers them: who can give and who can take customers. */
export const HandoverStaff = Type.Object({
  userid: Type.String(),
  name: Type.String(),
  storeName: Type.Union([Type.String(), Type.Null()]),
  /** Left the company (WeCom status 5): only a 离职继承 can move their customers. */
  resigned: Type.Boolean(),
  activeCustomers: Type.Integer(),
})
export type HandoverStaff = Static<typeof HandoverStaff>

export const HandoverStaffList = Type.Object({ items: Type.Array(HandoverStaff) })
export type HandoverStaffList = Static<typeof HandoverStaffList>

export const HandoverCustomer = Type.Object({
  memberId: Type.Integer(),
  name: Type.String(),
  externalUserid: Type.String(),
  remark: Type.Union([Type.String(), Type.Null()]),
  /** Status of the member's open handover, if one is under way. */
  openStatus: Type.Union([HandoverItemStatus, Type.Null()]),
})
export type HandoverCustomer = Static<typeof HandoverCustomer>

export const HandoverCustomerList = Type.Object({ items: Type.Array(HandoverCustomer) })
export type HandoverCustomerList = Static<typeof HandoverCustomerList>

/** 离职继承 candidates: guides who left with customers WeCom still lists as unassigned (get_unassigned_list). */
export const UnassignedGuide = Type.Object({
  handoverUserid: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  customers: Type.Integer(),
  dimissionTime: EpochMs,
})
export const UnassignedGuideList = Type.Object({ items: Type.Array(UnassignedGuide) })
export type UnassignedGuideList = Static<typeof UnassignedGuideList>
