import type { DemoDataset, DemoMemberData } from './generator.ts'
import { describe, expect, it } from 'vitest'
import { SHANGHAI_OFFSET_MS } from '../src/lib/china-time.ts'
import { Rng } from '../src/lib/random.ts'
import { generateDemoData, generateDemoDataStream, joinOverlap, preferenceAffinity } from './generator.ts'

const DAY = 86_400_000
const small = generateDemoData({ members: 300, seed: 7 })
const medium = generateDemoData({ members: 1500, seed: 11 })

function rowsOf(d: DemoDataset): unknown {
  return [d.stores, d.staff, d.products, d.tagGroups, d.tags, d.replies, d.members, d.memberIdentities, d.follows, d.followTags, d.orders, d.orderLines]
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

describe('random', () => {
  it('is deterministic per seed and stream', () => {
    const a = new Rng(1, 5)
    const b = new Rng(1, 5)
    const c = new Rng(1, 6)
    const xs = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs)
  })

  it('draws distributions with the right means', () => {
    const r = new Rng(3)
    const n = 20_000
    let g = 0
    let p = 0
    let e = 0
    let nm = 0
    for (let i = 0; i < n; i++) {
      g += r.gamma(2, 3)
      p += r.poisson(4)
      e += r.exponential(10)
      nm += r.normal(5, 2)
    }
    expect(g / n).toBeCloseTo(6, 0)
    expect(p / n).toBeCloseTo(4, 0)
    expect(e / n).toBeGreaterThan(9.5)
    expect(e / n).toBeLessThan(10.5)
    expect(nm / n).toBeCloseTo(5, 1)
    const counts = [0, 0, 0]
    for (let i = 0; i < 10_000; i++) counts[r.weightedIndex([1, 0, 3])]!++
    expect(counts[1]).toBe(0)
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.5)
  })
})

describe('generateDemoData', () => {
  it('is deterministic: same seed → identical dataset, different seed → different', () => {
    const again = generateDemoData({ members: 300, seed: 7 })
    expect(rowsOf(again)).toEqual(rowsOf(small))
    expect(again.hidden.personaByMember).toEqual(small.hidden.personaByMember)
    const other = generateDemoData({ members: 300, seed: 8 })
    expect(other.members.map(m => m.name)).not.toEqual(small.members.map(m => m.name))
    expect(other.orders.length).not.toBe(small.orders.length)
  })

  it('streams exactly the same rows whatever the chunk size', () => {
    const merged: DemoMemberData = { members: [], memberIdentities: [], follows: [], followTags: [], orders: [], orderLines: [], recommendations: [], sends: [] }
    let chunks = 0
    for (const chunk of generateDemoDataStream({ members: 300, seed: 7, chunkSize: 37 })) {
      if (chunk.kind === 'static') {
        expect(chunk.data.products).toEqual(small.products)
        continue
      }
      chunks++
      for (const key of Object.keys(merged) as (keyof DemoMemberData)[]) (merged[key] as unknown[]).push(...chunk.data[key])
      expect(chunk.hidden.personaByMember.size).toBe(chunk.lastMemberId - chunk.firstMemberId + 1)
    }
    expect(chunks).toBe(Math.ceil(300 / 37))
    expect(merged.orders).toEqual(small.orders)
    expect(merged.orderLines).toEqual(small.orderLines)
    expect(merged.follows).toEqual(small.follows)
    expect(merged.sends).toEqual(small.sends)
    expect(merged.recommendations).toEqual(small.recommendations)
  })

  it('names products without saying a material twice', () => {
    expect(joinOverlap('山羊绒', '羊绒衫')).toBe('山羊绒衫')
    expect(joinOverlap('水洗牛仔', '牛仔裤')).toBe('水洗牛仔裤')
    expect(joinOverlap('真丝', '衬衫')).toBe('真丝衬衫')
    expect(joinOverlap('', '面霜')).toBe('面霜')
    for (const p of small.products) {
      const base = p.name.replace(/ [A-Z]款$/, '')
      const repeated = [...base].some((_, i) => i + 2 <= base.length && base.includes(base.slice(i, i + 2), i + 2))
      expect(repeated, base).toBe(false)
    }
  })

  it('builds stores, staff and a ~300-SPU catalog with sane prices', () => {
    const d = small
    expect(d.stores.map(s => s.name)).toEqual(['上海南京西路店', '杭州湖滨店', '北京三里屯店'])
    expect(d.staff.filter(s => s.role === 'guide')).toHaveLength(30)
    expect(d.staff.filter(s => s.role === 'supervisor').map(s => s.userid)).toEqual(['sup_sh', 'sup_hz', 'sup_bj'])
    expect(d.staff.filter(s => s.role === 'admin')).toHaveLength(1)
    for (const s of d.staff) expect(s.avatar).toMatch(/^https:\/\/demo\.scrm\.example\/avatar\//)

    const spus = new Map<string, number>()
    for (const p of d.products) spus.set(p.spuId, (spus.get(p.spuId) ?? 0) + 1)
    expect(spus.size).toBeGreaterThanOrEqual(280)
    expect(spus.size).toBeLessThanOrEqual(320)
    for (const n of spus.values()) {
      expect(n).toBeGreaterThanOrEqual(1)
      expect(n).toBeLessThanOrEqual(6)
    }
    expect(new Set(d.products.map(p => p.skuId)).size).toBe(d.products.length)
    for (const p of d.products) {
      const [top, cat, leaf] = p.categoryPath.split('/')
      expect(['服装', '美妆']).toContain(top)
      expect(p.category).toBe(cat)
      expect(leaf).toBeTruthy()
      expect(Number.isInteger(p.price)).toBe(true)
      expect(p.imageUrl).toBe(`https://demo.scrm.example/img/${p.spuId}.jpg`)
      expect(p.linkUrl).toBe(`https://demo.scrm.example/item/${p.skuId}`)
      if (leaf === 'T恤') {
        expect(p.price).toBeGreaterThanOrEqual(129_00)
        expect(p.price).toBeLessThanOrEqual(299_00)
      }
      if (leaf === '精华')
        expect(p.price).toBeGreaterThanOrEqual(380_00)
      if (cat === '护肤')
        expect(p.consumable).toBe(true)
      if (cat === '外套')
        expect(p.consumable).toBe(false)
    }
    expect(d.products.some(p => p.stock === 0)).toBe(true)
    expect(d.products.some(p => p.launchedAt > d.meta.now - 30 * DAY)).toBe(true)
    expect(d.replyGroups).toHaveLength(6)
    expect(d.replies.length).toBeGreaterThanOrEqual(45)
    expect(d.replies.every(r => /\{\{称呼\}\}/.test(r.content))).toBe(true)
    expect(d.tags.every(t => /^et[A-Z0-9]{8}$/i.test(t.id))).toBe(true)
  })

  it('keeps orders, lines, identities and follows consistent', () => {
    const d = medium
    const skus = new Set(d.products.map(p => p.skuId))
    const guides = new Set(d.staff.filter(s => s.role === 'guide').map(s => s.userid))
    const memberIds = new Set(d.members.map(m => m.id))
    const linesByOrder = new Map<number, number>()
    for (const l of d.orderLines) {
      expect(skus.has(l.skuId)).toBe(true)
      expect(l.amount).toBe(l.unitPrice * l.quantity)
      linesByOrder.set(l.orderId, (linesByOrder.get(l.orderId) ?? 0) + l.amount)
    }
    const numbers = new Set<string>()
    for (const o of d.orders) {
      expect(o.totalAmount).toBe(linesByOrder.get(o.id))
      expect(o.paidAmount).toBeLessThanOrEqual(o.totalAmount)
      expect(o.paidAmount).toBeGreaterThanOrEqual(0)
      expect(o.refundedAmount).toBeLessThanOrEqual(o.paidAmount)
      expect(o.paidAt).toBeLessThanOrEqual(d.meta.now)
      expect(o.paidAt).toBeGreaterThanOrEqual(d.meta.windowStart - DAY)
      expect(o.buyerId).toBeTruthy()
      if (o.memberId !== null)
        expect(memberIds.has(o.memberId)).toBe(true)
      expect(o.platform === 'pos').toBe(o.storeId !== null)
      const key = `${o.platform}|${o.orderNo}`
      expect(numbers.has(key)).toBe(false)
      numbers.add(key)
    }
    const unmatched = d.orders.filter(o => o.memberId === null).length / d.orders.length
    expect(unmatched).toBeGreaterThan(0.005)
    expect(unmatched).toBeLessThan(0.08)
    expect(new Set(d.orders.map(o => o.platform)).size).toBe(6)
    const statuses = new Set(d.orders.map(o => o.status))
    expect(statuses).toContain('refunded')
    expect(statuses).toContain('cancelled')

    const identities = new Set(d.memberIdentities.map(i => `${i.platform}|${i.buyerId}`))
    expect(identities.size).toBe(d.memberIdentities.length)
    // Every matched order's buyer id is a known identity of that member.
    const identityOwner = new Map(d.memberIdentities.map(i => [`${i.platform}|${i.buyerId}`, i.memberId]))
    for (const o of d.orders) {
      if (o.memberId !== null)
        expect(identityOwner.get(`${o.platform}|${o.buyerId}`)).toBe(o.memberId)
      else
        expect(identityOwner.has(`${o.platform}|${o.buyerId}`)).toBe(false)
    }

    const followsPerMember = new Map<number, number>()
    for (const f of d.follows) {
      expect(guides.has(f.guideUserid)).toBe(true)
      followsPerMember.set(f.memberId, (followsPerMember.get(f.memberId) ?? 0) + 1)
    }
    const withExternal = d.members.filter(m => m.externalUserid)
    expect(followsPerMember.size).toBe(withExternal.length)
    const twoGuides = [...followsPerMember.values()].filter(n => n === 2).length / followsPerMember.size
    expect(twoGuides).toBeGreaterThan(0.05)
    expect(twoGuides).toBeLessThan(0.15)
    for (const m of d.members) {
      expect(m.phoneHash).toMatch(/^[0-9a-f]{64}$/)
      expect(m.phoneMasked).toMatch(/^1\d{2}\*{4}\d{4}$/)
      if (m.externalUserid)
        expect(m.externalUserid).toMatch(/^w[mo][A-Za-z0-9]{26}$/)
    }
    expect(d.members.some(m => m.externalUserid?.startsWith('wo'))).toBe(true)
    const buyersWithoutGuide = d.members.filter(m => !m.externalUserid && d.orders.some(o => o.memberId === m.id))
    expect(buyersWithoutGuide.length).toBeGreaterThan(0)
    const tagIds = new Set(d.tags.map(t => t.id))
    for (const t of d.followTags) {
      expect(tagIds.has(t.tagId)).toBe(true)
      expect(guides.has(t.guideUserid)).toBe(true)
    }
  })

  it('cycle buyers replenish at their hidden rhythm', () => {
    const d = medium
    const leafOf = new Map(d.products.map(p => [p.skuId, p.categoryPath.split('/')[2]]))
    const daysByMemberLeaf = new Map<string, number[]>()
    const orderById = new Map(d.orders.map(o => [o.id, o]))
    for (const l of d.orderLines) {
      const o = orderById.get(l.orderId)!
      if (o.memberId === null)
        continue
      const key = `${o.memberId}|${leafOf.get(l.skuId)}`
      const list = daysByMemberLeaf.get(key) ?? []
      list.push(o.paidAt / DAY)
      daysByMemberLeaf.set(key, list)
    }
    let checked = 0
    let within = 0
    for (const [id, persona] of d.hidden.personaByMember) {
      if (persona.kind !== 'cycle')
        continue
      for (const r of persona.cycles) {
        const days = (daysByMemberLeaf.get(`${id}|${r.leaf}`) ?? []).sort((a, b) => a - b)
        if (days.length < 4)
          continue
        const gaps = days.slice(1).map((x, i) => x - days[i]!)
        checked++
        const ratio = median(gaps) / r.cycleDays
        if (ratio > 0.7 && ratio < 1.3)
          within++
      }
    }
    expect(checked).toBeGreaterThan(100)
    expect(within / checked).toBeGreaterThan(0.85)
  })

  it('seasonal, lapsed and new personas behave as labelled', () => {
    const d = medium
    const catOf = new Map(d.products.map(p => [p.skuId, p.category]))
    const orderById = new Map(d.orders.map(o => [o.id, o]))
    let coats = 0
    let coatsInSeason = 0
    for (const l of d.orderLines) {
      const o = orderById.get(l.orderId)!
      if (o.memberId === null || d.hidden.personaByMember.get(o.memberId)?.kind !== 'seasonal' || catOf.get(l.skuId) !== '外套')
        continue
      coats++
      const month = new Date(o.paidAt + SHANGHAI_OFFSET_MS).getUTCMonth()
      if (month >= 9 && month <= 11)
        coatsInSeason++
    }
    expect(coats).toBeGreaterThan(50)
    expect(coatsInSeason / coats).toBeGreaterThan(0.6)

    const lastOrder = new Map<number, number>()
    for (const o of d.orders) {
      if (o.memberId !== null)
        lastOrder.set(o.memberId, Math.max(lastOrder.get(o.memberId) ?? 0, o.paidAt))
    }
    const members = new Map(d.members.map(m => [m.id, m]))
    for (const [id, p] of d.hidden.personaByMember) {
      if (p.kind === 'lapsed')
        expect(lastOrder.get(id) ?? 0).toBeLessThan(d.meta.now - 180 * DAY)
      if (p.kind === 'new')
        expect(members.get(id)!.createdAt).toBeGreaterThan(d.meta.now - 61 * DAY)
    }
  })

  it('exports hidden preferences that the purchases reflect', () => {
    const d = medium
    const products = new Map(d.products.map(p => [p.skuId, p]))
    const orderById = new Map(d.orders.map(o => [o.id, o]))
    // A member's own purchases should score higher under their own preferences than under a random other member's.
    let own = 0
    let other = 0
    for (const l of d.orderLines) {
      const o = orderById.get(l.orderId)!
      if (o.memberId === null)
        continue
      const p = products.get(l.skuId)!
      own += preferenceAffinity(d.hidden.preferenceByMember.get(o.memberId)!, p)
      other += preferenceAffinity(d.hidden.preferenceByMember.get((o.memberId % d.members.length) + 1)!, p)
    }
    expect(own).toBeGreaterThan(other * 1.5)
    for (const pref of d.hidden.preferenceByMember.values()) {
      const sum = Object.values(pref.categoryWeights).reduce((a, b) => a + b, 0)
      expect(sum).toBeCloseTo(1, 2)
    }
    expect(d.hidden.complements['洁面']).toContain('精华')
  })
})
