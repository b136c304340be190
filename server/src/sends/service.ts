import type { CompleteSendRequest, CreateSendRequest, SendRecord } from '@scrm/shared'
import type { DbOrTx } from '../db/client.ts'
import type { Session } from '../plugins/session.ts'
import { isDeepStrictEqual } from 'node:util'
import { eq } from 'drizzle-orm'
import { requireMemberAccessSync } from '../auth/access.ts'
import { products, replies, sends } from '../db/schema.ts'
import { badRequest, conflict, notFound } from '../plugins/errors.ts'
import { countReplyUseSync } from '../replies/service.ts'

type SendRow = typeof sends.$inferSelect

function toRecord(row: SendRow): SendRecord {
  return {
    id: row.id,
    idempotencyKey: row.idempotencyKey,
    memberId: row.memberId,
    guideUserid: row.guideUserid,
    kind: row.kind,
    status: row.status,
    errMsg: row.errMsg,
    createdAt: row.createdAt,
    completedAt: row.completedAt,
  }
}

/**
 * Logs a send as 'pending' before the chat call. Idempotent on the client's key: a retry or a
 * double click returns the existing row (created=false); the same key with a different
 * message is a client bug and gets 409.
 */
export function createSend(db: DbOrTx, session: Session, request: CreateSendRequest, now: number): { record: SendRecord, created: boolean } {
  requireMemberAccessSync(db, session, request.memberId)
  if (request.replyId !== undefined && !db.select({ id: replies.id }).from(replies).where(eq(replies.id, request.replyId)).get())
    throw badRequest(`replyId ${request.replyId} does not exist`)
  if (request.skuId !== undefined && !db.select({ id: products.skuId }).from(products).where(eq(products.skuId, request.skuId)).get())
    throw badRequest(`skuId ${request.skuId} does not exist`)

  const inserted = db.insert(sends).values({
    idempotencyKey: request.idempotencyKey,
    guideUserid: session.userid,
    memberId: request.memberId,
    kind: request.message.msgtype,
    payload: request.message,
    replyId: request.replyId,
    skuId: request.skuId,
    recommendationId: request.recommendationId,
    reasonCode: request.reasonCode,
    status: 'pending',
    createdAt: now,
  }).onConflictDoNothing({ target: sends.idempotencyKey }).returning().get()
  if (inserted)
    return { record: toRecord(inserted), created: true }

  const existing = db.select().from(sends).where(eq(sends.idempotencyKey, request.idempotencyKey)).get()
  if (!existing)
    throw conflict('send could not be recorded; retry')
  if (existing.guideUserid !== session.userid || existing.memberId !== request.memberId || !isDeepStrictEqual(existing.payload, request.message))
    throw conflict(`idempotencyKey ${request.idempotencyKey} was already used for a different send`)
  return { record: toRecord(existing), created: false }
}

const finalStatuses = new Set(['sent', 'failed', 'cancelled'])

/** Records the JS-SDK outcome. Repeating the same outcome is a no-op; changing a final one is 409. */
export function completeSend(db: DbOrTx, session: Session, id: number, request: CompleteSendRequest, now: number): SendRecord {
  const row = db.select().from(sends).where(eq(sends.id, id)).get()
  if (!row || row.guideUserid !== session.userid)
    throw notFound(`send ${id} not found`)
  if (finalStatuses.has(row.status)) {
    if (row.status === request.status)
      return toRecord(row)
    throw conflict(`send ${id} is already ${row.status}`)
  }
  const updated = db.update(sends).set({ status: request.status, errMsg: request.errMsg ?? null, completedAt: now }).where(eq(sends.id, id)).returning().get()
  if (!updated)
    throw notFound(`send ${id} not found`)
  if (request.status === 'sent' && row.replyId !== null)
    countReplyUseSync(db, row.replyId)
  return toRecord(updated)
}
