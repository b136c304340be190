import type { Static, TString } from 'typebox'
import Type from 'typebox'

/** A reply as written (variables unfilled); the sidebar fills it per chat with the context's `replyVariables`. */
export const ReplyTemplate = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  content: Type.String(),
})
export type ReplyTemplate = Static<typeof ReplyTemplate>

/**
 * Variables a reply may use, written `{{称呼}}`. The English aliases are the names replies used before
 * the library was managed ({{name}}, {{guide}}, {{store}}); both fill the same value.
 */
export const replyVariableList = [
  { name: '称呼', alias: 'name' },
  { name: '导购', alias: 'guide' },
  { name: '门店', alias: 'store' },
  { name: '最近购买', alias: 'lastPurchase' },
  { name: '最近购买日期', alias: 'lastPurchaseDate' },
  { name: '会员等级', alias: 'level' },
] as const
export type ReplyVariableName = typeof replyVariableList[number]['name']
/** One chat's value of every variable (empty when unknown), sent in the member context. */
export const ReplyVariableValues = Type.Object(Object.fromEntries(replyVariableList.map(v => [v.name, Type.String()])) as Record<ReplyVariableName, TString>)
export type ReplyVariableValues = Static<typeof ReplyVariableValues>

const VARIABLE = /\{\{\s*([^{}\s]+)\s*\}\}/g
const byAnyName = new Map<string, ReplyVariableName>(replyVariableList.flatMap(v => [[v.name, v.name], [v.alias, v.name]] as const))

/** Variables in `template` that do not exist, each once, in order of appearance. */
export function unknownReplyVariables(template: string): string[] {
  const unknown = new Set<string>()
  for (const match of template.matchAll(VARIABLE)) {
    if (!byAnyName.has(match[1]!))
      unknown.add(match[1]!)
  }
  return [...unknown]
}

/** The known variables `template` uses (canonical names), each once. */
export function usedReplyVariables(template: string): ReplyVariableName[] {
  const used = new Set<ReplyVariableName>()
  for (const match of template.matchAll(VARIABLE)) {
    const name = byAnyName.get(match[1]!)
    if (name)
      used.add(name)
  }
  return [...used]
}

/** Fills every known variable; an unknown one stays visible (saving refuses them, so only old rows can have one). */
export function fillReplyTemplate(template: string, values: ReplyVariableValues): string {
  return template.replace(VARIABLE, (whole, key: string) => {
    const name = byAnyName.get(key)
    return name ? values[name] : whole
  })
}

export const StoreRef = Type.Object({ id: Type.String(), name: Type.String() })

export const ReplyGroup = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  sortOrder: Type.Integer(),
  replyCount: Type.Integer(),
  /** With `?withReplies=true`: the group's replies the caller's store sees, most used first. */
  replies: Type.Optional(Type.Array(ReplyTemplate)),
})
export type ReplyGroup = Static<typeof ReplyGroup>

export const ReplyGroupsQuery = Type.Object({
  /** The sidebar loads the library once per session this way and fills it per chat. */
  withReplies: Type.Optional(Type.Boolean()),
})
export type ReplyGroupsQuery = Static<typeof ReplyGroupsQuery>

export const ReplyGroupInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 32 }),
  sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
})
export type ReplyGroupInput = Static<typeof ReplyGroupInput>

/** A reply as the console manages it: the template, where it is visible, how it is used. */
export const ManagedReply = Type.Object({
  id: Type.Integer(),
  groupId: Type.Integer(),
  groupName: Type.String(),
  title: Type.String(),
  content: Type.String(),
  /** Empty = every store. */
  storeIds: Type.Array(Type.String()),
  /** Delivered sends of this reply. */
  sentCount: Type.Integer(),
  /** Distinct members who paid an order within the attribution window after receiving it. */
  convertedMembers: Type.Integer(),
  /** Distinct members who received it (the denominator of the conversion rate). */
  reachedMembers: Type.Integer(),
  createdAt: Type.Integer(),
})
export type ManagedReply = Static<typeof ManagedReply>

export const ManagedReplyList = Type.Object({
  items: Type.Array(ManagedReply),
  total: Type.Integer(),
  /** Days after a send in which an order counts as a conversion. */
  windowDays: Type.Integer(),
})
export type ManagedReplyList = Static<typeof ManagedReplyList>

export const ReplyListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 64 })),
  groupId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type ReplyListQuery = Static<typeof ReplyListQuery>

export const ReplyInput = Type.Object({
  groupId: Type.Integer({ minimum: 1 }),
  title: Type.String({ minLength: 1, maxLength: 64 }),
  content: Type.String({ minLength: 1, maxLength: 4000 }),
  storeIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500 })),
})
export type ReplyInput = Static<typeof ReplyInput>

export const ReplyPreviewRequest = Type.Object({
  content: Type.String({ minLength: 1, maxLength: 4000 }),
  /** Fill from this member (must be one the caller serves); without it, sample values. */
  memberId: Type.Optional(Type.Integer({ minimum: 1 })),
})
export type ReplyPreviewRequest = Static<typeof ReplyPreviewRequest>

export const ReplyPreview = Type.Object({
  content: Type.String(),
  /** Variables that filled in empty for this member (e.g. 最近购买 without orders). */
  empty: Type.Array(Type.String()),
})
export type ReplyPreview = Static<typeof ReplyPreview>

export const replyFileFormatList = ['xlsx', 'csv'] as const
export const replyCsvEncodingList = ['utf-8', 'gbk'] as const
export const ReplyExportQuery = Type.Object({
  format: Type.Optional(Type.Enum(replyFileFormatList)),
  encoding: Type.Optional(Type.Enum(replyCsvEncodingList)),
})
export type ReplyExportQuery = Static<typeof ReplyExportQuery>

/** Headers of the import/export sheet, in column order. */
export const replySheetHeaders = ['分组', '标题', '内容', '可见门店'] as const

export const ReplyImportRow = Type.Object({
  /** 1-based line in the file (the header is line 1). */
  line: Type.Integer(),
  status: Type.Enum(['created', 'updated', 'error']),
  title: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
})
export type ReplyImportRow = Static<typeof ReplyImportRow>

/** Row by row; when any row has an error nothing was written (`applied` false). */
export const ReplyImportReport = Type.Object({
  applied: Type.Boolean(),
  created: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Integer(),
  rows: Type.Array(ReplyImportRow),
})
export type ReplyImportReport = Static<typeof ReplyImportReport>
