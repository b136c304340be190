import type { Static } from 'typebox'
import Type from 'typebox'

export const Reply = Type.Object({
  id: Type.Integer(),
  groupId: Type.Integer(),
  groupName: Type.String(),
  title: Type.String(),
  /** A template (`GET /api/replies`) or, in the sidebar, filled in for the member in the chat. */
  content: Type.String(),
})
export type Reply = Static<typeof Reply>

/** Every quick reply as a template, in display order (GET /api/replies); the same for every member. */
export const ReplyTemplates = Type.Array(Reply)
export type ReplyTemplates = Static<typeof ReplyTemplates>

/** The values of a template's `{{name}}`, `{{guide}}` and `{{store}}` for one chat (in the member context). */
export const ReplyVariables = Type.Object({
  /** Member's display name (the guide's remark first, then her WeCom name). */
  name: Type.String(),
  guide: Type.String(),
  store: Type.String(),
})
export type ReplyVariables = Static<typeof ReplyVariables>

/** Fills {{name}} / {{guide}} / {{store}}; unknown variables are left visible so they get noticed. */
export function fillReplyVariables(template: string, vars: ReplyVariables): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(vars, key) ? vars[key as keyof ReplyVariables] : whole)
}
