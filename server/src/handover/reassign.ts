// The one place that moves a member from one guide to another once WeCom confirmed a handover. Member-scoped
// data that carries a guide lives in several domains; each re-points its own rows here, inside the caller's
// transaction, so a confirmation moves everything or nothing.
//
// What needs no re-pointing, because it is keyed by the member and access follows the relation
// (auth/access.ts): notes, manual and computed member tags, the send log and its attributions, precomputed
// recommendations. The send log keeps the guide who really sent each message, so per-guide reports stay true.
import type { AsyncDbOrTx } from '../db/port.ts'
import { and, eq, sql } from 'drizzle-orm'
import { follows, followTags } from '../db/schema.ts'
import { dropRelationTags } from '../tags/follow-tags.ts'

interface MemberReassignment {
  memberId: number
  fromUserid: string
  toUserid: string
  /** Epoch ms of the takeover. */
  at: number
}

type MemberReassigner = (tx: AsyncDbOrTx, change: MemberReassignment) => Promise<void>

/**
 * The follow relation moves: the old guide's ends (as WeCom reports it, del_external_contact with
 * DELETE_BY_TRANSFER), the new guide's starts with the remark and the 「联系我」 channel state (store attribution)
 * of the old one. From this moment the old guide gets 404 for the member.
 */
const moveFollow: MemberReassigner = async (tx, { memberId, fromUserid, toUserid, at }) => {
  const old = await tx.select().from(follows).where(and(eq(follows.memberId, memberId), eq(follows.guideUserid, fromUserid))).get()
  await tx.update(follows).set({ status: 'deleted_by_guide' }).where(and(eq(follows.memberId, memberId), eq(follows.guideUserid, fromUserid))).run()
  await tx.insert(follows).values({
    guideUserid: toUserid,
    memberId,
    remark: old?.remark ?? null,
    description: old?.description ?? null,
    addedAt: at,
    addWay: old?.addWay ?? 0,
    state: old?.state ?? null,
    status: 'active',
  }).onConflictDoUpdate({ target: [follows.guideUserid, follows.memberId], set: { status: 'active' } }).run()
}

/**
 * Corp tags hang on the relation (follow_tags), and WeCom carries them over to the new relation: the new guide
 * gets the old relation's corp tags as hers (she may edit them), the old relation's rows go, and so do the old
 * guide's personal tags, which were only ever hers.
 */
const moveRelationTags: MemberReassigner = async (tx, { memberId, fromUserid, toUserid, at }) => {
  await tx.insert(followTags)
    .select(tx.select({ guideUserid: sql<string>`${toUserid}`.as('guide_userid'), memberId: followTags.memberId, tagId: followTags.tagId, createdAt: sql<number>`cast(${at} as bigint)`.as('created_at') })
      .from(followTags).where(and(eq(followTags.memberId, memberId), eq(followTags.guideUserid, fromUserid))))
    .onConflictDoNothing()
    .run()
  await dropRelationTags(tx, memberId, [fromUserid])
}

/**
 * Every domain's re-pointing, in order. A domain whose rows carry the serving guide (red packets: the guide who
 * may issue the next packet, budgets per guide) appends its MemberReassigner here.
 */
const memberReassigners: MemberReassigner[] = [moveFollow, moveRelationTags]

/** Moves the member with everything attached; call inside the transaction that records the confirmation. */
export async function reassignMember(tx: AsyncDbOrTx, change: MemberReassignment): Promise<void> {
  for (const reassign of memberReassigners)
    await reassign(tx, change)
}
