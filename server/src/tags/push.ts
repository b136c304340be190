// The `tags.push` job: brings one follow relation's corp tags in WeCom to what is stored here, with
// mark_tag and the self-built app's token. It diffs against what WeCom reports (externalcontact/get)
// instead of replaying the edit, so a retry, a duplicate job or jobs run out of order change nothing
// twice: mark_tag adds and removes set members. Failures are retried by the queue (backoff).
import type { AsyncDbOrTx } from '../db/port.ts'
import type { JobQueue, JobsLogger } from '../jobs/queue.ts'
import type { WecomClient } from '../wecom/client.ts'
import { eq, inArray } from 'drizzle-orm'
import { syncCorpTags } from '../contacts/sync.ts'
import { members, tags } from '../db/schema.ts'
import { WecomApiError } from '../wecom/errors.ts'
import { PUSH_JOB, relationTagIds, writeFollowTags } from './follow-tags.ts'

export type TagPushClient = Pick<WecomClient, 'getExternalContact' | 'markTag' | 'getCorpTagList'>

export const CORP_TAGS_JOB = 'tags.corp-sync'
/** Backstop pull of the corp tag tree; change_external_tag events keep it current in between. */
const CORP_TAGS_INTERVAL_MS = 6 * 3_600_000

export type PushOutcome = 'in_sync' | 'pushed' | 'relation_gone' | 'refused'

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every(x => b.includes(x))

/**
 * Makes WeCom's tags on (guide, member) equal the stored ones. Only tags known here are removed (one
 * WeCom created after our last corp-tag sync is not ours to drop). When WeCom refuses for good (relation
 * gone, tag deleted there), WeCom's state is written back here so the two agree again.
 */
export async function pushRelationTags(db: AsyncDbOrTx, wecom: TagPushClient, guideUserid: string, memberId: number, now: number): Promise<PushOutcome> {
  const member = await db.select({ externalUserid: members.externalUserid }).from(members).where(eq(members.id, memberId)).get()
  if (!member?.externalUserid)
    return 'relation_gone'
  let pushed = false
  // Repeats while the stored set changes under it (an edit made while this push ran).
  for (let round = 0; round < 5; round++) {
    const wanted = await relationTagIds(db, guideUserid, memberId)
    let remote: string[]
    try {
      const follow = (await wecom.getExternalContact(member.externalUserid)).follow_user.find(f => f.userid === guideUserid)
      if (!follow)
        return 'relation_gone'
      remote = (follow.tags ?? []).filter(t => (t.type === 1 || t.type === 3) && t.tag_id).map(t => t.tag_id!)
    }
    catch (err) {
      if (err instanceof WecomApiError && err.kind === 'not_found')
        return 'relation_gone'
      throw err
    }
    const known = remote.length > 0 ? new Set((await db.select({ id: tags.id }).from(tags).where(inArray(tags.id, remote)).all()).map(t => t.id)) : new Set<string>()
    const addTag = wanted.filter(id => !remote.includes(id))
    const removeTag = remote.filter(id => known.has(id) && !wanted.includes(id))
    if (addTag.length > 0 || removeTag.length > 0) {
      try {
        await wecom.markTag({ userid: guideUserid, externalUserid: member.externalUserid, addTag, removeTag })
        pushed = true
      }
      catch (err) {
        if (err instanceof WecomApiError && (err.kind === 'client' || err.kind === 'not_found')) {
          // Not fixable by retrying (a tag deleted in WeCom, the relation gone): WeCom's state wins.
          await writeFollowTags(db, { guideUserid, memberId, tagIds: remote.filter(id => known.has(id)) }, now, { force: true })
          return err.kind === 'not_found' ? 'relation_gone' : 'refused'
        }
        throw err
      }
    }
    if (sameSet(await relationTagIds(db, guideUserid, memberId), wanted))
      return pushed ? 'pushed' : 'in_sync'
  }
  throw new Error(`tags of ${guideUserid}/${memberId} kept changing while being pushed`)
}

export interface TagJobsOptions {
  db: AsyncDbOrTx
  wecom: TagPushClient
  now: () => number
  log?: JobsLogger
}

export function registerTagJobs(queue: JobQueue, options: TagJobsOptions) {
  const { db, wecom, now, log } = options
  queue.register(PUSH_JOB, async ({ payload }) => {
    const { guideUserid, memberId } = payload
    if (typeof guideUserid !== 'string' || typeof memberId !== 'number')
      throw new Error(`bad ${PUSH_JOB} payload`)
    const outcome = await pushRelationTags(db, wecom, guideUserid, memberId, now())
    if (outcome === 'refused' || outcome === 'relation_gone')
      log?.info({ guideUserid, memberId, outcome }, 'tag edit not applied in WeCom; WeCom state kept')
  }, { maxAttempts: 8, backoffMs: 5_000 })

  queue.register(CORP_TAGS_JOB, async () => {
    const result = await syncCorpTags(db, wecom)
    log?.info({ ...result }, 'corp tags pulled')
  }, { maxAttempts: 3, backoffMs: 60_000 })
}

export async function scheduleTagJobs(queue: JobQueue) {
  await queue.schedule(CORP_TAGS_JOB, CORP_TAGS_INTERVAL_MS)
}
