import type { Static } from 'typebox'
import Type from 'typebox'
import { EpochMs, NOT_BLANK_PATTERN } from './common.ts'

/** What a note is about; the sidebar shows one chip per kind. */
export const noteKindList = ['preference', 'size', 'family', 'event', 'complaint', 'other'] as const
export const NoteKind = Type.Enum(noteKindList)
export type NoteKind = Static<typeof NoteKind>

export const NOTE_MAX_LENGTH = 1000

const NoteBody = Type.String({ minLength: 1, maxLength: NOTE_MAX_LENGTH, pattern: NOT_BLANK_PATTERN })

export const CreateNoteRequest = Type.Object({
  memberId: Type.Integer({ minimum: 1 }),
  kind: NoteKind,
  body: NoteBody,
}, { additionalProperties: false })
export type CreateNoteRequest = Static<typeof CreateNoteRequest>

export const UpdateNoteRequest = Type.Object({
  kind: Type.Optional(NoteKind),
  body: Type.Optional(NoteBody),
}, { additionalProperties: false, minProperties: 1 })
export type UpdateNoteRequest = Static<typeof UpdateNoteRequest>

export const NoteIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const MemberNotesQuery = Type.Object({ memberId: Type.Integer({ minimum: 1 }) })

/** Notes across the supervisor's stores (or all, for an admin), newest first; `storeId` = the member's home store. */
export const NoteFeedQuery = Type.Object({
  kind: Type.Optional(NoteKind),
  storeId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type NoteFeedQuery = Static<typeof NoteFeedQuery>

export const Note = Type.Object({
  id: Type.Integer(),
  memberId: Type.Integer(),
  kind: NoteKind,
  body: Type.String(),
  authorUserid: Type.String(),
  authorName: Type.String(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  /** The caller wrote it, so may edit or delete it. */
  mine: Type.Boolean(),
})
export type Note = Static<typeof Note>

export const NoteList = Type.Object({ items: Type.Array(Note) })
export type NoteList = Static<typeof NoteList>

export const NoteFeedItem = Type.Object({
  ...Note.properties,
  memberName: Type.String(),
  externalUserid: Type.Union([Type.String(), Type.Null()]),
  storeName: Type.Union([Type.String(), Type.Null()]),
})
export type NoteFeedItem = Static<typeof NoteFeedItem>

export const NoteFeed = Type.Object({ items: Type.Array(NoteFeedItem), total: Type.Integer() })
export type NoteFeed = Static<typeof NoteFeed>
