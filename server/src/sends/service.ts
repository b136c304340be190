import type { CompleteSendRequest, CreateSendRequest, MemberSendsToday, SendRecord, SendStatus } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { isDeepStrictEqual } from 'node:util'
import { and, desc, eq, gte, lt } from 'drizzle-orm'
import { requireMemberAccess } from '../auth/access.ts'
import { changes } from '../db/port.ts'
import { products, replies, sends } from '../db/schema.ts'
import { shanghaiDay, shanghaiDayStart } from '../lib/china-time.ts'
import { badRequest, conflict, notFound } from '../plugins/errors.ts'
import { countReplyUse } from '../replies/service.ts'

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
export async function createSend(db: AsyncDbOrTx, session: Session, request: CreateSendRequest, now: number): Promise<{ record: SendRecord, created: boolean }> {
  await requireMemberAccess(db, session, request.memberId)
  if (request.replyId !== undefined && !(await db.select({ id: replies.id }).from(replies).where(eq(replies.id, request.replyId)).get()))
    throw badRequest(`replyId ${request.replyId} does not exist`, { reason: 'reply_not_found' })
  if (request.skuId !== undefined && !(await db.select({ id: products.skuId }).from(products).where(eq(products.skuId, request.skuId)).get()))
    throw badRequest(`skuId ${request.skuId} does not exist`, { reason: 'product_not_found' })

  const inserted = await db.insert(sends).values({
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

  const existing = await db.select().from(sends).where(eq(sends.idempotencyKey, request.idempotencyKey)).get()
  if (!existing)
    throw conflict('send could not be recorded; retry')
  if (existing.guideUserid !== session.userid || existing.memberId !== request.memberId || !isDeepStrictEqual(existing.payload, request.message))
    throw conflict(`idempotencyKey ${request.idempotencyKey} was already used for a different send`, { reason: 'send_key_reused' })
  return { record: toRecord(existing), created: false }
}

/** Outcomes the sidebar reported; `expired` is not one of them: a late report replaces it. */
const finalStatuses = new Set<SendStatus>(['sent', 'failed', 'cancelled'])

/** Records the JS-SDK outcome. Repeating the same outcome is a no-op; changing a final one is 409. */
export async function completeSend(db: AsyncDbOrTx, session: Session, id: number, request: CompleteSendRequest, now: number): Promise<SendRecord> {
  const row = await db.select().from(sends).where(eq(sends.id, id)).get()
  if (!row || row.guideUserid !== session.userid)
    throw notFound(`send ${id} not found`, { reason: 'send_not_found' })
  if (finalStatuses.has(row.status)) {
    if (row.status === request.status)
      return toRecord(row)
    throw conflict(`send ${id} is already ${row.status}`, { reason: 'send_already_final' })
  }
  const updated = await db.update(sends).set({ status: request.status, errMsg: request.errMsg ?? null, completedAt: now }).where(eq(sends.id, id)).returning().get()
  if (!updated)
    throw notFound(`send ${id} not found`, { reason: 'send_not_found' })
  if (request.status === 'sent' && row.replyId !== null)
    await countReplyUse(db, row.replyId)
  return toRecord(updated)
}

/**
 * How long a send may stay pending. The sidebar completes within seconds and keeps retrying a
 * failed completion (with backoff, and again on its next start), so after this long the outcome
 * is unknown rather than late.
 */
export const PENDING_SEND_TTL_MS = 30 * 60_000

/**
 * Settles sends still pending PENDING_SEND_TTL_MS after they were logged as `expired`: their
 * outcome is unknown, so they earn no attribution (only `sent` does) and are never counted as
 * delivered. A completion that arrives later still records the real outcome. Run by the job queue.
 */
export async function reconcilePendingSends(db: AsyncDbOrTx, now: number): Promise<{ expired: number }> {
  const result = await db.update(sends)
    .set({ status: 'expired', errMsg: `no completion within ${PENDING_SEND_TTL_MS / 60_000} min`, completedAt: now })
    .where(and(eq(sends.status, 'pending'), lt(sends.createdAt, now - PENDING_SEND_TTL_MS)))
    .run()
  return { expired: changes(result) }
}

/** Today's sends (since 00:00 Asia/Shanghai) to a member the caller may see, by any guide. */
export async function memberSendsToday(db: AsyncDbOrTx, session: Session, memberId: number, now: number): Promise<MemberSendsToday> {
  await requireMemberAccess(db, session, memberId)
  const since = shanghaiDayStart(shanghaiDay(now))
  const rows = await db.select({
    id: sends.id,
    guideUserid: sends.guideUserid,
    status: sends.status,
    replyId: sends.replyId,
    skuId: sends.skuId,
    createdAt: sends.createdAt,
  }).from(sends).where(and(eq(sends.memberId, memberId), gte(sends.createdAt, since))).orderBy(desc(sends.createdAt), desc(sends.id)).all()
  return { since, sends: rows }
}
