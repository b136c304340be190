// `pnpm bench --only tags`: computed tags for every member of the bench database (the daily job's work),
// then a segment preview ("lost, spent ≥ ¥2,000, prefers 护肤") as an admin sees it.
import type { Session } from '../src/plugins/session.ts'
import { sql } from 'drizzle-orm'
import { connectDatabase } from '../src/db/client.ts'
import { computedMemberTags, orders } from '../src/db/schema.ts'
import { DAY_MS } from '../src/lib/china-time.ts'
import { computeAllTags } from '../src/segments/compute-job.ts'
import { previewSegment } from '../src/segments/service.ts'

export interface TagsBench {
  members: number
  tags: number
  seconds: number
  /** Average computed tags of members who bought in the last 365 days. */
  tagsPerActiveMember: number
  segmentPreviewMs: number
  segmentSize: number
}

export async function benchComputedTags(path: string, now: number): Promise<TagsBench> {
  const { port, legacy } = await connectDatabase({ databaseUrl: '', databasePath: path })
  try {
    const started = performance.now()
    const result = await computeAllTags(port.db, now)
    const seconds = Math.round((performance.now() - started) / 100) / 10
    const active = await port.db.select({ members: sql<number>`count(distinct ${computedMemberTags.memberId})`, tags: sql<number>`count(*)` }).from(computedMemberTags).where(sql`${computedMemberTags.memberId} in (select ${orders.memberId} from ${orders} where ${orders.paidAt} > ${now - 365 * DAY_MS})`).get()
    const admin: Session = { userid: 'bench', role: 'admin', storeId: null, exp: 0 }
    const previewStarted = performance.now()
    const preview = await previewSegment(port.db, admin, { tagIds: ['c:lifecycle:lost', 'c:category:护肤'], minSpentFen: 200_000 }, now)
    return {
      members: result.members,
      tags: result.tags,
      seconds,
      tagsPerActiveMember: Math.round(10 * Number(active!.tags) / Math.max(1, Number(active!.members))) / 10,
      segmentPreviewMs: Math.round(performance.now() - previewStarted),
      segmentSize: preview.size,
    }
  }
  finally {
    legacy?.close()
  }
}
