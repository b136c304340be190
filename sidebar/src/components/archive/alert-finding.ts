import type { Alert, AlertFinding, RedPacketBreach } from '@scrm/shared'
import { formatFen } from '@scrm/shared'

/** vue-i18n's `t` with named values, as both `useI18n().t` and `i18n.global.t` accept it. */
type Translate = (key: string, named: Record<string, string | number>) => string

function breachText(breach: RedPacketBreach, count: number, t: Translate): string {
  switch (breach.limit) {
    case 'packet_max':
    case 'packet_min':
      // A group packet is judged by its amount per packet, named as such.
      return t(`archive.findingPart.${breach.limit}${count > 1 ? '_each' : ''}`, { each: formatFen(breach.eachFen), limit: formatFen(breach.limitFen) })
    case 'guide_day_count':
      return t('archive.findingPart.guide_day_count', { count: breach.dayCount, limit: breach.limitCount })
    case 'guide_day_amount':
      return t('archive.findingPart.guide_day_amount', { amount: formatFen(breach.dayFen), limit: formatFen(breach.limitFen) })
  }
}

/** A finding in the console's language (`archive.finding.<kind>`); words, names and hosts as found. */
export function findingText(finding: AlertFinding, t: Translate): string {
  const key = `archive.finding.${finding.kind}`
  switch (finding.kind) {
    case 'keyword':
    case 'offplatform_payment':
    case 'complaint':
      return t(key, { word: finding.word })
    case 'pattern':
      return t(key, { text: finding.text })
    case 'contact_shared':
      // A phone number alone does not say why it was flagged; a WeChat id's text starts with 微信/vx….
      return t(`${key}.${finding.contact}`, { text: finding.text })
    case 'reply_timeout':
      return t(key, { minutes: finding.minutes })
    case 'redpacket_unlogged':
      return [
        finding.amountFen === null ? t('archive.findingPart.redpacketNoAmount', {}) : t(key, { amount: formatFen(finding.amountFen) }),
        ...finding.breaches.map(breach => breachText(breach, finding.count, t)),
      ].join(t('archive.findingPart.separator', {}))
    case 'link_unreadable':
      return t(key, { url: finding.url.slice(0, 60) || t('archive.findingPart.emptyUrl', {}) })
    case 'link_outside_library':
      return t(key, { host: finding.host })
    case 'product_off_sale':
      return t(key, { name: finding.productName })
    case 'weapp_unlogged':
      return t(key, { app: finding.appName || t('archive.findingPart.weappApp', {}), title: finding.title })
    case 'customer_deleted':
      return t(key, { name: finding.memberName ?? finding.externalUserid })
  }
}

/** What an alert found, worded per locale; an alert raised before findings were stored shows its Chinese text. */
export function alertFindingText(alert: Pick<Alert, 'finding' | 'matched'>, t: Translate): string {
  return alert.finding ? findingText(alert.finding, t) : alert.matched
}
