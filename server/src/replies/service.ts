import type { Reply } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { asc, desc, eq, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { replies, replyGroups } from '../db/schema.ts'

export interface ReplyVariables {
  /** Member's display name (remark first, then WeCom name). */
  name: string
  guide: string
  store: string
}

/** Fills {{name}} / {{guide}} / {{store}}; unknown variables are left visible so they get noticed. */
export function fillReplyVariables(template: string, vars: ReplyVariables): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    key in vars ? vars[key as keyof ReplyVariables] : whole)
}

const repliesInOrder = preparedPerHandle(db => db.select({
  id: replies.id,
  groupId: replies.groupId,
  groupName: replyGroups.name,
  title: replies.title,
  content: replies.content,
}).from(replies).innerJoin(replyGroups, eq(replyGroups.id, replies.groupId)).orderBy(asc(replyGroups.sortOrder), asc(replyGroups.id), desc(replies.useCount), asc(replies.id)).prepare())

export async function listReplies(db: AsyncDbOrTx, vars: ReplyVariables): Promise<Reply[]> {
  const rows = await repliesInOrder(db).all()
  return rows.map(row => ({ ...row, content: fillReplyVariables(row.content, vars) }))
}

export async function countReplyUse(db: AsyncDbOrTx, replyId: number): Promise<void> {
  await db.update(replies).set({ useCount: sql`${replies.useCount} + 1` }).where(eq(replies.id, replyId)).run()
}
