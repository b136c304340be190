// One-line Chinese reasons for the sidebar. Every number and name in them comes from the member's
// own orders, the catalog or counted sales; nothing is made up (no "90% match" style numbers).
import type { ReasonCode } from '@scrm/shared'

/** Last segment of a category path: 服装/外套/风衣 → 风衣. */
export function leafName(categoryPath: string): string {
  const parts = categoryPath.split('/').filter(Boolean)
  return parts[parts.length - 1] ?? categoryPath
}

/** Human relative time for a purchase `days` ago, as a guide would say it. */
export function relativeDays(days: number): string {
  const d = Math.max(0, Math.floor(days))
  if (d === 0)
    return '今天'
  if (d === 1)
    return '昨天'
  if (d < 7)
    return `${d} 天前`
  if (d < 14)
    return '上周'
  if (d < 30)
    return `${Math.floor(d / 7)} 周前`
  if (d < 60)
    return '上个月'
  if (d < 365)
    return `${Math.floor(d / 30)} 个月前`
  return `${Math.floor(d / 365)} 年前`
}

export type ReasonFacts
  = | { code: 'restock', productName: string, daysSince: number, cycleDays: number }
    | { code: 'complement', anchorCategoryPath: string, anchorDaysAgo: number }
    | { code: 'similar_members' }
    | { code: 'favourite_category', categoryPath: string, purchaseCount: number, isNew: boolean, productName?: string, sameProduct?: boolean }
    | { code: 'popular', units: number, days: number }
    | { code: 'explore', categoryPath: string, launchedDaysAgo: number, likedCategory: boolean }

export function reasonText(f: ReasonFacts): string {
  switch (f.code) {
    case 'restock':
      return `该补货了：${Math.max(1, Math.round(f.daysSince))} 天前买过 ${f.productName}，平时约 ${Math.round(f.cycleDays)} 天一次`
    case 'complement':
      return `常和${/^\d/.test(relativeDays(f.anchorDaysAgo)) ? ' ' : ''}${relativeDays(f.anchorDaysAgo)}买的 ${leafName(f.anchorCategoryPath)} 搭配`
    case 'similar_members':
      return '和她相似的会员也买了'
    case 'favourite_category':
      if (f.sameProduct && f.productName)
        return `她用过的 ${f.productName}，买过 ${f.purchaseCount} 次`
      return f.isNew
        ? `她常买的 ${leafName(f.categoryPath)} 上新`
        : `她常买 ${leafName(f.categoryPath)}，买过 ${f.purchaseCount} 次`
    case 'popular':
      return f.units > 0 ? `近 ${f.days} 天热卖：卖出 ${f.units} 件` : '店里的热门款'
    case 'explore':
      return f.likedCategory
        ? `新品：${Math.max(1, Math.round(f.launchedDaysAgo))} 天前上架的 ${leafName(f.categoryPath)}，她买过这类`
        : `新品：${Math.max(1, Math.round(f.launchedDaysAgo))} 天前上架的 ${leafName(f.categoryPath)}，试试她的反应`
  }
}

export function reasonCodeOf(f: ReasonFacts): ReasonCode {
  return f.code
}
