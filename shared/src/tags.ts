import type { Static } from 'typebox'
import Type from 'typebox'

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
