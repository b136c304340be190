import type { ReplyTemplates } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import { asc, desc, eq, sql } from 'drizzle-orm'
import { preparedPerHandle } from '../db/prepared.ts'
import { replies, replyGroups } from '../db/schema.ts'

const repliesInOrder = preparedPerHandle(db => db.select({
  id: replies.id,
  groupId: replies.groupId,
  groupName: replyGroups.name,
  title: replies.title,
  content: replies.content,
}).from(replies).innerJoin(replyGroups, eq(replyGroups.id, replies.groupId)).orderBy(asc(replyGroups.sortOrder), asc(replyGroups.id), desc(replies.useCount), asc(replies.id)).prepare())

/** Every reply as a template, in display order; the sidebar fills it with the chat's `ReplyVariables`. */
export async function listReplyTemplates(db: AsyncDbOrTx): Promise<ReplyTemplates> {
  return repliesInOrder(db).all()
}

export async function countReplyUse(db: AsyncDbOrTx, replyId: number): Promise<void> {
  await db.update(replies).set({ useCount: sql`${replies.useCount} + 1` }).where(eq(replies.id, replyId)).run()
}
