// Why a product is recommended, as structured facts (the API carries them) and as one line of text
// in the sidebar's language. Every number and name comes from the member's own orders, the catalog
// or counted sales; nothing is made up (no "90% match" style numbers).
import type { Static } from 'typebox'
import Type from 'typebox'

export const ReasonFacts = Type.Union([
  Type.Object({ code: Type.Literal('restock'), productName: Type.String(), daysSince: Type.Number(), cycleDays: Type.Number() }),
  Type.Object({ code: Type.Literal('complement'), anchorCategoryPath: Type.String(), anchorDaysAgo: Type.Number() }),
  Type.Object({ code: Type.Literal('similar_members') }),
  Type.Object({
    code: Type.Literal('favourite_category'),
    categoryPath: Type.String(),
    /** Her orders of what the text names: this product when `sameProduct`, else the leaf of `categoryPath`. */
    purchaseCount: Type.Integer(),
    isNew: Type.Boolean(),
    productName: Type.Optional(Type.String()),
    sameProduct: Type.Optional(Type.Boolean()),
  }),
  Type.Object({ code: Type.Literal('popular'), units: Type.Integer(), days: Type.Integer() }),
  /** likedCategory: she has bought the leaf category the text names (not merely its parent). */
  Type.Object({ code: Type.Literal('explore'), categoryPath: Type.String(), launchedDaysAgo: Type.Number(), likedCategory: Type.Boolean() }),
])
export type ReasonFacts = Static<typeof ReasonFacts>

/** The kind of a reason alone, as sends and the recommendation log store it. */
export const ReasonCode = Type.Enum(['restock', 'complement', 'similar_members', 'favourite_category', 'popular', 'explore'] as const satisfies readonly ReasonFacts['code'][])
export type ReasonCode = Static<typeof ReasonCode>

/** A BCP 47 tag: Chinese for zh*, English otherwise. */
export type ReasonLocale = string

function isChinese(locale: ReasonLocale): boolean {
  return locale.toLowerCase().startsWith('zh')
}

/** Last segment of a category path: 服装/外套/风衣 → 风衣. */
export function leafName(categoryPath: string): string {
  const parts = categoryPath.split('/').filter(Boolean)
  return parts[parts.length - 1] ?? categoryPath
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

/** When something was bought `days` ago, as a guide would say it. */
export function relativeDays(days: number, locale: ReasonLocale = 'zh-CN'): string {
  const d = Math.max(0, Math.floor(days))
  const zh = isChinese(locale)
  if (d === 0)
    return zh ? '今天' : 'today'
  if (d === 1)
    return zh ? '昨天' : 'yesterday'
  if (d < 7)
    return zh ? `${d} 天前` : `${d} days ago`
  if (d < 14)
    return zh ? '上周' : 'last week'
  if (d < 30)
    return zh ? `${Math.floor(d / 7)} 周前` : `${Math.floor(d / 7)} weeks ago`
  if (d < 60)
    return zh ? '上个月' : 'last month'
  if (d < 365)
    return zh ? `${Math.floor(d / 30)} 个月前` : `${Math.floor(d / 30)} months ago`
  return zh ? `${Math.floor(d / 365)} 年前` : `${plural(Math.floor(d / 365), 'year')} ago`
}

/** One line for the guide (never for the member's card). */
export function formatReason(f: ReasonFacts, locale: ReasonLocale = 'zh-CN'): string {
  return isChinese(locale) ? formatZh(f) : formatEn(f)
}

/** Restock candidates are scored from before the cycle ends; only call it due once it nearly is. */
function restockDue(f: { daysSince: number, cycleDays: number }): boolean {
  return f.daysSince >= 0.9 * f.cycleDays
}

function formatZh(f: ReasonFacts): string {
  switch (f.code) {
    case 'restock':
      return `${restockDue(f) ? '该补货了' : '快到补货期'}：${Math.max(1, Math.round(f.daysSince))} 天前买过 ${f.productName}，平时约 ${Math.round(f.cycleDays)} 天一次`
    case 'complement': {
      const when = relativeDays(f.anchorDaysAgo)
      return `常和${/^\d/.test(when) ? ' ' : ''}${when}买的 ${leafName(f.anchorCategoryPath)} 搭配`
    }
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
      return `新品：${Math.max(1, Math.round(f.launchedDaysAgo))} 天前上架的 ${leafName(f.categoryPath)}，${f.likedCategory ? '她买过这类' : '试试她的反应'}`
  }
}

function formatEn(f: ReasonFacts): string {
  switch (f.code) {
    case 'restock':
      return `${restockDue(f) ? 'Restock due' : 'Restock soon'}: bought ${f.productName} ${plural(Math.max(1, Math.round(f.daysSince)), 'day')} ago, usually every ${plural(Math.round(f.cycleDays), 'day')}`
    case 'complement':
      return `Goes with the ${leafName(f.anchorCategoryPath)} she bought ${relativeDays(f.anchorDaysAgo, 'en')}`
    case 'similar_members':
      return 'Members like her bought this'
    case 'favourite_category':
      if (f.sameProduct && f.productName)
        return `She has used ${f.productName}: bought ${plural(f.purchaseCount, 'time')}`
      return f.isNew
        ? `New in her favourite category, ${leafName(f.categoryPath)}`
        : `She often buys ${leafName(f.categoryPath)}: ${plural(f.purchaseCount, 'time')}`
    case 'popular':
      return f.units > 0 ? `Best seller: ${plural(f.units, 'unit')} sold in ${f.days} days` : 'A store favourite'
    case 'explore':
      return `New: ${leafName(f.categoryPath)} in store ${plural(Math.max(1, Math.round(f.launchedDaysAgo)), 'day')}, ${f.likedCategory ? 'a kind she has bought' : 'see how she likes it'}`
  }
}
