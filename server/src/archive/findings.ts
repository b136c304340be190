// An alert's finding as the one Chinese line stored in `matched`: what search, the supervisors' WeCom app
// message and exports show, and what the console falls back to. The console words the finding itself per locale.
import type { AlertFinding, RedPacketBreach } from '@scrm/shared'
import { formatFen } from '@scrm/shared'

/** Longest `matched` text (the column is shown in one table cell). */
const MATCHED_MAX = 100

function breachText(breach: RedPacketBreach, count: number): string {
  switch (breach.limit) {
    case 'packet_max':
    case 'packet_min': {
      const what = count > 1 ? `每个约 ${formatFen(breach.eachFen)}` : '单个金额'
      return breach.limit === 'packet_max' ? `${what}超过上限 ${formatFen(breach.limitFen)}` : `${what}低于下限 ${formatFen(breach.limitFen)}`
    }
    case 'guide_day_count':
      return `今日第 ${breach.dayCount} 个，每日上限 ${breach.limitCount} 个`
    case 'guide_day_amount':
      return `今日累计 ${formatFen(breach.dayFen)}，每日上限 ${formatFen(breach.limitFen)}`
  }
}

export function matchedText(finding: AlertFinding): string {
  const text = ((): string => {
    switch (finding.kind) {
      case 'keyword':
      case 'offplatform_payment':
      case 'complaint':
        return finding.word
      case 'pattern':
      case 'contact_shared':
        return finding.text
      case 'reply_timeout':
        return `${finding.minutes} min`
      case 'redpacket_unlogged':
        return [
          finding.amountFen === null ? '未经系统登记的红包' : `未经系统登记的红包 ${formatFen(finding.amountFen)}`,
          ...finding.breaches.map(breach => breachText(breach, finding.count)),
        ].join('；')
      case 'link_unreadable':
        return `链接无法识别：${finding.url.slice(0, 60) || '（空）'}`
      case 'link_outside_library':
        return `链接不属于商品库或素材库：${finding.host}`
      case 'product_off_sale':
        return `商品已下架：${finding.productName}`
      case 'weapp_unlogged':
        return `小程序卡片不是从商品库或素材库发出的：${finding.appName || '小程序'}「${finding.title}」`
      case 'customer_deleted':
        return `删除客户：${finding.memberName ?? finding.externalUserid}`
    }
  })()
  return text.slice(0, MATCHED_MAX)
}
