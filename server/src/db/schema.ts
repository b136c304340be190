// The whole data model in one place (drizzle, SQLite dialect). Conventions:
// money is integer 分, times are UTC epoch milliseconds, PII used only for matching is hashed.
// Tables for later modules (recommendation, attribution) live here too so migrations stay linear.
import type { ReasonCode, RecommendedProduct } from '@scrm/shared'
import { handoverItemStatusList, handoverKindList, handoverReasonList, JOB_STATUSES, noteKindList, sendStatusList } from '@scrm/shared'
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
  createdAt: integer('created_at').notNull().default(nowMs),
})

export const tags = sqliteTable('tags', {
  id: text('id').primaryKey(),
  groupId: text('group_id').notNull().references(() => tagGroups.id),
  name: text('name').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
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
  /** Text with variables: {{name}} (member), {{guide}} (guide name), {{store}}. */
  content: text('content').notNull(),
  useCount: integer('use_count').notNull().default(0),
  createdAt: integer('created_at').notNull().default(nowMs),
}, t => [index('replies_group_idx').on(t.groupId)])

export const sendKinds = ['text', 'news', 'miniprogram', 'image', 'redpacket'] as const
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
}, t => [index('member_recommendations_stale_idx').on(t.staleSince)])

/** Fixed-window request counters shared by every instance (the rate limiter's store). */
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  resetAt: integer('reset_at').notNull(),
}, t => [index('rate_limits_reset_idx').on(t.resetAt)])

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
])
