// The whole data model in one place (drizzle, SQLite dialect). Conventions:
// money is integer 分, times are UTC epoch milliseconds, PII used only for matching is hashed.
// Tables for later modules (recommendation, attribution) live here too so migrations stay linear.
import type { AlertFinding, ImportRefusal, ImportReport, ReasonCode, RecommendedProduct, RedPacketSettings, SegmentDefinition } from '@scrm/shared'
import { ALERT_STATUSES, ARCHIVE_ACCESS_ACTIONS, ARCHIVE_MEDIA_STATUSES, ARCHIVE_REJECT_REASONS, ARCHIVE_SENDERS, chatMessageTypes, handoverItemStatusList, handoverKindList, handoverReasonList, IDENTITY_ACTIONS, IMPORT_STATUSES, JOB_STATUSES, MATCH_KEYS, materialKindList, noteKindList, redPacketStatusList, RULE_BEHAVIOURS, RULE_KINDS, RULE_SCOPES, sendStatusList } from '@scrm/shared'
import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** DDL default: the database clock in epoch ms (pg-schema-codegen.ts maps it to PostgreSQL's equivalent). */
export const nowMs = sql`(cast(unixepoch('subsec') * 1000 as integer))`

export const stores = sqliteTable('stores', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  city: text('city').notNull(),
  /** WeCom department id the store maps to (supervisor scope comes from it). */
  wecomDepartmentId: integer('wecom_department_id').notNull().unique(),
})

export const staff = sqliteTable('staff', {
  /** WeCom userid. */
  userid: text('userid').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['guide', 'supervisor', 'admin'] }).notNull(),
  storeId: text('store_id').references(() => stores.id),
  avatar: text('avatar'),
  /** WeCom member status: 1 active, 2 disabled, 4 not activated, 5 left. */
  status: integer('status').notNull().default(1),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [index('staff_store_idx').on(t.storeId)])

export const members = sqliteTable('members', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** WeCom external contact id (wm… / wo…); null until the member adds a guide. */
  externalUserid: text('external_userid').unique(),
  unionid: text('unionid').unique(),
  /** SHA-256 of the normalised mobile number; matching only, never shown. */
  phoneHash: text('phone_hash'),
  /** Masked mobile for display, e.g. 138****5678. */
  phoneMasked: text('phone_masked'),
  name: text('name').notNull(),
  avatar: text('avatar'),
  gender: integer('gender').notNull().default(0),
  city: text('city'),
  birthday: text('birthday'),
  /** Brand membership level (普通/银卡/金卡/黑金). */
  level: text('level'),
  homeStoreId: text('home_store_id').references(() => stores.id),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [index('members_phone_idx').on(t.phoneHash)])

/** Every id a member is known by on a sales platform or in WeCom. */
export const memberIdentities = sqliteTable('member_identities', {
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  platform: text('platform', { enum: ['taobao', 'jd', 'douyin', 'youzan', 'miniprogram', 'pos'] }).notNull(),
  buyerId: text('buyer_id').notNull(),
}, t => [
  primaryKey({ columns: [t.platform, t.buyerId] }),
  index('member_identities_member_idx').on(t.memberId),
])

/** A guide ↔ member relation as WeCom reports it (follow_user / follow_info). */
export const follows = sqliteTable('follows', {
  guideUserid: text('guide_userid').notNull().references(() => staff.userid),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  remark: text('remark'),
  description: text('description'),
  addedAt: integer('added_at').notNull(),
  /** WeCom add_way, stored verbatim (unknown values included). */
  addWay: integer('add_way').notNull().default(0),
  /** 「联系我」 channel state, e.g. store_S01. */
  state: text('state'),
  status: text('status', { enum: ['active', 'deleted_by_guide', 'deleted_by_member'] }).notNull().default('active'),
}, t => [
  primaryKey({ columns: [t.guideUserid, t.memberId] }),
  index('follows_member_idx').on(t.memberId),
])

export const products = sqliteTable('products', {
  skuId: text('sku_id').primaryKey(),
  spuId: text('spu_id').notNull(),
  name: text('name').notNull(),
  /** Slash-separated category path, e.g. 服装/外套/羽绒服. */
  categoryPath: text('category_path').notNull(),
  /** Category used for preferences, diversity and attribution: the second path segment (外套, 护肤 …). */
  category: text('category').notNull(),
  price: integer('price').notNull(),
  season: text('season'),
  color: text('color'),
  size: text('size'),
  /** Free attributes as JSON (style, material, …). */
  attributes: text('attributes', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
  stock: integer('stock').notNull().default(0),
  imageUrl: text('image_url').notNull(),
  linkUrl: text('link_url').notNull(),
  miniprogramPage: text('miniprogram_page'),
  /** Replenished consumable (skincare, socks …) vs. one-off item; guides restock reasons. */
  consumable: integer('consumable', { mode: 'boolean' }).notNull().default(false),
  launchedAt: integer('launched_at').notNull(),
  status: text('status', { enum: ['on_sale', 'off_sale'] }).notNull().default('on_sale'),
}, t => [index('products_spu_idx').on(t.spuId), index('products_category_idx').on(t.category)])

export const platforms = ['taobao', 'jd', 'douyin', 'youzan', 'miniprogram', 'pos'] as const

export const orders = sqliteTable('orders', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  platform: text('platform', { enum: platforms }).notNull(),
  orderNo: text('order_no').notNull(),
  /** Null while the buyer is not matched to a member (unmatched-orders queue). */
  memberId: integer('member_id').references(() => members.id),
  buyerId: text('buyer_id'),
  storeId: text('store_id').references(() => stores.id),
  status: text('status', { enum: ['paid', 'shipped', 'completed', 'refunded', 'cancelled'] }).notNull(),
  totalAmount: integer('total_amount').notNull(),
  paidAmount: integer('paid_amount').notNull(),
  refundedAmount: integer('refunded_amount').notNull().default(0),
  paidAt: integer('paid_at').notNull(),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [
  uniqueIndex('orders_platform_no_idx').on(t.platform, t.orderNo),
  index('orders_member_paid_idx').on(t.memberId, t.paidAt),
  index('orders_paid_idx').on(t.paidAt),
])

export const orderLines = sqliteTable('order_lines', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
  skuId: text('sku_id').notNull().references(() => products.skuId),
  spuId: text('spu_id').notNull(),
  quantity: integer('quantity').notNull(),
  unitPrice: integer('unit_price').notNull(),
  amount: integer('amount').notNull(),
}, t => [index('order_lines_order_idx').on(t.orderId), index('order_lines_sku_idx').on(t.skuId)])

export const tagGroups = sqliteTable('tag_groups', {
  /** WeCom group_id for synced groups; our own id for computed/manual ones. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  source: text('source', { enum: ['wecom', 'computed', 'manual'] }).notNull(),
  deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
  /** A WeCom group this app created (add_corp_tag): WeCom lets an app rename, reorder and delete only its own. */
  createdByApp: integer('created_by_app', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull().default(nowMs),
})

export const tags = sqliteTable('tags', {
  id: text('id').primaryKey(),
  groupId: text('group_id').notNull().references(() => tagGroups.id),
  name: text('name').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
  /** A WeCom tag this app created (add_corp_tag), possibly in a group it did not create: only these it may edit or delete. */
  createdByApp: integer('created_by_app', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [index('tags_group_idx').on(t.groupId)])

export const memberTags = sqliteTable('member_tags', {
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  tagId: text('tag_id').notNull().references(() => tags.id),
  source: text('source', { enum: ['wecom', 'computed', 'manual'] }).notNull(),
  /** Guide who set it (WeCom tags are set per follow relation). */
  taggedBy: text('tagged_by'),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [primaryKey({ columns: [t.memberId, t.tagId] })])

export const replyGroups = sqliteTable('reply_groups', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
})

export const replies = sqliteTable('replies', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  groupId: integer('group_id').notNull().references(() => replyGroups.id),
  title: text('title').notNull(),
  /** Text with variables such as {{称呼}}, {{导购}}, {{门店}} (shared replyVariableList). */
  content: text('content').notNull(),
  useCount: integer('use_count').notNull().default(0),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [index('replies_group_idx').on(t.groupId)])

/** What the send log records: every chat msgtype (derived from the shared API) plus red packets. */
export const sendKinds = [...chatMessageTypes, 'redpacket'] as const
/** Derived from the shared API enum; a new value in a text enum needs no migration. */
export const sendStatuses = sendStatusList

/** The send log: written before ww.sendChatMessage, completed after it. */
export const sends = sqliteTable('sends', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Client-supplied key: a double click or a retry never makes two rows. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  guideUserid: text('guide_userid').notNull().references(() => staff.userid),
  memberId: integer('member_id').notNull().references(() => members.id),
  kind: text('kind', { enum: sendKinds }).notNull(),
  payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  replyId: integer('reply_id').references(() => replies.id),
  skuId: text('sku_id').references(() => products.skuId),
  /** Set when the send came from a recommendation (issue: feedback loop). */
  recommendationId: integer('recommendation_id'),
  reasonCode: text('reason_code'),
  status: text('status', { enum: sendStatuses }).notNull().default('pending'),
  errMsg: text('err_msg'),
  createdAt: integer('created_at').notNull(),
  completedAt: integer('completed_at'),
}, t => [
  index('sends_member_idx').on(t.memberId, t.createdAt),
  index('sends_guide_idx').on(t.guideUserid, t.createdAt),
])

/** Shared cache for WeCom access tokens and JS-SDK tickets (several instances share one). */
export const wecomCredentials = sqliteTable('wecom_credentials', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  expiresAt: integer('expires_at').notNull(),
})

/** A trained model (recommendation, propensity) written by the training job; any instance loads the latest. */
export const modelRuns = sqliteTable('model_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  trainedAt: integer('trained_at').notNull(),
  params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  metrics: text('metrics', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  /** Serialised model (gzip), loaded in-process for fast scoring. */
  artifact: blob('artifact', { mode: 'buffer' }),
}, t => [index('model_runs_kind_idx').on(t.kind, t.trainedAt)])

export interface RecommendedItemLog {
  skuId: string
  spuId: string
  reasonCode: ReasonCode
  score: number
  rank: number
}

/** What was recommended to whom and when; sends made from it point here. */
export const recommendations = sqliteTable('recommendations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  guideUserid: text('guide_userid').notNull(),
  modelRunId: integer('model_run_id').references(() => modelRuns.id),
  items: text('items', { mode: 'json' }).$type<RecommendedItemLog[]>().notNull(),
  createdAt: integer('created_at').notNull(),
}, t => [index('recommendations_member_idx').on(t.memberId, t.createdAt)])

/**
 * An order credited to the last qualifying send before it (last touch) within the attribution
 * window. One order is credited to at most one send; revenue is net of refunds.
 */
export const attributions = sqliteTable('attributions', {
  orderId: integer('order_id').primaryKey().references(() => orders.id, { onDelete: 'cascade' }),
  sendId: integer('send_id').notNull().references(() => sends.id),
  /** How the order matched the send: same SKU, same SPU, or same category. */
  matchLevel: text('match_level', { enum: ['sku', 'spu', 'category'] }).notNull(),
  /** Gross amount of the matched order lines; revenue is re-derived from it when refunds arrive. */
  matchedAmount: integer('matched_amount').notNull(),
  revenue: integer('revenue').notNull(),
  attributedAt: integer('attributed_at').notNull(),
}, t => [index('attributions_send_idx').on(t.sendId)])

/** Per-member purchase probability, refreshed by the training job. */
export const memberScores = sqliteTable('member_scores', {
  memberId: integer('member_id').primaryKey().references(() => members.id, { onDelete: 'cascade' }),
  pAlive: real('p_alive'),
  pBuy7: real('p_buy_7'),
  pBuy30: real('p_buy_30'),
  expectedValue: integer('expected_value'),
  expectedNextAt: integer('expected_next_at'),
  /** Why the numbers may be blank: thin history, no orders … */
  sufficiency: text('sufficiency', { enum: ['ok', 'thin', 'none'] }).notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * WeCom callback events, stored before they are acknowledged and processed afterwards
 * (WeCom retries unanswered pushes; events carry no id, so a key built from their fields dedupes).
 */
export const wecomEvents = sqliteTable('wecom_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  dedupeKey: text('dedupe_key').notNull().unique(),
  event: text('event').notNull(),
  changeType: text('change_type'),
  payload: text('payload', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  receivedAt: integer('received_at').notNull(),
  processedAt: integer('processed_at'),
  attempts: integer('attempts').notNull().default(0),
  error: text('error'),
}, t => [index('wecom_events_pending_idx').on(t.processedAt, t.id)])

/**
 * Server-side sessions: the cookie carries a random token, this table its SHA-256, so a logout or a
 * deactivated staff row revokes access at once and any instance can check it.
 */
export const sessions = sqliteTable('sessions', {
  tokenHash: text('token_hash').primaryKey(),
  userid: text('userid').notNull().references(() => staff.userid, { onDelete: 'cascade' }),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  revokedAt: integer('revoked_at'),
}, t => [index('sessions_userid_idx').on(t.userid)])

/**
 * The durable job queue (server/src/jobs). A worker claims a due `queued` job by setting `running` and a lease
 * (`locked_until`) it renews while working; a job whose lease ran out is queued again (or dead once out of
 * attempts). While a job with a singleton key is queued or running, enqueueing the same key does nothing.
 */
export const jobs = sqliteTable('jobs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
  singletonKey: text('singleton_key'),
  priority: integer('priority').notNull().default(0),
  /** Not before this time (epoch ms): the enqueue time, or the retry time after a backoff. */
  runAt: integer('run_at').notNull(),
  attempts: integer('attempts').notNull().default(0),
  maxAttempts: integer('max_attempts').notNull(),
  lockedBy: text('locked_by'),
  lockedUntil: integer('locked_until'),
  /** 0…1 as the handler reports it. */
  progress: real('progress'),
  lastError: text('last_error'),
  createdAt: integer('created_at').notNull(),
  startedAt: integer('started_at'),
  finishedAt: integer('finished_at'),
}, t => [
  index('jobs_due_idx').on(t.status, t.runAt),
  uniqueIndex('jobs_singleton_idx').on(t.name, t.singletonKey).where(sql`"status" in ('queued', 'running')`),
  index('jobs_created_idx').on(t.createdAt),
])

/** Interval schedules: whichever instance first moves `next_run_at` past now enqueues the run. */
export const jobSchedules = sqliteTable('job_schedules', {
  name: text('name').primaryKey(),
  intervalMs: integer('interval_ms').notNull(),
  payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  nextRunAt: integer('next_run_at').notNull(),
  lastRunAt: integer('last_run_at'),
})

/**
 * Recommendations precomputed per member by the training job (and refreshed by a job when the member's
 * orders, sends or tags change), so the member context only reads. `staleSince` marks a row whose inputs
 * changed after it was computed; the refresh job clears it.
 */
export const memberRecommendations = sqliteTable('member_recommendations', {
  memberId: integer('member_id').primaryKey().references(() => members.id, { onDelete: 'cascade' }),
  modelRunId: integer('model_run_id').references(() => modelRuns.id, { onDelete: 'set null' }),
  items: text('items', { mode: 'json' }).$type<RecommendedProduct[]>().notNull(),
  computedAt: integer('computed_at').notNull(),
  staleSince: integer('stale_since'),
  /**
   * The `recommendations` log row of exactly these items, written with the list, so the sidebar's read is
   * read-only and a send made from the list points at what was shown (the guide is on the send).
   */
  recommendationId: integer('recommendation_id').references(() => recommendations.id, { onDelete: 'set null' }),
}, t => [
  index('member_recommendations_stale_idx').on(t.staleSince),
  // Covers "which lists are fresh" (precomputed.ts pendingMembersIn) without reading the rows' items.
  index('member_recommendations_fresh_idx').on(t.modelRunId, t.staleSince, t.memberId),
])

/** Fixed-window request counters shared by every instance (the rate limiter's store). */
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  resetAt: integer('reset_at').notNull(),
}, t => [index('rate_limits_reset_idx').on(t.resetAt)])

// ── Red packets (issue 8) ──

/** The brand's red-packet limits, presets and reasons: one row (id 'brand'), edited in the console. */
export const redPacketSettings = sqliteTable('red_packet_settings', {
  id: text('id').primaryKey(),
  settings: text('settings', { mode: 'json' }).$type<RedPacketSettings>().notNull(),
  updatedBy: text('updated_by'),
  updatedAt: integer('updated_at').notNull(),
})

/** A store's own monthly budget (分); stores without a row get the settings' storeMonthFen. */
export const redPacketStoreBudgets = sqliteTable('red_packet_store_budgets', {
  storeId: text('store_id').primaryKey().references(() => stores.id),
  monthFen: integer('month_fen').notNull(),
})

/**
 * What is reserved against each limit in each period, e.g. `guide:g1:2026-12-01`, `store:S1:2026-12`.
 * A packet reserves by conditional increments (`amount + x <= limit`) in one transaction, in key order,
 * so concurrent requests on any number of instances never pass a limit together; released on a definite
 * failure or a refund.
 */
export const redPacketCounters = sqliteTable('red_packet_counters', {
  key: text('key').primaryKey(),
  count: integer('count').notNull().default(0),
  amount: integer('amount').notNull().default(0),
})

/**
 * One red packet: logged with its reservation and its mch_billno before the pay call, completed after it;
 * an uncertain pay stays `sending` until the settle job's query (and retries with the same bill) settles it.
 */
export const redPackets = sqliteTable('red_packets', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Client-supplied key: a double click or a retried request never makes two packets. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  /** WeChat Pay's merchant bill number (mch_id + yyyymmdd + 10-digit id), fixed before the first pay call. */
  mchBillno: text('mch_billno').notNull().unique(),
  guideUserid: text('guide_userid').notNull().references(() => staff.userid),
  storeId: text('store_id').notNull().references(() => stores.id),
  memberId: integer('member_id').notNull().references(() => members.id),
  orderId: integer('order_id').references(() => orders.id),
  openid: text('openid').notNull(),
  amount: integer('amount').notNull(),
  reasonCode: text('reason_code').notNull(),
  wishing: text('wishing').notNull(),
  actName: text('act_name').notNull(),
  remark: text('remark').notNull(),
  status: text('status', { enum: redPacketStatusList }).notNull().default('sending'),
  /** Counter keys this packet holds (released once, on failure or refund); empty once released. */
  reservedKeys: text('reserved_keys', { mode: 'json' }).$type<string[]>().notNull(),
  payAttempts: integer('pay_attempts').notNull().default(0),
  lastError: text('last_error'),
  sendListid: text('send_listid'),
  detailId: text('detail_id'),
  createdAt: integer('created_at').notNull(),
  sentAt: integer('sent_at'),
  receivedAt: integer('received_at'),
  refundedAt: integer('refunded_at'),
  failedAt: integer('failed_at'),
  /** When the settle job last asked WeChat Pay about it. */
  checkedAt: integer('checked_at'),
}, t => [
  index('red_packets_status_idx').on(t.status, t.checkedAt),
  index('red_packets_member_idx').on(t.memberId, t.createdAt),
  index('red_packets_store_idx').on(t.storeId, t.createdAt),
  index('red_packets_guide_idx').on(t.guideUserid, t.createdAt),
])

// ── Conversation archive (issue 9) ──

/** Where each archive source's pull stands: `seq` moves only in the transaction that stores the batch. */
export const archiveCheckpoints = sqliteTable('archive_checkpoints', {
  source: text('source').primaryKey(),
  seq: integer('seq').notNull().default(0),
  stored: integer('stored').notNull().default(0),
  duplicates: integer('duplicates').notNull().default(0),
  rejected: integer('rejected').notNull().default(0),
  /** Messages not stored because the customer did not agree to archiving (check_single_agree). */
  notAgreed: integer('not_agreed').notNull().default(0),
  updatedAt: integer('updated_at').notNull(),
})

/** A chat: 1:1 between a guide and a customer (key `u:<guide>:<customer>`) or a group (`r:<roomid>`). */
export const archiveConversations = sqliteTable('archive_conversations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  key: text('key').notNull().unique(),
  roomid: text('roomid').notNull().default(''),
  guideUserid: text('guide_userid'),
  externalUserid: text('external_userid'),
  memberId: integer('member_id').references(() => members.id, { onDelete: 'set null' }),
  /** The guide's store when the conversation was first archived: the supervisor scope. */
  storeId: text('store_id'),
  firstAt: integer('first_at').notNull(),
  lastAt: integer('last_at').notNull(),
  messageCount: integer('message_count').notNull().default(0),
  /** The first customer message staff has not answered yet; null when answered. */
  unansweredSince: integer('unanswered_since'),
}, t => [
  index('archive_conversations_store_idx').on(t.storeId, t.lastAt),
  index('archive_conversations_guide_idx').on(t.guideUserid, t.lastAt),
  index('archive_conversations_member_idx').on(t.memberId),
  index('archive_conversations_unanswered_idx').on(t.unansweredSince),
])

/** Every stored message (reference §4.6), its body as WeCom sent it; `search_text` is the case-folded text searched. */
export const archiveMessages = sqliteTable('archive_messages', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  seq: integer('seq').notNull(),
  msgid: text('msgid').notNull().unique(),
  conversationId: integer('conversation_id').notNull().references(() => archiveConversations.id),
  msgtime: integer('msgtime').notNull(),
  action: text('action').notNull(),
  msgtype: text('msgtype').notNull(),
  fromId: text('from_id').notNull(),
  sender: text('sender', { enum: ARCHIVE_SENDERS }).notNull(),
  guideUserid: text('guide_userid'),
  memberId: integer('member_id'),
  storeId: text('store_id'),
  content: text('content').notNull().default(''),
  searchText: text('search_text').notNull().default(''),
  body: text('body', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  mediaSdkfileid: text('media_sdkfileid'),
  mediaMd5: text('media_md5'),
  mediaStatus: text('media_status', { enum: ARCHIVE_MEDIA_STATUSES }).notNull().default('none'),
  mediaSha256: text('media_sha256'),
  mediaError: text('media_error'),
  recalledAt: integer('recalled_at'),
  /** On a staff reply to a waiting customer: ms since the first unanswered customer message (first-response time). */
  responseMs: integer('response_ms'),
  ingestedAt: integer('ingested_at').notNull(),
}, t => [
  index('archive_messages_conversation_idx').on(t.conversationId, t.id),
  index('archive_messages_store_idx').on(t.storeId, t.msgtime),
  index('archive_messages_guide_idx').on(t.guideUserid, t.msgtime),
  index('archive_messages_member_idx').on(t.memberId, t.msgtime),
  index('archive_messages_media_idx').on(t.mediaStatus),
])

/**
 * The search index: each message's distinct character bigrams (Lucene CJK-analyzer style; see
 * archive/search-terms.ts). Plain B-tree rows, so the same design is exact and fast on SQLite and PostgreSQL.
 */
export const archiveTerms = sqliteTable('archive_terms', {
  term: text('term').notNull(),
  messageId: integer('message_id').notNull(),
}, t => [primaryKey({ columns: [t.term, t.messageId] })])

/** Pulled items that could not be stored (kept with the reason, never blocking the pull). */
export const archiveRejects = sqliteTable('archive_rejects', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  source: text('source').notNull(),
  seq: integer('seq').notNull(),
  msgid: text('msgid').notNull(),
  publickeyVer: integer('publickey_ver'),
  reason: text('reason', { enum: ARCHIVE_REJECT_REASONS }).notNull(),
  detail: text('detail').notNull(),
  /** The item as pulled (still encrypted), to retry once the key or the fault is fixed. */
  raw: text('raw').notNull(),
  at: integer('at').notNull(),
}, t => [uniqueIndex('archive_rejects_source_seq_idx').on(t.source, t.seq)])

/** check_single_agree answers per (guide, customer); a Disagree means their chat is not stored. */
export const archiveAgreements = sqliteTable('archive_agreements', {
  userid: text('userid').notNull(),
  externalUserid: text('external_userid').notNull(),
  status: text('status').notNull(),
  checkedAt: integer('checked_at').notNull(),
}, t => [primaryKey({ columns: [t.userid, t.externalUserid] })])

/** Content-addressed media: the file lives at <ARCHIVE_MEDIA_DIR>/<sha256[0..2]>/<sha256>. */
export const archiveMedia = sqliteTable('archive_media', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  ext: text('ext').notNull(),
  storedAt: integer('stored_at').notNull(),
})

/** Append-only: who looked at what in the archive, when and from where (no code updates or deletes rows). */
export const archiveAccessLog = sqliteTable('archive_access_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  userid: text('userid').notNull(),
  role: text('role').notNull(),
  action: text('action', { enum: ARCHIVE_ACCESS_ACTIONS }).notNull(),
  target: text('target').notNull(),
  ip: text('ip').notNull(),
  userAgent: text('user_agent').notNull().default(''),
}, t => [index('archive_access_log_at_idx').on(t.at), index('archive_access_log_user_idx').on(t.userid, t.at)])

export const archiveRules = sqliteTable('archive_rules', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  kind: text('kind', { enum: RULE_KINDS }).notNull(),
  scope: text('scope', { enum: RULE_SCOPES }).notNull(),
  scopeId: text('scope_id'),
  words: text('words', { mode: 'json' }).$type<string[]>().notNull().default([]),
  pattern: text('pattern'),
  behaviour: text('behaviour', { enum: RULE_BEHAVIOURS }),
  timeoutMinutes: integer('timeout_minutes'),
  workStartMinute: integer('work_start_minute').notNull().default(540),
  workEndMinute: integer('work_end_minute').notNull().default(1260),
  notify: integer('notify', { mode: 'boolean' }).notNull().default(true),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * A rule hit: open → acknowledged → resolved (with a note). `dedupe_key` makes raising idempotent. A hit on a
 * contact event (a guide deleting a customer) has no conversation when that chat was never archived.
 */
export const archiveAlerts = sqliteTable('archive_alerts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  dedupeKey: text('dedupe_key').notNull().unique(),
  ruleId: integer('rule_id').notNull().references(() => archiveRules.id, { onDelete: 'cascade' }),
  messageId: integer('message_id').references(() => archiveMessages.id),
  conversationId: integer('conversation_id').references(() => archiveConversations.id),
  storeId: text('store_id'),
  guideUserid: text('guide_userid'),
  excerpt: text('excerpt').notNull(),
  /** The finding as one Chinese line: what search, the supervisors' WeCom message and exports show. */
  matched: text('matched').notNull(),
  /** The finding as facts, worded per locale by the console; null on rows raised before it was stored. */
  finding: text('finding', { mode: 'json' }).$type<AlertFinding>(),
  status: text('status', { enum: ALERT_STATUSES }).notNull().default('open'),
  raisedAt: integer('raised_at').notNull(),
  acknowledgedBy: text('acknowledged_by'),
  acknowledgedAt: integer('acknowledged_at'),
  resolvedBy: text('resolved_by'),
  resolvedAt: integer('resolved_at'),
  note: text('note'),
  /** When the supervisors were sent a WeCom app message; null while not (yet) notified. */
  notifiedAt: integer('notified_at'),
}, t => [
  index('archive_alerts_store_idx').on(t.storeId, t.status, t.raisedAt),
  index('archive_alerts_status_idx').on(t.status, t.raisedAt),
  index('archive_alerts_notify_idx').on(t.notifiedAt),
])

// ── Imports (issue 10) ──

/** One upload of a platform's export file (and Taobao's item file), run as a job; the report when done. */
export const orderImports = sqliteTable('order_imports', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Null until detected from the header. */
  platform: text('platform', { enum: platforms }),
  fileName: text('file_name').notNull(),
  itemsFileName: text('items_file_name'),
  /** Where the uploaded bytes wait for the job; removed when the import ends. */
  filePath: text('file_path').notNull(),
  itemsFilePath: text('items_file_path'),
  status: text('status', { enum: IMPORT_STATUSES }).notNull().default('queued'),
  jobId: integer('job_id'),
  report: text('report', { mode: 'json' }).$type<ImportReport>(),
  refusal: text('refusal', { mode: 'json' }).$type<ImportRefusal>(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  finishedAt: integer('finished_at'),
}, t => [index('order_imports_created_idx').on(t.createdAt)])

/**
 * Where an imported order came from and how it found its member: the buyer as the export names them
 * (masked phone, receiver), the phone hashed, and the key that matched.
 */
export const orderSources = sqliteTable('order_sources', {
  orderId: integer('order_id').primaryKey().references(() => orders.id, { onDelete: 'cascade' }),
  importId: integer('import_id').references(() => orderImports.id, { onDelete: 'set null' }),
  line: integer('line').notNull(),
  receiverName: text('receiver_name'),
  phoneMasked: text('phone_masked'),
  phoneHash: text('phone_hash'),
  unionid: text('unionid'),
  matchedBy: text('matched_by', { enum: MATCH_KEYS }),
})

/** Items whose SKU / 商家编码 / 外部系统编号 matched no catalog product: kept with their order, not dropped. */
export const orderUnmappedItems = sqliteTable('order_unmapped_items', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  orderId: integer('order_id').notNull().references(() => orders.id, { onDelete: 'cascade' }),
  outerId: text('outer_id').notNull(),
  title: text('title').notNull(),
  quantity: integer('quantity').notNull(),
  unitPrice: integer('unit_price').notNull(),
  amount: integer('amount').notNull(),
}, t => [index('order_unmapped_items_order_idx').on(t.orderId), index('order_unmapped_items_outer_idx').on(t.outerId)])

/** Manual identity decisions (an account assigned to a member, two members merged), with what moved, for undo. */
export const identityResolutions = sqliteTable('identity_resolutions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  action: text('action', { enum: IDENTITY_ACTIONS }).notNull(),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  platform: text('platform', { enum: platforms }),
  buyerId: text('buyer_id'),
  fromMemberId: integer('from_member_id').references(() => members.id, { onDelete: 'cascade' }),
  orderIds: text('order_ids', { mode: 'json' }).$type<number[]>().notNull(),
  /** Platform accounts this decision linked or moved to `memberId` (undo unlinks or moves them back). */
  identities: text('identities', { mode: 'json' }).$type<{ platform: typeof platforms[number], buyerId: string }[]>().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  undoneAt: integer('undone_at'),
}, t => [index('identity_resolutions_created_idx').on(t.createdAt)])

// ── Tags (issue 10) ──

/**
 * WeCom corp/rule tags as WeCom keeps them: per follow relation (the guide who tagged). Replaces the
 * per-member `member_tags` rows of source 'wecom' (a data migration moved them to their guide's relation);
 * `member_tags` keeps manual tags.
 */
export const followTags = sqliteTable('follow_tags', {
  guideUserid: text('guide_userid').notNull().references(() => staff.userid),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  tagId: text('tag_id').notNull().references(() => tags.id),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [primaryKey({ columns: [t.guideUserid, t.memberId, t.tagId] }), index('follow_tags_member_idx').on(t.memberId), index('follow_tags_tag_idx').on(t.tagId)])

/** A guide's personal tags on a customer (externalcontact/get follow_user.tags type 2): no id, read-only for apps. */
export const followPersonalTags = sqliteTable('follow_personal_tags', {
  guideUserid: text('guide_userid').notNull().references(() => staff.userid),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  groupName: text('group_name').notNull(),
  name: text('name').notNull(),
}, t => [primaryKey({ columns: [t.guideUserid, t.memberId, t.groupName, t.name] }), index('follow_personal_tags_member_idx').on(t.memberId)])

/**
 * Tags the scheduled job computes from a member's orders and profile, each with the facts that make it
 * true (`explanation`: a locale key and its parameters), rewritten per member on every run.
 */
export const computedMemberTags = sqliteTable('computed_member_tags', {
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  tagId: text('tag_id').notNull().references(() => tags.id),
  explanation: text('explanation', { mode: 'json' }).$type<{ key: string, params: Record<string, string | number> }>().notNull(),
  computedAt: integer('computed_at').notNull(),
}, t => [primaryKey({ columns: [t.memberId, t.tagId] }), index('computed_member_tags_tag_idx').on(t.tagId)])

/** Segments an admin or supervisor saved: a definition (shared SegmentDefinition) evaluated when read. */
export const segments = sqliteTable('segments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  definition: text('definition', { mode: 'json' }).$type<SegmentDefinition>().notNull(),
  createdBy: text('created_by').notNull().references(() => staff.userid),
  /** The creator's store for a supervisor (they see only their store's segments); null for an admin. */
  storeId: text('store_id').references(() => stores.id),
  createdAt: integer('created_at').notNull(),
}, t => [index('segments_store_idx').on(t.storeId)])

// ── Materials and scripted replies (issue 11) ──

export const materialGroups = sqliteTable('material_groups', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: integer('created_at').notNull(),
})

/**
 * The material library (素材库). Files (image, video, file) live on disk content-addressed by `contentHash`
 * (SHA-256); links carry a URL and cover; mini-program cards a page path (the appid is the brand's, in config).
 * Archived rows stay for the sends that point at them.
 */
export const materials = sqliteTable('materials', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind', { enum: materialKindList }).notNull(),
  groupId: integer('group_id').references(() => materialGroups.id),
  title: text('title').notNull(),
  description: text('description').notNull().default(''),
  linkUrl: text('link_url'),
  coverUrl: text('cover_url'),
  pagePath: text('page_path'),
  contentHash: text('content_hash'),
  fileName: text('file_name'),
  mimeType: text('mime_type'),
  sizeBytes: integer('size_bytes'),
  createdBy: text('created_by').notNull().references(() => staff.userid),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  archivedAt: integer('archived_at'),
}, t => [index('materials_listed_idx').on(t.archivedAt, t.createdAt), index('materials_kind_idx').on(t.kind, t.archivedAt), index('materials_group_idx').on(t.groupId)])

/** Stores a material is visible in; none = every store. */
export const materialStores = sqliteTable('material_stores', {
  materialId: integer('material_id').notNull().references(() => materials.id, { onDelete: 'cascade' }),
  storeId: text('store_id').notNull().references(() => stores.id),
}, t => [primaryKey({ columns: [t.materialId, t.storeId] }), index('material_stores_store_idx').on(t.storeId)])

/** The WeCom temporary media id of a file material (media/upload; valid 3 days, re-uploaded before it lapses). */
export const materialMedia = sqliteTable('material_media', {
  materialId: integer('material_id').primaryKey().references(() => materials.id, { onDelete: 'cascade' }),
  contentHash: text('content_hash').notNull(),
  mediaId: text('media_id').notNull(),
  uploadedAt: integer('uploaded_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
}, t => [index('material_media_expires_idx').on(t.expiresAt)])

/** Which material a send carried (the send log itself stays material-agnostic). */
export const materialSends = sqliteTable('material_sends', {
  sendId: integer('send_id').primaryKey().references(() => sends.id, { onDelete: 'cascade' }),
  materialId: integer('material_id').notNull().references(() => materials.id),
}, t => [index('material_sends_material_idx').on(t.materialId)])

/** A customer opening a sent link through the signed redirect. */
export const materialOpens = sqliteTable('material_opens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  sendId: integer('send_id').notNull().references(() => sends.id, { onDelete: 'cascade' }),
  materialId: integer('material_id').notNull().references(() => materials.id),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  openedAt: integer('opened_at').notNull(),
}, t => [index('material_opens_send_idx').on(t.sendId), index('material_opens_material_idx').on(t.materialId)])

/** Stores a reply is visible in; none = every store. */
export const replyStores = sqliteTable('reply_stores', {
  replyId: integer('reply_id').notNull().references(() => replies.id, { onDelete: 'cascade' }),
  storeId: text('store_id').notNull().references(() => stores.id),
}, t => [primaryKey({ columns: [t.replyId, t.storeId] }), index('reply_stores_store_idx').on(t.storeId)])

/** Replies taken out of the library; the row stays because sends point at it (usage and conversion). */
export const replyRetirements = sqliteTable('reply_retirements', {
  replyId: integer('reply_id').primaryKey().references(() => replies.id, { onDelete: 'cascade' }),
  retiredAt: integer('retired_at').notNull(),
  retiredBy: text('retired_by').notNull(),
})

// ── Notes (issue 11) ──

/** What a guide knows about a member; stays with the member when guides change (handover). */
export const memberNotes = sqliteTable('member_notes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  authorUserid: text('author_userid').notNull().references(() => staff.userid),
  kind: text('kind', { enum: noteKindList }).notNull(),
  body: text('body').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
}, t => [index('member_notes_member_idx').on(t.memberId, t.createdAt)])

// ── Handover (issue 11) ──

/** One admin request to move customers from one guide to another (在职继承 / 离职继承). */
export const handovers = sqliteTable('handovers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind', { enum: handoverKindList }).notNull(),
  handoverUserid: text('handover_userid').notNull().references(() => staff.userid),
  takeoverUserid: text('takeover_userid').notNull().references(() => staff.userid),
  createdBy: text('created_by').notNull().references(() => staff.userid),
  /** transfer_success_msg (在职继承 only); null = WeCom's default text. */
  message: text('message'),
  createdAt: integer('created_at').notNull(),
}, t => [index('handovers_created_idx').on(t.createdAt)])

/**
 * One customer of a handover. queued → (WeCom accepted) pending → completed | refused; or failed when WeCom
 * refused the request for this customer. While queued/pending the customer stays with the old guide.
 */
export const handoverItems = sqliteTable('handover_items', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  handoverId: integer('handover_id').notNull().references(() => handovers.id, { onDelete: 'cascade' }),
  memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  externalUserid: text('external_userid').notNull(),
  status: text('status', { enum: handoverItemStatusList }).notNull().default('queued'),
  /** Why it failed or was refused (a HandoverReason); null while it goes well. */
  reason: text('reason', { enum: handoverReasonList }),
  /** WeCom's errcode for this customer when it refused the request. */
  errcode: integer('errcode'),
  /** When WeCom will hand the customer over (pending), or did (completed); epoch ms. */
  takeoverAt: integer('takeover_at'),
  updatedAt: integer('updated_at').notNull(),
}, t => [
  index('handover_items_handover_idx').on(t.handoverId, t.id),
  // A member is in at most one open (queued or pending) handover.
  uniqueIndex('handover_items_open_idx').on(t.memberId).where(sql`"status" in ('queued', 'pending')`),
  index('handover_items_status_idx').on(t.status),
  // WeCom's transfer events name the customer: each one looks up her pending item (applyTransferEvent).
  index('handover_items_external_idx').on(t.externalUserid, t.status),
])
