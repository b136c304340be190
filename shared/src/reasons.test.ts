import { describe, expect, it } from 'vitest'
import { formatReason, relativeDays } from './reasons.ts'

describe('formatReason', () => {
  it('calls a restock due only near the end of the usual cycle', () => {
    expect(formatReason({ code: 'restock', productName: '精粹柔肤水', daysSince: 31.4, cycleDays: 30 })).toBe('该补货了：31 天前买过 精粹柔肤水，平时约 30 天一次')
    expect(formatReason({ code: 'restock', productName: '精粹柔肤水', daysSince: 27, cycleDays: 30 })).toBe('该补货了：27 天前买过 精粹柔肤水，平时约 30 天一次')
    expect(formatReason({ code: 'restock', productName: '二裂酵母精华液', daysSince: 85, cycleDays: 116 })).toBe('快到补货期：85 天前买过 二裂酵母精华液，平时约 116 天一次')
    expect(formatReason({ code: 'restock', productName: 'Toner', daysSince: 85, cycleDays: 116 }, 'en')).toBe('Restock soon: bought Toner 85 days ago, usually every 116 days')
    expect(formatReason({ code: 'restock', productName: 'Toner', daysSince: 1, cycleDays: 1 }, 'en')).toBe('Restock due: bought Toner 1 day ago, usually every 1 day')
  })

  it('names the anchor of a complement by when it was bought', () => {
    expect(formatReason({ code: 'complement', anchorCategoryPath: '服装/外套/羊绒衫', anchorDaysAgo: 1.2 })).toBe('常和昨天买的 羊绒衫 搭配')
    expect(formatReason({ code: 'complement', anchorCategoryPath: '服装/上装/针织衫', anchorDaysAgo: 3 })).toBe('常和 3 天前买的 针织衫 搭配')
    expect(formatReason({ code: 'complement', anchorCategoryPath: '服装/上装/针织衫', anchorDaysAgo: 40 }, 'en')).toBe('Goes with the 针织衫 she bought last month')
  })

  it('words favourites, popularity and new arrivals from their facts', () => {
    expect(formatReason({ code: 'favourite_category', categoryPath: '美妆/护肤/面霜', purchaseCount: 13, isNew: false, productName: '神经酰胺面霜', sameProduct: true })).toBe('她用过的 神经酰胺面霜，买过 13 次')
    expect(formatReason({ code: 'favourite_category', categoryPath: '美妆/护肤/面霜', purchaseCount: 4, isNew: true })).toBe('她常买的 面霜 上新')
    expect(formatReason({ code: 'favourite_category', categoryPath: '美妆/护肤/面霜', purchaseCount: 1, isNew: false }, 'en')).toBe('She often buys 面霜: 1 time')
    expect(formatReason({ code: 'popular', units: 0, days: 30 })).toBe('店里的热门款')
    expect(formatReason({ code: 'popular', units: 107, days: 30 }, 'en')).toBe('Best seller: 107 units sold in 30 days')
    expect(formatReason({ code: 'explore', categoryPath: '服装/上装/衬衫', launchedDaysAgo: 23, likedCategory: true })).toBe('新品：23 天前上架的 衬衫，她买过这类')
    expect(formatReason({ code: 'explore', categoryPath: '配饰/围巾', launchedDaysAgo: 0.2, likedCategory: false })).toBe('新品：1 天前上架的 围巾，试试她的反应')
    expect(formatReason({ code: 'similar_members' }, 'en')).toBe('Members like her bought this')
  })

  it('says relative days as a guide would', () => {
    const days = [0, 1, 5, 10, 20, 45, 200, 400, 800]
    expect(days.map(d => relativeDays(d))).toEqual(['今天', '昨天', '5 天前', '上周', '2 周前', '上个月', '6 个月前', '1 年前', '2 年前'])
    expect(days.map(d => relativeDays(d, 'en'))).toEqual(['today', 'yesterday', '5 days ago', 'last week', '2 weeks ago', 'last month', '6 months ago', '1 year ago', '2 years ago'])
  })
})
