import type { MemberFacts, Population } from './computed-tags.ts'
import { describe, expect, it } from 'vitest'
import { DAY_MS, shanghaiDay } from '../lib/china-time.ts'
import { computeMemberTags, lifecycleOf, quintile, segmentOf, shareBelow } from './computed-tags.ts'

const NOW = Date.UTC(2026, 10, 23, 4)
const TODAY = shanghaiDay(NOW)
const empty: Population = { recencyDays: [], frequency: [], monetary: [], spend365: [] }

describe('lifecycle from her own rhythm', () => {
  it('is a prospect without purchases and new within 90 days of the first one', () => {
    expect(lifecycleOf([], TODAY).stage).toBe('prospect')
    expect(lifecycleOf([TODAY - 10], TODAY)).toMatchObject({ stage: 'new', explanation: { params: { gapDays: 10, firstDaysAgo: 10, rhythmDays: 90 } } })
  })

  it('sleeps after two rhythms and is lost after four', () => {
    const every40 = [0, 40, 80, 120].map(d => TODAY - 400 + d) // rhythm 40, last purchase 280 days ago
    expect(lifecycleOf(every40, TODAY)).toMatchObject({ stage: 'lost', explanation: { params: { rhythmDays: 40, medianGapDays: 40, gapDays: 280 } } })
    expect(lifecycleOf(every40, every40.at(-1)! + 81).stage).toBe('sleeping')
    expect(lifecycleOf(every40, every40.at(-1)! + 80).stage).toBe('active')
  })

  it('a short rhythm is taken as at least 30 days', () => {
    const weekly = [0, 7, 14, 21].map(d => TODAY - 200 + d)
    expect(lifecycleOf(weekly, weekly.at(-1)! + 61)).toMatchObject({ stage: 'sleeping', explanation: { params: { rhythmDays: 30, medianGapDays: 7 } } })
  })

  it('is won back when the latest purchase ended a lapse of more than four earlier rhythms', () => {
    const days = [TODAY - 500, TODAY - 460, TODAY - 420, TODAY - 20]
    expect(lifecycleOf(days, TODAY)).toMatchObject({ stage: 'won_back', explanation: { params: { lapseDays: 400, earlierRhythmDays: 40 } } })
  })
})

describe('rfm', () => {
  it('scores by the share of buyers beaten and segments by the usual rules', () => {
    expect(shareBelow([1, 2, 2, 3], 2)).toBe(0.25)
    expect([0, 0.19, 0.2, 0.79, 0.8, 1].map(quintile)).toEqual([1, 1, 2, 4, 5, 5])
    expect(segmentOf(5, 5, 5)).toBe('champions')
    expect(segmentOf(3, 4, 1)).toBe('loyal')
    expect(segmentOf(5, 1, 1)).toBe('new_buyer')
    expect(segmentOf(1, 4, 4)).toBe('at_risk')
    expect(segmentOf(1, 1, 1)).toBe('hibernating')
  })
})

describe('computeMemberTags', () => {
  const line = (category: string, unitPrice: number, extra: Partial<MemberFacts['orders'][number]['lines'][number]> = {}) => ({ category, size: null, color: null, unitPrice, quantity: 1, amount: unitPrice, ...extra })
  it('names only what the orders show', () => {
    const facts: MemberFacts = {
      memberId: 1,
      birthday: '1990-03-14',
      orders: [
        { platform: 'taobao', paidAt: NOW - 30 * DAY_MS, net: 50_000, refunded: 0, lines: [line('护肤', 50_000)] },
        { platform: 'pos', paidAt: NOW - 10 * DAY_MS, net: 30_000, refunded: 0, lines: [line('外套', 15_000, { size: 'M', color: '黑色' }), line('外套', 15_000, { size: 'M', color: '黑色' })] },
        { platform: 'pos', paidAt: NOW - 5 * DAY_MS, net: 0, refunded: 20_000, lines: [line('外套', 20_000, { size: 'L', color: '白色' })] },
      ],
    }
    const byId = new Map(computeMemberTags(facts, { recencyDays: [5, 10, 100], frequency: [1, 2, 3], monetary: [100, 80_000, 90_000], spend365: [100, 80_000] }, NOW).map(t => [t.id, t.explanation.params]))
    expect(byId.get('c:birthday:3')).toEqual({ birthday: '1990-03-14', month: 3 })
    // The fully refunded order is no purchase: last purchase 10 days ago, two purchases.
    expect(byId.get('c:lifecycle:new')).toMatchObject({ gapDays: 10, purchaseDays: 2 })
    expect(byId.get('c:rfm_f:F2')).toEqual({ score: 2, orders: 2, beatsPct: 33 })
    expect(byId.get('c:rfm_m:M2')).toEqual({ score: 2, amountYuan: 800, beatsPct: 33 })
    expect(byId.get('c:category:护肤')).toEqual({ category: '护肤', sharePct: 63, items: 1, amountYuan: 500 })
    expect(byId.get('c:category:外套')).toEqual({ category: '外套', sharePct: 38, items: 2, amountYuan: 300 })
    expect(byId.get('c:price:mid')).toEqual({ medianYuan: 150, items: 3 })
    expect(byId.get('c:platform:pos')).toEqual({ platform: '门店', orders: 1, lastDaysAgo: 10 })
    expect(byId.get('c:channel_mix:dual')).toMatchObject({ channels: 2 })
    expect(byId.get('c:size:M')).toEqual({ size: 'M', count: 2, of: 2 })
    expect(byId.get('c:refund:frequent')).toEqual({ refunded: 1, orders: 3 })
    expect(byId.get('c:value:base')).toEqual({ amountYuan: 800, beatsPct: 50 })
  })

  it('gives a member without orders only what the profile says', () => {
    expect(computeMemberTags({ memberId: 2, birthday: null, orders: [] }, empty, NOW).map(t => t.id)).toEqual(['c:lifecycle:prospect'])
  })
})
