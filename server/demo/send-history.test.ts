import type { OpenedDatabase } from '../src/db/client.ts'
import type { Session } from '../src/plugins/session.ts'
import type { DemoDataset } from './generator.ts'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/client.ts'
import { loadFeedbackStats } from '../src/recommend/feedback.ts'
import { runAttribution } from '../src/recommend/jobs.ts'
import { conversionReport } from '../src/reports/service.ts'
import { generateDemoData, generateDemoDataStream } from './generator.ts'
import { seedDatabase } from './seed.ts'

const DAY = 86_400_000
const seed = 42
const withHistory = generateDemoData({ members: 2000, seed, sendHistory: true })
const withoutHistory = generateDemoData({ members: 2000, seed })
const now = withHistory.meta.now

function hash(rows: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex')
}

describe('send history generation', () => {
  it('is deterministic, the same whatever the chunk size, and different for another seed', () => {
    const again = generateDemoData({ members: 300, seed: 7, sendHistory: true })
    const first = generateDemoData({ members: 300, seed: 7, sendHistory: true })
    expect(again.sends).toEqual(first.sends)
    expect(again.recommendations).toEqual(first.recommendations)
    const streamed: Pick<DemoDataset, 'sends' | 'recommendations'> = { sends: [], recommendations: [] }
    for (const chunk of generateDemoDataStream({ members: 300, seed: 7, chunkSize: 37, sendHistory: true })) {
      if (chunk.kind === 'members') {
        streamed.sends.push(...chunk.data.sends)
        streamed.recommendations.push(...chunk.data.recommendations)
      }
    }
    expect(streamed.sends).toEqual(first.sends)
    expect(streamed.recommendations).toEqual(first.recommendations)
    expect(generateDemoData({ members: 300, seed: 8, sendHistory: true }).sends).not.toEqual(first.sends)
  })

  it('leaves every other row of the dataset unchanged (and is off by default)', () => {
    expect(withoutHistory.sends).toEqual([])
    expect(withoutHistory.recommendations).toEqual([])
    for (const key of ['members', 'memberIdentities', 'follows', 'followTags', 'orders', 'orderLines', 'products', 'staff', 'replies'] as const) {
      expect(withHistory[key].length, key).toBe(withoutHistory[key].length)
      expect(hash(withHistory[key]), key).toBe(hash(withoutHistory[key]))
    }
    expect(withHistory.meta).toEqual(withoutHistory.meta)
  })

  it('sends come from a guide who follows the member, within the last 60 days, to members with a WeCom contact', () => {
    const d = withHistory
    expect(d.sends.length).toBeGreaterThan(d.members.length / 5)
    const follows = new Map(d.follows.map(f => [`${f.guideUserid}|${f.memberId}`, f]))
    const members = new Map(d.members.map(m => [m.id, m]))
    const ids = new Set<number>()
    const keys = new Set<string>()
    for (const s of d.sends) {
      const f = follows.get(`${s.guideUserid}|${s.memberId}`)
      expect(f, `send ${s.id}`).toBeDefined()
      expect(f!.addedAt).toBeLessThan(s.createdAt)
      expect(members.get(s.memberId)?.externalUserid).toBeTruthy()
      expect(s.createdAt).toBeGreaterThanOrEqual(now - 60 * DAY)
      expect(s.createdAt).toBeLessThan(now)
      expect(s.completedAt).toBeGreaterThan(s.createdAt)
      expect(s.idempotencyKey).toMatch(/^[\w-]{8,64}$/)
      ids.add(s.id)
      keys.add(s.idempotencyKey)
    }
    expect(ids.size).toBe(d.sends.length)
    expect(keys.size).toBe(d.sends.length)
    expect(Math.max(...ids)).toBe(d.sends.length)
  })

  it('product cards carry the product\'s own link, title and image; text replies are filled', () => {
    const d = withHistory
    const products = new Map(d.products.map(p => [p.skuId, p]))
    const replies = new Map(d.replies.map(r => [r.id, r]))
    const recommendations = new Map(d.recommendations.map(r => [r.id, r]))
    let news = 0
    let text = 0
    let recommended = 0
    for (const s of d.sends) {
      if (s.kind === 'news') {
        news++
        const p = products.get(s.skuId!)!
        expect(p).toBeDefined()
        const payload = s.payload as { msgtype: string, news: { link: string, title: string, desc: string, imgUrl: string } }
        expect(payload.msgtype).toBe('news')
        expect(payload.news).toMatchObject({ link: p.linkUrl, title: p.name, imgUrl: p.imageUrl })
        // The card is what the member reads: the price, never the guide-facing reason.
        expect(payload.news.desc).toMatch(/^¥[\d,]+\.\d\d$/)
        expect(s.replyId).toBeNull()
        if (s.recommendationId !== null) {
          recommended++
          const rec = recommendations.get(s.recommendationId)!
          expect(rec).toMatchObject({ memberId: s.memberId, guideUserid: s.guideUserid, modelRunId: null })
          expect(rec.createdAt).toBeLessThan(s.createdAt)
          expect(rec.items.length).toBeGreaterThanOrEqual(3)
          expect(rec.items.length).toBeLessThanOrEqual(6)
          expect(rec.items.map(i => i.rank)).toEqual(rec.items.map((_, i) => i + 1))
          expect(rec.items.find(i => i.skuId === s.skuId)?.reasonCode).toBe(s.reasonCode)
          expect(['restock', 'complement', 'similar_members', 'favourite_category', 'popular', 'explore']).toContain(s.reasonCode)
        }
        else {
          expect(s.reasonCode).toBeNull()
        }
      }
      else {
        text++
        expect(s.skuId).toBeNull()
        expect(s.recommendationId).toBeNull()
        const payload = s.payload as { msgtype: string, text: { content: string } }
        expect(payload.msgtype).toBe('text')
        expect(replies.has(s.replyId!)).toBe(true)
        expect(payload.text.content).not.toMatch(/\{\{/)
      }
    }
    expect(text).toBeGreaterThan(0)
    expect(recommended / news).toBeGreaterThan(0.5)
    expect(recommended / news).toBeLessThan(0.7)
    expect(new Set(d.recommendations.map(r => r.id)).size).toBe(recommended)
    const byStatus = (st: string): number => d.sends.filter(s => s.status === st).length / d.sends.length
    expect(byStatus('sent')).toBeGreaterThan(0.9)
    expect(byStatus('cancelled')).toBeGreaterThan(0.02)
    expect(byStatus('failed')).toBeGreaterThan(0.003)
    for (const s of d.sends) expect(s.errMsg).toBe(s.status === 'sent' ? 'sendChatMessage:ok' : s.status === 'cancelled' ? 'sendChatMessage:cancel' : 'sendChatMessage:fail no permission')
  })
})

describe('seeded send history and attribution', () => {
  let dir: string
  let o: OpenedDatabase
  let attributed: number

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scrm-history-'))
    o = openDatabase(join(dir, 'demo.db'))
    const counts = seedDatabase(o.db, withHistory)
    expect(counts.sends).toBe(withHistory.sends.length)
    expect(counts.recommendations).toBe(withHistory.recommendations.length)
    attributed = (await runAttribution(o.port.db, now + 12 * 3_600_000, 90)).attributed
  })
  afterAll(() => {
    o?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('attributes a good share of orders, each to a delivered matching send 0–7 days before payment', async () => {
    expect(attributed).toBeGreaterThan(80)
    const rows = o.sqlite.prepare(`select a.match_level level, s.status, s.created_at sentAt, s.member_id sendMember, o.member_id orderMember, o.paid_at paidAt,
        sp.sku_id sku, sp.spu_id spu, sp.category cat, a.order_id orderId
      from attributions a join sends s on s.id = a.send_id join orders o on o.id = a.order_id join products sp on sp.sku_id = s.sku_id`).all() as { level: string, status: string, sentAt: number, sendMember: number, orderMember: number, paidAt: number, sku: string, spu: string, cat: string, orderId: number }[]
    expect(rows).toHaveLength(attributed)
    const lines = o.sqlite.prepare('select l.sku_id sku, l.spu_id spu, p.category cat from order_lines l join products p on p.sku_id = l.sku_id where l.order_id = ?')
    for (const r of rows) {
      expect(r.status).toBe('sent')
      expect(r.orderMember).toBe(r.sendMember)
      expect(r.paidAt).toBeGreaterThan(r.sentAt)
      expect(r.paidAt - r.sentAt).toBeLessThanOrEqual(7 * DAY)
      const ls = lines.all(r.orderId) as { sku: string, spu: string, cat: string }[]
      const match = r.level === 'sku' ? ls.some(l => l.sku === r.sku) : r.level === 'spu' ? ls.some(l => l.spu === r.spu) : ls.some(l => l.cat === r.cat)
      expect(match, `order ${r.orderId}`).toBe(true)
    }
    expect(new Set(rows.map(r => r.level)).size).toBe(3)
    // Most product sends are ignored: learned conversion is informative, not saturated.
    const stats = await loadFeedbackStats(o.port.db)
    expect(stats.overall.conversions / stats.overall.sends).toBeGreaterThan(0.05)
    expect(stats.overall.conversions / stats.overall.sends).toBeLessThan(0.35)
    expect(stats.byReason.get('manual')?.sends).toBeGreaterThan(0)
    expect(stats.bySpu.size).toBeGreaterThan(50)
  })

  it('gives supervisors a conversion report with recommended vs manual sends that differs across guides', async () => {
    const range = { from: now - 61 * DAY, to: now + DAY }
    const supervisors = o.sqlite.prepare(`select userid, store_id storeId from staff where role = 'supervisor'`).all() as { userid: string, storeId: string }[]
    const rates: number[] = []
    let rec = { sends: 0, converted: 0 }
    let manual = { sends: 0, converted: 0 }
    for (const s of supervisors) {
      const session: Session = { userid: s.userid, role: 'supervisor', storeId: s.storeId, exp: Math.floor(now / 1000) + 3600 }
      const report = await conversionReport(o.port.db, session, range)
      expect(report.rows).toHaveLength(10)
      expect(report.rows.reduce((n, r) => n + r.recommendedSends + r.manualSends, 0)).toBeGreaterThan(0)
      expect(report.rows.reduce((n, r) => n + r.recommendedConverted + r.manualConverted, 0)).toBeGreaterThan(0)
      for (const r of report.rows) {
        rec = { sends: rec.sends + r.recommendedSends, converted: rec.converted + r.recommendedConverted }
        manual = { sends: manual.sends + r.manualSends, converted: manual.converted + r.manualConverted }
        const sent = r.recommendedSends + r.manualSends
        if (sent >= 15)
          rates.push((r.recommendedConverted + r.manualConverted) / sent)
      }
    }
    expect(rates.length).toBeGreaterThan(10)
    expect(Math.max(...rates) - Math.min(...rates)).toBeGreaterThan(0.1)
    expect(rec.sends).toBeGreaterThan(manual.sends)
    expect(rec.converted / rec.sends).toBeGreaterThan(manual.converted / manual.sends)
    expect(manual.converted).toBeGreaterThan(0)
  })
})
