import type { Static, TSchema } from 'typebox'
import Type from 'typebox'

// ── Conversation archive (issue 9): messages, search, rules, alerts, access log ──

/** Who sent an archived message: a staff member (guide), a customer (external contact), or the system (switch logs). */
export const ARCHIVE_SENDERS = ['staff', 'customer', 'system'] as const
export const ArchiveSender = Type.Enum(ARCHIVE_SENDERS)
export type ArchiveSender = Static<typeof ArchiveSender>

/** Why a pulled item was kept aside instead of stored. */
export const ARCHIVE_REJECT_REASONS = ['unknown_key_version', 'bad_random_key', 'decrypt_failed', 'bad_json'] as const
export type ArchiveRejectReason = (typeof ARCHIVE_REJECT_REASONS)[number]

export const ARCHIVE_MEDIA_STATUSES = ['none', 'pending', 'stored', 'failed'] as const
export type ArchiveMediaStatus = (typeof ARCHIVE_MEDIA_STATUSES)[number]

/** What an access-log row records. */
export const ARCHIVE_ACCESS_ACTIONS = ['view_conversations', 'view_transcript', 'search', 'export_search', 'view_media', 'view_access_log', 'export_access_log'] as const
export const ArchiveAccessAction = Type.Enum(ARCHIVE_ACCESS_ACTIONS)
export type ArchiveAccessAction = Static<typeof ArchiveAccessAction>

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const
export const AlertStatus = Type.Enum(ALERT_STATUSES)
export type AlertStatus = Static<typeof AlertStatus>

/** keyword: any of a word list; pattern: a regular expression; behaviour: a built-in detector; reply_timeout: a customer left waiting. */
export const RULE_KINDS = ['keyword', 'pattern', 'behaviour', 'reply_timeout'] as const
export const RuleKind = Type.Enum(RULE_KINDS)
export type RuleKind = Static<typeof RuleKind>

/**
 * Built-in detectors. On archived messages: a guide sharing a phone number / WeChat id, off-platform payment
 * words, customer complaint words; a guide's in-chat red packet (`redpacket` / `external_redpacket`) that is not
 * a red packet logged by this system, or is beyond the guide's red-packet limits; a guide's link / mini-program
 * card that is not from the catalog or the material library, or is for a product taken off sale (a `card`
 * message is a contact card, not a product, so it is not checked). On contact events: a guide deleting a
 * customer (`del_external_contact`, not caused by a handover; a customer deleting the guide is not an alert).
 */
export const RULE_BEHAVIOURS = ['share_contact', 'offplatform_payment', 'complaint', 'redpacket_outside_policy', 'product_card_outside_policy', 'delete_member'] as const
export const RuleBehaviour = Type.Enum(RULE_BEHAVIOURS)
export type RuleBehaviour = Static<typeof RuleBehaviour>

/** Where a rule applies: the whole brand, one store, or one guide. */
export const RULE_SCOPES = ['brand', 'store', 'guide'] as const
export const RuleScope = Type.Enum(RULE_SCOPES)
export type RuleScope = Static<typeof RuleScope>

/**
 * Message types that carry text the archive stores and searches (reference §4.6), so the search can filter
 * by them. Media without a caption (image, voice, video, emotion) and event types have no text to match.
 */
export const ARCHIVE_SEARCHABLE_TYPES = ['text', 'link', 'file', 'card', 'location', 'weapp', 'todo', 'redpacket', 'external_redpacket', 'meeting', 'docmsg', 'markdown', 'news', 'calendar', 'collect', 'sphfeed', 'vote', 'chatrecord', 'mixed'] as const
export const ArchiveSearchableType = Type.Enum(ARCHIVE_SEARCHABLE_TYPES)
export type ArchiveSearchableType = Static<typeof ArchiveSearchableType>

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Id = Type.Integer({ minimum: 1 })

export const ArchiveMessage = Type.Object({
  id: Type.Integer(),
  seq: Type.Integer(),
  msgid: Type.String(),
  conversationId: Type.Integer(),
  msgtime: Type.Integer(),
  msgtype: Type.String(),
  action: Type.String(),
  from: Type.String(),
  fromName: Nullable(Type.String()),
  sender: ArchiveSender,
  /** Display text ('' for media without a caption); media details are in `body`. */
  content: Type.String(),
  /** The decrypted body as WeCom sent it (unknown types too). */
  body: Type.Record(Type.String(), Type.Unknown()),
  mediaStatus: Type.Enum(ARCHIVE_MEDIA_STATUSES),
  /** Content address of the stored media (SHA-256), when stored. */
  mediaSha256: Nullable(Type.String()),
  /** Recalled by the sender: hidden from guides, kept for audit. */
  recalledAt: Nullable(Type.Integer()),
})
export type ArchiveMessage = Static<typeof ArchiveMessage>

export const ArchiveConversation = Type.Object({
  id: Type.Integer(),
  roomid: Type.String(),
  guideUserid: Nullable(Type.String()),
  guideName: Nullable(Type.String()),
  externalUserid: Nullable(Type.String()),
  memberId: Nullable(Type.Integer()),
  memberName: Nullable(Type.String()),
  storeId: Nullable(Type.String()),
  storeName: Nullable(Type.String()),
  firstAt: Type.Integer(),
  lastAt: Type.Integer(),
  messageCount: Type.Integer(),
  /** A customer message not yet answered by staff since this time; null when answered. */
  unansweredSince: Nullable(Type.Integer()),
})
export type ArchiveConversation = Static<typeof ArchiveConversation>

export const ConversationListQuery = Type.Object({
  guideUserid: Type.Optional(Type.String({ maxLength: 64 })),
  memberId: Type.Optional(Id),
  storeId: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
})
export type ConversationListQuery = Static<typeof ConversationListQuery>

export const ConversationList = Type.Object({
  total: Type.Integer(),
  conversations: Type.Array(ArchiveConversation),
})
export type ConversationList = Static<typeof ConversationList>

export const TranscriptQuery = Type.Object({
  /** Center the page on this message (a search hit) with `context` messages each side. */
  around: Type.Optional(Id),
  context: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  /** Page backwards from this message id (exclusive); absent = the newest. */
  before: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
})
export type TranscriptQuery = Static<typeof TranscriptQuery>

export const Transcript = Type.Object({
  conversation: ArchiveConversation,
  /** Oldest first. */
  messages: Type.Array(ArchiveMessage),
  hasOlder: Type.Boolean(),
  hasNewer: Type.Boolean(),
})
export type Transcript = Static<typeof Transcript>

/** Longest accepted search query (characters). */
export const SEARCH_QUERY_MAX = 64

export const ArchiveSearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: SEARCH_QUERY_MAX }),
  storeId: Type.Optional(Type.String({ maxLength: 64 })),
  guideUserid: Type.Optional(Type.String({ maxLength: 64 })),
  memberId: Type.Optional(Id),
  msgtype: Type.Optional(ArchiveSearchableType),
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  /** Continue after this message id (results are newest first). */
  before: Type.Optional(Id),
})
export type ArchiveSearchQuery = Static<typeof ArchiveSearchQuery>

/** A stretch of a hit's text: `match` true where a query term matched. */
export const HighlightPart = Type.Object({ text: Type.String(), match: Type.Boolean() })
export type HighlightPart = Static<typeof HighlightPart>

export const ArchiveSearchHit = Type.Object({
  message: ArchiveMessage,
  conversation: ArchiveConversation,
  highlight: Type.Array(HighlightPart),
})
export type ArchiveSearchHit = Static<typeof ArchiveSearchHit>

export const ArchiveSearchResult = Type.Object({
  /** The query's words as searched (quotes removed, case folded). */
  terms: Type.Array(Type.String()),
  hits: Type.Array(ArchiveSearchHit),
  /** More hits exist: ask again with `before` = the last hit's message id. */
  more: Type.Boolean(),
})
export type ArchiveSearchResult = Static<typeof ArchiveSearchResult>

export const AccessLogEntry = Type.Object({
  id: Type.Integer(),
  at: Type.Integer(),
  userid: Type.String(),
  role: Type.String(),
  action: ArchiveAccessAction,
  /** What was looked at, e.g. `conversation:12` or the search query. */
  target: Type.String(),
  ip: Type.String(),
  userAgent: Type.String(),
})
export type AccessLogEntry = Static<typeof AccessLogEntry>

export const AccessLogQuery = Type.Object({
  userid: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(ArchiveAccessAction),
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type AccessLogQuery = Static<typeof AccessLogQuery>

export const AccessLogPage = Type.Object({ total: Type.Integer(), entries: Type.Array(AccessLogEntry) })
export type AccessLogPage = Static<typeof AccessLogPage>

export const RuleInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 60 }),
  kind: RuleKind,
  scope: RuleScope,
  /** Store id or guide userid for store/guide scope. */
  scopeId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  /** keyword rules: the words (any one matches). */
  words: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 200 })),
  /** pattern rules: a JavaScript regular expression (no flags; matched case-insensitively). */
  pattern: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  behaviour: Type.Optional(Nullable(RuleBehaviour)),
  /** reply_timeout rules: minutes a customer may wait during working hours. */
  timeoutMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1440 }))),
  /** Working hours in China time, minutes after midnight (default 09:00–21:00). */
  workStartMinute: Type.Optional(Type.Integer({ minimum: 0, maximum: 1439 })),
  workEndMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
  /** Send the store's supervisors a WeCom app message for each new alert. */
  notify: Type.Optional(Type.Boolean()),
  enabled: Type.Optional(Type.Boolean()),
})
export type RuleInput = Static<typeof RuleInput>

export const Rule = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: RuleKind,
  scope: RuleScope,
  scopeId: Nullable(Type.String()),
  words: Type.Array(Type.String()),
  pattern: Nullable(Type.String()),
  behaviour: Nullable(RuleBehaviour),
  timeoutMinutes: Nullable(Type.Integer()),
  workStartMinute: Type.Integer(),
  workEndMinute: Type.Integer(),
  notify: Type.Boolean(),
  enabled: Type.Boolean(),
  createdBy: Type.String(),
  updatedAt: Type.Integer(),
})
export type Rule = Static<typeof Rule>

const Fen = Type.Integer({ minimum: 0 })

/**
 * Which of the guide's red-packet limits an unlogged in-chat packet breaks (the names of `redPacketLimitList`):
 * the amount of each packet (`eachFen`, a group packet's total over its count) against the per-packet bounds;
 * the guide's packets (`dayCount`, this one included) and amount (`dayFen`) that China-time day against her
 * daily limits.
 */
export const RedPacketBreach = Type.Union([
  Type.Object({ limit: Type.Union([Type.Literal('packet_max'), Type.Literal('packet_min')]), eachFen: Fen, limitFen: Fen }),
  Type.Object({ limit: Type.Literal('guide_day_count'), dayCount: Type.Integer({ minimum: 0 }), limitCount: Type.Integer({ minimum: 0 }) }),
  Type.Object({ limit: Type.Literal('guide_day_amount'), dayFen: Fen, limitFen: Fen }),
])
export type RedPacketBreach = Static<typeof RedPacketBreach>

/**
 * What raised an alert, as facts the console words per locale (`archive.finding.<kind>`); the alert's `matched`
 * is the same finding as one Chinese line (for search, the supervisors' WeCom message and old rows).
 * keyword: a keyword rule's word, as the rule has it; pattern: the text a pattern matched; contact_shared: a
 * phone number or WeChat id as written; offplatform_payment / complaint: the built-in word found;
 * reply_timeout: the rule's working minutes; redpacket_unlogged: a guide's in-chat packet nothing here logged
 * (amount null when the body has none), with the limits it breaks; link_unreadable: a card link that is not a
 * URL (its first 200 characters, '' when empty); link_outside_library: the host of a link neither the catalog
 * nor the materials use; product_off_sale: a product card (link or mini-program) for a product off sale (for
 * a page several SKUs share, the first SKU); weapp_unlogged: a mini-program card
 * no logged send matches; customer_deleted: the customer a guide deleted (memberId / memberName null when not
 * a member here).
 */
export const AlertFinding = Type.Union([
  Type.Object({ kind: Type.Literal('keyword'), word: Type.String() }),
  Type.Object({ kind: Type.Literal('pattern'), text: Type.String() }),
  Type.Object({ kind: Type.Literal('contact_shared'), contact: Type.Union([Type.Literal('phone'), Type.Literal('wechat_id')]), text: Type.String() }),
  Type.Object({ kind: Type.Literal('offplatform_payment'), word: Type.String() }),
  Type.Object({ kind: Type.Literal('complaint'), word: Type.String() }),
  Type.Object({ kind: Type.Literal('reply_timeout'), minutes: Type.Integer({ minimum: 1 }) }),
  Type.Object({ kind: Type.Literal('redpacket_unlogged'), amountFen: Nullable(Fen), count: Type.Integer({ minimum: 1 }), breaches: Type.Array(RedPacketBreach) }),
  Type.Object({ kind: Type.Literal('link_unreadable'), url: Type.String() }),
  Type.Object({ kind: Type.Literal('link_outside_library'), host: Type.String() }),
  Type.Object({ kind: Type.Literal('product_off_sale'), card: Type.Union([Type.Literal('link'), Type.Literal('weapp')]), skuId: Type.String(), productName: Type.String() }),
  Type.Object({ kind: Type.Literal('weapp_unlogged'), appName: Type.String(), title: Type.String() }),
  Type.Object({ kind: Type.Literal('customer_deleted'), memberId: Nullable(Type.Integer()), memberName: Nullable(Type.String()), externalUserid: Type.String() }),
])
export type AlertFinding = Static<typeof AlertFinding>
export type AlertFindingKind = AlertFinding['kind']
/** Every finding kind, in the order of the union (a test holds them equal); the console words each one. */
export const ALERT_FINDING_KINDS = ['keyword', 'pattern', 'contact_shared', 'offplatform_payment', 'complaint', 'reply_timeout', 'redpacket_unlogged', 'link_unreadable', 'link_outside_library', 'product_off_sale', 'weapp_unlogged', 'customer_deleted'] as const satisfies readonly AlertFindingKind[]
/** The finding of one kind. */
export type AlertFindingOf<K extends AlertFindingKind> = Extract<AlertFinding, { kind: K }>

export const Alert = Type.Object({
  id: Type.Integer(),
  ruleId: Type.Integer(),
  ruleName: Type.String(),
  ruleKind: RuleKind,
  /** The message it is about; for a deleted customer, the chat's last archived message. */
  messageId: Nullable(Type.Integer()),
  /** Null for a contact event whose chat was never archived. */
  conversationId: Nullable(Type.Integer()),
  storeId: Nullable(Type.String()),
  guideUserid: Nullable(Type.String()),
  guideName: Nullable(Type.String()),
  /** The text that triggered it (or the waiting customer's message; for a deleted customer, the chat's last lines). */
  excerpt: Type.String(),
  /** What matched, as one Chinese line (the console shows `finding` worded per locale when there is one). */
  matched: Type.String(),
  /** What matched, as facts; null on alerts raised before findings were stored. */
  finding: Nullable(AlertFinding),
  status: AlertStatus,
  raisedAt: Type.Integer(),
  acknowledgedBy: Nullable(Type.String()),
  acknowledgedAt: Nullable(Type.Integer()),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
})
export type Alert = Static<typeof Alert>

export const AlertListQuery = Type.Object({
  status: Type.Optional(AlertStatus),
  ruleId: Type.Optional(Id),
  /** One guide's alerts (within the caller's stores, like every alert read). */
  guideUserid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type AlertListQuery = Static<typeof AlertListQuery>

export const AlertList = Type.Object({ total: Type.Integer(), alerts: Type.Array(Alert) })
export type AlertList = Static<typeof AlertList>

export const AlertTransition = Type.Object({
  status: Type.Union([Type.Literal('acknowledged'), Type.Literal('resolved')]),
  /** Required when resolving: what was done. */
  note: Type.Optional(Type.String({ maxLength: 500 })),
})
export type AlertTransition = Static<typeof AlertTransition>

export const DashboardQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type DashboardQuery = Static<typeof DashboardQuery>

export const GuideDashboardRow = Type.Object({
  guideUserid: Type.String(),
  guideName: Nullable(Type.String()),
  storeId: Nullable(Type.String()),
  messages: Type.Integer(),
  customerMessages: Type.Integer(),
  /** Median minutes from a waiting customer's message to the guide's reply; null without replies. */
  medianFirstResponseMinutes: Nullable(Type.Number()),
  unansweredChats: Type.Integer(),
  sends: Type.Integer(),
  convertedSends: Type.Integer(),
  /** Attributed order revenue in 分 in the window. */
  attributedRevenue: Type.Integer(),
  alerts: Type.Integer(),
  /** Red packets paid out in the window (sent or received; not refunded, failed or still sending), in 分. */
  redPacketFen: Type.Integer(),
})
export type GuideDashboardRow = Static<typeof GuideDashboardRow>

export const Dashboard = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  guides: Type.Array(GuideDashboardRow),
  /** Alerts per rule per China-time day (YYYY-MM-DD). */
  alertsByRule: Type.Array(Type.Object({ day: Type.String(), ruleName: Type.String(), count: Type.Integer() })),
})
export type Dashboard = Static<typeof Dashboard>

export const ArchiveStatus = Type.Object({
  source: Type.String(),
  checkpointSeq: Type.Integer(),
  stored: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  notAgreed: Type.Integer(),
  rejectsByReason: Type.Record(Type.String(), Type.Integer()),
})
export type ArchiveStatus = Static<typeof ArchiveStatus>
