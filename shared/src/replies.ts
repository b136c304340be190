import type { Static } from 'typebox'
import Type from 'typebox'

export const Reply = Type.Object({
  id: Type.Integer(),
  groupId: Type.Integer(),
  groupName: Type.String(),
  title: Type.String(),
  /** Already filled in for the current member and guide. */
  content: Type.String(),
})
export type Reply = Static<typeof Reply>
