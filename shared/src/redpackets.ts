import type { Static } from 'typebox'
import Type from 'typebox'

/**
 * sending: reserved and being paid, or the pay call's outcome is not known yet (shown as 处理中);
 * sent: WeChat Pay accepted it; received: the customer opened it; refunded: unclaimed for 24 h, money back;
 * failed: WeChat Pay definitely did not pay (the reservation is released).
 */
export const redPacketStatusList = ['sending', 'sent', 'received', 'refunded', 'failed'] as const
export const RedPacketStatus = Type.Enum(redPacketStatusList)
export type RedPacketStatus = Static<typeof RedPacketStatus>

/** Which limit refused a packet (the message says it in Chinese, with the numbers). */
export const redPacketLimitList = ['packet_min', 'packet_max', 'guide_day_count', 'guide_day_amount', 'member_day_count', 'member_day_amount', 'member_month_count', 'member_month_amount', 'store_month_budget'] as const
export const RedPacketLimit = Type.Enum(redPacketLimitList)
export type RedPacketLimit = Static<typeof RedPacketLimit>

/**
 * Why the server refused to send a packet, as `ApiError.reason`, with the numbers in `ApiError.params`:
 * a limit (params `amountFen` and the limit's `limitFen` or `usedCount`/`limitCount` or `usedFen`/`limitFen`),
 * or pay not set up, a caller who is not a guide, a guide without a store, an unknown reason code, an order
 * of someone else, a member not yet a WeCom contact. The sidebar words each in the guide's language.
 */
export const redPacketRefusalList = [...redPacketLimitList, 'pay_not_configured', 'not_a_guide', 'guide_without_store', 'unknown_reason', 'order_not_members', 'member_not_contact'] as const
export type RedPacketRefusal = typeof redPacketRefusalList[number]

const Fen = Type.Integer({ minimum: 0, maximum: 100_000_000 })

export const RedPacketReason = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9_]+$' }),
  label: Type.String({ minLength: 1, maxLength: 32 }),
  labelEn: Type.String({ minLength: 1, maxLength: 64 }),
})
export type RedPacketReason = Static<typeof RedPacketReason>

/** What an admin sets in the console. Amounts in 分. */
export const RedPacketSettings = Type.Object({
  minFen: Type.Integer({ minimum: 30, maximum: 500_000 }),
  maxFen: Type.Integer({ minimum: 30, maximum: 500_000 }),
  guideDayCount: Type.Integer({ minimum: 0, maximum: 10_000 }),
  guideDayFen: Fen,
  memberDayCount: Type.Integer({ minimum: 0, maximum: 10 }),
  memberDayFen: Fen,
  memberMonthCount: Type.Integer({ minimum: 0, maximum: 1_000 }),
  memberMonthFen: Fen,
  /** Budget of each store per calendar month (Asia/Shanghai) unless the store has its own. */
  storeMonthFen: Fen,
  presetsFen: Type.Array(Type.Integer({ minimum: 30, maximum: 500_000 }), { maxItems: 6 }),
  reasons: Type.Array(RedPacketReason, { minItems: 1, maxItems: 20 }),
  /** act_name of the pay call (≤ 32). */
  actName: Type.String({ minLength: 1, maxLength: 32 }),
  defaultWishing: Type.String({ minLength: 1, maxLength: 128 }),
})
export type RedPacketSettings = Static<typeof RedPacketSettings>

export const RedPacketSettingsPage = Type.Object({
  settings: RedPacketSettings,
  storeBudgets: Type.Array(Type.Object({ storeId: Type.String(), storeName: Type.String(), monthFen: Type.Union([Fen, Type.Null()]) })),
})
export type RedPacketSettingsPage = Static<typeof RedPacketSettingsPage>

export const UpdateStoreBudgetsRequest = Type.Object({
  /** monthFen null: back to the default storeMonthFen. */
  // Null first: the server's AJV coerces types, and would turn null into 0 for an integer listed first.
  budgets: Type.Array(Type.Object({ storeId: Type.String({ minLength: 1, maxLength: 64 }), monthFen: Type.Union([Type.Null(), Fen]) }), { maxItems: 1000 }),
})
export type UpdateStoreBudgetsRequest = Static<typeof UpdateStoreBudgetsRequest>

export const CreateRedPacketRequest = Type.Object({
  /** Client-generated (UUID); a double click or a retried request reuses it and gets the same packet. */
  idempotencyKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  memberId: Type.Integer({ minimum: 1 }),
  orderId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Whole 分: 1.5 is refused by the schema. */
  amountFen: Type.Integer({ minimum: 1, maximum: 500_000 }),
  reasonCode: Type.String({ minLength: 1, maxLength: 32 }),
  wishing: Type.String({ minLength: 1, maxLength: 128 }),
})
export type CreateRedPacketRequest = Static<typeof CreateRedPacketRequest>

export const RedPacketRecord = Type.Object({
  id: Type.Integer(),
  mchBillno: Type.String(),
  memberId: Type.Integer(),
  orderId: Type.Union([Type.Integer(), Type.Null()]),
  guideUserid: Type.String(),
  storeId: Type.String(),
  amountFen: Type.Integer(),
  reasonCode: Type.String(),
  wishing: Type.String(),
  status: RedPacketStatus,
  createdAt: Type.Integer(),
  sentAt: Type.Union([Type.Integer(), Type.Null()]),
  receivedAt: Type.Union([Type.Integer(), Type.Null()]),
  refundedAt: Type.Union([Type.Integer(), Type.Null()]),
  failedAt: Type.Union([Type.Integer(), Type.Null()]),
  /** Why it failed (WeChat Pay's err_code_des), or what is still uncertain. */
  lastError: Type.Union([Type.String(), Type.Null()]),
})
export type RedPacketRecord = Static<typeof RedPacketRecord>

export const RedPacketIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export const MemberRedPacketsQuery = Type.Object({ memberId: Type.Integer({ minimum: 1 }) })

/** What is left of the guide's own allowance today (Asia/Shanghai). */
export const GuideAllowance = Type.Object({
  dayCountLeft: Type.Integer(),
  dayFenLeft: Type.Integer(),
  dayCount: Type.Integer(),
  dayFen: Type.Integer(),
})
export type GuideAllowance = Static<typeof GuideAllowance>

/** The sidebar's red-packet sheet for one member: presets, reasons, allowance and the member's packets. */
export const MemberRedPackets = Type.Object({
  minFen: Type.Integer(),
  maxFen: Type.Integer(),
  presetsFen: Type.Array(Type.Integer()),
  reasons: Type.Array(RedPacketReason),
  defaultWishing: Type.String(),
  allowance: GuideAllowance,
  packets: Type.Array(RedPacketRecord),
})
export type MemberRedPackets = Static<typeof MemberRedPackets>

/** A calendar month in Asia/Shanghai, `2026-12`. */
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })

export const SpendQuery = Type.Object({
  month: Month,
  storeId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
})
export type SpendQuery = Static<typeof SpendQuery>

const SpendRow = Type.Object({
  key: Type.String(),
  label: Type.String(),
  packets: Type.Integer(),
  /** Paid and not refunded (sent + received), 分. */
  spentFen: Type.Integer(),
  /** Reserved while 处理中, 分. */
  pendingFen: Type.Integer(),
  /** Orders by the same member paid within the attribution window after the packet. */
  followedOrders: Type.Integer(),
  followedRevenueFen: Type.Integer(),
})
export type SpendRow = Static<typeof SpendRow>

export const RedPacketSpend = Type.Object({
  month: Type.String(),
  windowDays: Type.Integer(),
  total: SpendRow,
  byStore: Type.Array(SpendRow),
  byGuide: Type.Array(SpendRow),
  byReason: Type.Array(SpendRow),
  byDay: Type.Array(SpendRow),
})
export type RedPacketSpend = Static<typeof RedPacketSpend>

export const ExportQuery = Type.Object({
  month: Month,
  storeId: Type.String({ minLength: 1, maxLength: 64 }),
  format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]),
})
export type ExportQuery = Static<typeof ExportQuery>
