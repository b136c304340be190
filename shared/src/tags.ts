import type { Static } from 'typebox'
import Type from 'typebox'
import { NOT_BLANK_PATTERN } from './common.ts'

/** Why a computed tag holds: a locale key (`tags.why.*`) and the facts it names. */
export const TagExplanation = Type.Object({
  key: Type.String(),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
})
export type TagExplanation = Static<typeof TagExplanation>

export const TagSource = Type.Union([Type.Literal('wecom'), Type.Literal('personal'), Type.Literal('computed'), Type.Literal('manual')])
export type TagSource = Static<typeof TagSource>

/**
 * One tag on a member as the caller sees it. WeCom corp tags are per follow relation: `mine` says the
 * caller's own relation carries it (what the tag editor edits); personal tags are only the caller's own.
 */
export const MemberTag = Type.Object({
  id: Type.String(),
  name: Type.String(),
  groupName: Type.String(),
  source: TagSource,
  mine: Type.Boolean(),
  explanation: Type.Union([TagExplanation, Type.Null()]),
})
export type MemberTag = Static<typeof MemberTag>

/** The corp tag tree a guide picks from (rule-group tags of other apps are left out: mark_tag refuses them). */
export const CorpTagTree = Type.Object({
  groups: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    tags: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  })),
})
export type CorpTagTree = Static<typeof CorpTagTree>

const TagIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, uniqueItems: true })

export const MemberTagsParams = Type.Object({ memberId: Type.Integer({ minimum: 1 }) })
export type MemberTagsParams = Static<typeof MemberTagsParams>

/** The guide's edit of their own relation's corp tags; written locally at once, pushed to WeCom by a job. */
export const MemberTagEdit = Type.Object({
  add: Type.Optional(TagIds),
  remove: Type.Optional(TagIds),
})
export type MemberTagEdit = Static<typeof MemberTagEdit>

export const MemberTagList = Type.Object({ tags: Type.Array(MemberTag) })
export type MemberTagList = Static<typeof MemberTagList>

// ---------------------------------------------------------------- corp tag management (admins)

/** WeCom's limits for add_corp_tag / edit_corp_tag: a name of 1..30 characters; `order` in [0, 2^32), larger first. */
export const CORP_TAG_NAME_MAX = 30
export const CORP_TAG_ORDER_MAX = 2 ** 32 - 1

/**
 * Why the library refused a change, in ApiError.error, so the console can say it in its own words:
 * read-only (not created by this app), no room to move between read-only tags, the name is taken
 * (400 when known here, 409 when WeCom said 40071), gone or not this app's in WeCom (40068).
 */
export const corpTagRefusals = ['CORP_TAG_READ_ONLY', 'CORP_TAG_NO_ROOM', 'CORP_TAG_NAME_TAKEN', 'CORP_TAG_GONE'] as const
export type CorpTagRefusal = typeof corpTagRefusals[number]

/** A tag or group name: not blank (surrounding spaces are trimmed before it is sent). */
export const CorpTagName = Type.String({ minLength: 1, maxLength: CORP_TAG_NAME_MAX, pattern: NOT_BLANK_PATTERN })

/**
 * A corp tag as the admin console shows it. `editable`: this app created it (WeCom lets an app rename,
 * reorder and delete only tags it created); tags made in the WeCom admin console or by another app are read-only.
 */
export const ManagedCorpTag = Type.Object({
  id: Type.String(),
  name: Type.String(),
  order: Type.Integer(),
  editable: Type.Boolean(),
})
export type ManagedCorpTag = Static<typeof ManagedCorpTag>

/** A group with its live tags, highest `order` first. A read-only group still takes new tags (they are this app's). */
export const ManagedCorpTagGroup = Type.Object({
  id: Type.String(),
  name: Type.String(),
  order: Type.Integer(),
  editable: Type.Boolean(),
  tags: Type.Array(ManagedCorpTag),
})
export type ManagedCorpTagGroup = Static<typeof ManagedCorpTagGroup>

export const ManagedCorpTagTree = Type.Object({ groups: Type.Array(ManagedCorpTagGroup) })
export type ManagedCorpTagTree = Static<typeof ManagedCorpTagTree>

export const CorpTagGroupParams = Type.Object({ groupId: Type.String({ minLength: 1, maxLength: 64 }) })
export type CorpTagGroupParams = Static<typeof CorpTagGroupParams>

export const CorpTagParams = Type.Object({ tagId: Type.String({ minLength: 1, maxLength: 64 }) })
export type CorpTagParams = Static<typeof CorpTagParams>

/** A new group with its first tags (WeCom has no empty groups), listed top first. */
export const CreateCorpTagGroup = Type.Object({
  name: CorpTagName,
  tags: Type.Array(CorpTagName, { minItems: 1, maxItems: 100 }),
})
export type CreateCorpTagGroup = Static<typeof CreateCorpTagGroup>

/** A new tag in a group, or a new name for a tag or group. */
export const CorpTagNameBody = Type.Object({ name: CorpTagName })
export type CorpTagNameBody = Static<typeof CorpTagNameBody>

/**
 * Moves a tag or group of this app's one step up or down: to the nearest place that the read-only tags'
 * fixed `order` values leave room for (WeCom lets this app change only its own tags' order).
 */
export const CorpTagMove = Type.Object({ direction: Type.Union([Type.Literal('up'), Type.Literal('down')]) })
export type CorpTagMove = Static<typeof CorpTagMove>
