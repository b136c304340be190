// Order imports from the platforms' own export files, and the identity resolution behind them (issue 10).
import type { Static } from 'typebox'
import Type from 'typebox'
import { Platform } from './common.ts'

/** How a file's bytes were decoded: text encodings, or an Excel workbook. */
export const IMPORT_ENCODINGS = ['utf-8', 'utf-8-bom', 'gbk', 'gb18030', 'xlsx'] as const
export const ImportEncoding = Type.Enum(IMPORT_ENCODINGS)
export type ImportEncoding = Static<typeof ImportEncoding>

/** Which key linked an order to its member (a masked phone counts only together with the receiver's name). */
export const MATCH_KEYS = ['unionid', 'buyer_id', 'phone', 'masked_phone_name', 'manual'] as const
export const MatchKey = Type.Enum(MATCH_KEYS)
export type MatchKey = Static<typeof MatchKey>

/** A row that was not imported: its line in the file (1 = the first line) and why, in Chinese. */
export const RejectedRow = Type.Object({
  line: Type.Integer(),
  reason: Type.String(),
})
export type RejectedRow = Static<typeof RejectedRow>

/** An item whose SKU / 商家编码 / 外部系统编号 matched nothing in the catalog: kept, and shown here. */
export const UnmappedItem = Type.Object({
  outerId: Type.String(),
  title: Type.String(),
  lines: Type.Integer(),
})
export type UnmappedItem = Static<typeof UnmappedItem>

/**
 * What an import did. `orders` / `itemLines` count what the file holds (accepted rows); `paidFen` sums
 * what buyers paid once per order; a second run of the same file reports `imported: 0`.
 */
export const ImportReport = Type.Object({
  platform: Platform,
  encoding: ImportEncoding,
  orders: Type.Integer(),
  itemLines: Type.Integer(),
  paidFen: Type.Integer(),
  /** Orders the platform closed: cancelled, or refunded in full. */
  closedOrders: Type.Integer(),
  imported: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Array(RejectedRow),
  /** Orders of this file linked to a member; the rest wait in the unmatched queue. */
  matchedOrders: Type.Integer(),
  unmatchedOrders: Type.Integer(),
  /** Item lines of this file whose code matched nothing in the catalog (kept on their orders). */
  unmappedLines: Type.Integer(),
  /** Those lines by item code, most lines first (at most 200 codes). */
  unmappedItems: Type.Array(UnmappedItem),
})
export type ImportReport = Static<typeof ImportReport>

export const IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'refused', 'failed'] as const
export const ImportStatus = Type.Enum(IMPORT_STATUSES)
export type ImportStatus = Static<typeof ImportStatus>

/** A refusal of the whole file: nothing was written. `line` is null when no line is to blame. */
export const ImportRefusal = Type.Object({
  line: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String(),
})
export type ImportRefusal = Static<typeof ImportRefusal>

export const ImportSummary = Type.Object({
  id: Type.Integer(),
  platform: Type.Union([Platform, Type.Null()]),
  fileName: Type.String(),
  itemsFileName: Type.Union([Type.String(), Type.Null()]),
  status: ImportStatus,
  /** 0…1 while the job runs. */
  progress: Type.Union([Type.Number(), Type.Null()]),
  report: Type.Union([ImportReport, Type.Null()]),
  refusal: Type.Union([ImportRefusal, Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.Integer(),
  finishedAt: Type.Union([Type.Integer(), Type.Null()]),
})
export type ImportSummary = Static<typeof ImportSummary>

export const ImportList = Type.Object({ imports: Type.Array(ImportSummary) })
export type ImportList = Static<typeof ImportList>

export const UploadQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
})
export type UploadQuery = Static<typeof UploadQuery>

export const UploadedFile = Type.Object({
  fileId: Type.String(),
  name: Type.String(),
  bytes: Type.Integer(),
})
export type UploadedFile = Static<typeof UploadedFile>

const FileId = Type.String({ pattern: '^[0-9a-f]{32}$' })

export const StartImport = Type.Object({
  /** Omitted: detected from the header. */
  platform: Type.Optional(Platform),
  fileId: FileId,
  /** Taobao's separate item-detail file (宝贝报表). */
  itemsFileId: Type.Optional(FileId),
})
export type StartImport = Static<typeof StartImport>

export const ImportStarted = Type.Object({ importId: Type.Integer(), jobId: Type.Union([Type.Integer(), Type.Null()]) })
export type ImportStarted = Static<typeof ImportStarted>

export const ImportIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export type ImportIdParams = Static<typeof ImportIdParams>

/** Unmatched orders of one buyer account: an admin links the account to a member once, all its orders follow. */
export const UnmatchedBuyer = Type.Object({
  platform: Platform,
  /** The platform's buyer account (会员名 / 下单帐号 …), or null when the export has none. */
  buyerId: Type.Union([Type.String(), Type.Null()]),
  /** One order of the group, to resolve by. */
  orderId: Type.Integer(),
  orderNo: Type.String(),
  orders: Type.Integer(),
  paidFen: Type.Integer(),
  lastPaidAt: Type.Integer(),
  receiverName: Type.Union([Type.String(), Type.Null()]),
  phoneMasked: Type.Union([Type.String(), Type.Null()]),
})
export type UnmatchedBuyer = Static<typeof UnmatchedBuyer>

export const UnmatchedQuery = Type.Object({
  /** Opaque cursor from the previous page. */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
})
export type UnmatchedQuery = Static<typeof UnmatchedQuery>

/** One page of the queue, most recent payment first; `nextCursor` null on the last page. */
export const UnmatchedList = Type.Object({
  buyers: Type.Array(UnmatchedBuyer),
  /** Unmatched orders in the whole queue, not only this page. */
  totalOrders: Type.Integer(),
  /** Queue entries (buyer accounts, or orders without one) in the whole queue. */
  totalBuyers: Type.Integer(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
export type UnmatchedList = Static<typeof UnmatchedList>

export const AssignUnmatched = Type.Object({
  orderId: Type.Integer({ minimum: 1 }),
  memberId: Type.Integer({ minimum: 1 }),
})
export type AssignUnmatched = Static<typeof AssignUnmatched>

/** A manual identity decision (assign an account, or merge two members), recorded so it can be undone. */
export const IDENTITY_ACTIONS = ['assign', 'merge'] as const
export const IdentityAction = Type.Enum(IDENTITY_ACTIONS)
export type IdentityAction = Static<typeof IdentityAction>

export const IdentityResolution = Type.Object({
  id: Type.Integer(),
  action: IdentityAction,
  memberId: Type.Integer(),
  /** assign: the account's platform and buyer id; merge: null. */
  platform: Type.Union([Platform, Type.Null()]),
  buyerId: Type.Union([Type.String(), Type.Null()]),
  /** merge: the member whose orders and accounts moved. */
  fromMemberId: Type.Union([Type.Integer(), Type.Null()]),
  orders: Type.Integer(),
  /** The member's name then and now (members are not renamed by a decision). */
  memberName: Type.String(),
  fromMemberName: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  /** The admin's name, or null when the staff member is gone. */
  createdByName: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  undoneAt: Type.Union([Type.Integer(), Type.Null()]),
})
export type IdentityResolution = Static<typeof IdentityResolution>

export const IdentityResolutionList = Type.Object({ resolutions: Type.Array(IdentityResolution) })
export type IdentityResolutionList = Static<typeof IdentityResolutionList>

export const MergeMembers = Type.Object({
  /** The member that stays. */
  intoMemberId: Type.Integer({ minimum: 1 }),
  /** The member whose orders and platform accounts move (its WeCom contact and follows stay). */
  fromMemberId: Type.Integer({ minimum: 1 }),
})
export type MergeMembers = Static<typeof MergeMembers>

export const MemberSearchQuery = Type.Object({
  /** Member id, name (part of it), phone (full or masked), WeCom external id, unionid or platform buyer id. */
  q: Type.String({ minLength: 1, maxLength: 64 }),
})
export type MemberSearchQuery = Static<typeof MemberSearchQuery>

/** A member as an admin picks one to merge: enough to tell two 李四 apart. */
export const MemberBrief = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  phoneMasked: Type.Union([Type.String(), Type.Null()]),
  /** Null when the member never added a guide in WeCom (known from orders only). */
  externalUserid: Type.Union([Type.String(), Type.Null()]),
  orders: Type.Integer(),
  /** Platform accounts linked to the member. */
  identities: Type.Integer(),
})
export type MemberBrief = Static<typeof MemberBrief>

export const MemberSearchResult = Type.Object({ members: Type.Array(MemberBrief) })
export type MemberSearchResult = Static<typeof MemberSearchResult>

export const MergePreviewQuery = MergeMembers
export type MergePreviewQuery = MergeMembers

/** What a merge would move from `from` to `into`, before it is done. */
export const MergePreview = Type.Object({
  into: MemberBrief,
  from: MemberBrief,
  /** `from`'s orders by platform: each keeps its platform and buyer account after the merge. */
  ordersByPlatform: Type.Array(Type.Object({ platform: Platform, orders: Type.Integer(), paidFen: Type.Integer() })),
  identities: Type.Array(Type.Object({ platform: Platform, buyerId: Type.String() })),
})
export type MergePreview = Static<typeof MergePreview>

export const ResolutionIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export type ResolutionIdParams = Static<typeof ResolutionIdParams>
