// Notes a guide keeps on a member (preferences, sizes, family, events, complaints). They belong to the member,
// not to the guide: whoever serves the member sees them (auth/access.ts), so they survive a handover. Only the
// author edits or deletes a note.
import type { CreateNoteRequest, Note, NoteFeed, NoteFeedQuery, NoteList, UpdateNoteRequest } from '@scrm/shared'
import type { AsyncDbOrTx } from '../db/port.ts'
import type { Session } from '../plugins/session.ts'
import { and, desc, eq, sql } from 'drizzle-orm'
import { memberScope, requireMemberAccess } from '../auth/access.ts'
import { memberNotes, members, staff, stores } from '../db/schema.ts'
import { forbidden, notFound } from '../plugins/errors.ts'

const noteColumns = {
  id: memberNotes.id,
  memberId: memberNotes.memberId,
  kind: memberNotes.kind,
  body: memberNotes.body,
  authorUserid: memberNotes.authorUserid,
  authorName: staff.name,
  createdAt: memberNotes.createdAt,
  updatedAt: memberNotes.updatedAt,
}

/** Trims the text a guide typed; the schema already refused blank text. */
const clean = (body: string) => body.trim()

export async function listMemberNotes(db: AsyncDbOrTx, session: Session, memberId: number): Promise<NoteList> {
  await requireMemberAccess(db, session, memberId)
  const rows = await db.select(noteColumns).from(memberNotes).innerJoin(staff, eq(staff.userid, memberNotes.authorUserid)).where(eq(memberNotes.memberId, memberId)).orderBy(desc(memberNotes.createdAt), desc(memberNotes.id)).all()
  return { items: rows.map(r => ({ ...r, mine: r.authorUserid === session.userid })) }
}

async function noteById(db: AsyncDbOrTx, session: Session, id: number): Promise<Note> {
  const row = await db.select(noteColumns).from(memberNotes).innerJoin(staff, eq(staff.userid, memberNotes.authorUserid)).where(eq(memberNotes.id, id)).get()
  if (!row)
    throw notFound(`note ${id} not found`, { reason: 'note_not_found' })
  return { ...row, mine: row.authorUserid === session.userid }
}

export async function createNote(db: AsyncDbOrTx, session: Session, request: CreateNoteRequest, now: number): Promise<Note> {
  return db.transaction(async (tx) => {
    await requireMemberAccess(tx, session, request.memberId)
    const row = (await tx.insert(memberNotes).values({
      memberId: request.memberId,
      authorUserid: session.userid,
      kind: request.kind,
      body: clean(request.body),
      createdAt: now,
      updatedAt: now,
    }).returning({ id: memberNotes.id }).get())!
    return noteById(tx, session, row.id)
  })
}

/** Refuses a change to a note: 404 when the caller cannot see its member, 403 when someone else wrote it. */
async function requireOwnNote(db: AsyncDbOrTx, session: Session, id: number): Promise<void> {
  const note = await db.select({ memberId: memberNotes.memberId, authorUserid: memberNotes.authorUserid }).from(memberNotes).where(eq(memberNotes.id, id)).get()
  if (!note)
    throw notFound(`note ${id} not found`, { reason: 'note_not_found' })
  await requireMemberAccess(db, session, note.memberId)
  if (note.authorUserid !== session.userid)
    throw forbidden('only the author may change or delete a note', { reason: 'note_not_author' })
}

export async function updateNote(db: AsyncDbOrTx, session: Session, id: number, request: UpdateNoteRequest, now: number): Promise<Note> {
  return db.transaction(async (tx) => {
    await requireOwnNote(tx, session, id)
    await tx.update(memberNotes).set({
      ...(request.kind ? { kind: request.kind } : {}),
      ...(request.body ? { body: clean(request.body) } : {}),
      updatedAt: now,
    }).where(eq(memberNotes.id, id)).run()
    return noteById(tx, session, id)
  })
}

export async function deleteNote(db: AsyncDbOrTx, session: Session, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    await requireOwnNote(tx, session, id)
    await tx.delete(memberNotes).where(eq(memberNotes.id, id)).run()
  })
}

/**
 * Notes across the caller's scope, newest first: a supervisor's stores (members served by a guide of the store),
 * everyone for an admin. Guides read notes per member in the sidebar instead (403 here).
 */
export async function noteFeed(db: AsyncDbOrTx, session: Session, query: NoteFeedQuery): Promise<NoteFeed> {
  if (session.role === 'guide')
    throw forbidden('the notes overview is for supervisors and admins')
  const where = and(
    memberScope(session, memberNotes.memberId),
    query.kind ? eq(memberNotes.kind, query.kind) : undefined,
    query.storeId ? eq(members.homeStoreId, query.storeId) : undefined,
  )
  const rows = await db.select({
    ...noteColumns,
    memberName: members.name,
    externalUserid: members.externalUserid,
    storeName: stores.name,
  }).from(memberNotes).innerJoin(staff, eq(staff.userid, memberNotes.authorUserid)).innerJoin(members, eq(members.id, memberNotes.memberId)).leftJoin(stores, eq(stores.id, members.homeStoreId)).where(where).orderBy(desc(memberNotes.createdAt), desc(memberNotes.id)).limit(query.limit ?? 50).offset(query.offset ?? 0).all()
  const total = (await db.select({ n: sql<number>`count(*)` }).from(memberNotes).innerJoin(members, eq(members.id, memberNotes.memberId)).where(where).get())?.n ?? 0
  return { items: rows.map(r => ({ ...r, mine: r.authorUserid === session.userid })), total }
}
