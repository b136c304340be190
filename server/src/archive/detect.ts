// Rule detection on one message: keyword lists, patterns and the built-in behaviours. Pure functions;
// ingest prepares the enabled rules once per batch and runs them over the batch's new messages.
import type { AlertFinding, ArchiveSender, RuleBehaviour } from '@scrm/shared'
import { shanghaiDay, shanghaiDayStart } from '../lib/china-time.ts'
import { foldText } from './search-terms.ts'

export interface DetectableRule {
  id: number
  kind: 'keyword' | 'pattern' | 'behaviour' | 'reply_timeout'
  scope: 'brand' | 'store' | 'guide'
  scopeId: string | null
  words: string[]
  pattern: string | null
  behaviour: RuleBehaviour | null
}

export interface DetectableMessage {
  sender: ArchiveSender
  content: string
  /** `content` folded (foldText): ingest has it already as the search text. */
  searchText: string
  storeId: string | null
  guideUserid: string | null
}

/** A word to look for, folded once (not once per message). */
interface Word { text: string, folded: string }
const wordsOf = (list: readonly string[]): Word[] => list.map(text => ({ text, folded: foldText(text) }))

/** A rule made ready for a batch of messages: its words folded and its pattern compiled once. */
export interface PreparedRule extends DetectableRule {
  keywords: Word[]
  regex: RegExp | null
}

export function prepareRule(rule: DetectableRule): PreparedRule {
  return { ...rule, keywords: wordsOf(rule.words), regex: rule.pattern ? compilePattern(rule.pattern) : null }
}

/** Mainland mobile numbers, optionally spaced or dashed (138 1234 5678). */
const PHONE = /(?<!\d)1[3-9]\d(?:[\s-]?\d){8}(?!\d)/u
/** "微信/vx/wx…" followed by something shaped like a WeChat id (6–20 chars, starting with a letter). */
const WECHAT_ID = /(?:微信号?|威信|薇信|v信|vx|wx|weixin|wechat)\s*(?:[:：是为]\s*)?[a-z][\w-]{5,19}/iu
const OFFPLATFORM_PAYMENT = wordsOf(['转账给我', '转给我', '私下转', '私下付', '微信转账', '支付宝转', '扫我的码', '加我微信付', '付款码发你', '直接打款', '个人收款码', '不走平台', '私下交易'])
const COMPLAINT = wordsOf(['投诉', '差评', '12315', '举报', '曝光', '消协', '维权', '退款', '骗子', '欺骗', '太差了'])

export function appliesTo(rule: Pick<DetectableRule, 'scope' | 'scopeId'>, message: Pick<DetectableMessage, 'storeId' | 'guideUserid'>): boolean {
  if (rule.scope === 'store')
    return rule.scopeId === message.storeId
  if (rule.scope === 'guide')
    return rule.scopeId === message.guideUserid
  return true
}

const compiled = new Map<string, RegExp | null>()
/** A rule's pattern as a case-insensitive RegExp; null when it does not compile (refused at save time). */
export function compilePattern(pattern: string): RegExp | null {
  if (!compiled.has(pattern)) {
    try {
      compiled.set(pattern, new RegExp(pattern, 'iu'))
    }
    catch {
      compiled.set(pattern, null)
    }
  }
  return compiled.get(pattern)!
}

function firstWord(folded: string, words: readonly Word[]): string | null {
  return words.find(word => folded.includes(word.folded))?.text ?? null
}

/** Longest text a finding quotes from a message (a pattern may match a whole message). */
const QUOTED_MAX = 200

/** What in `message` triggers `rule` (its finding), or null. Reply timeouts are not per message. */
export function detect(rule: PreparedRule, message: DetectableMessage): AlertFinding | null {
  if (!message.content || !appliesTo(rule, message))
    return null
  const folded = message.searchText
  // An empty match (a pattern like `a*`) finds nothing.
  const found = (text: string | null | undefined, finding: (text: string) => AlertFinding): AlertFinding | null => text ? finding(text) : null
  switch (rule.kind) {
    case 'keyword':
      return found(firstWord(folded, rule.keywords), word => ({ kind: 'keyword', word }))
    case 'pattern':
      return found(rule.regex?.exec(message.content)?.[0], text => ({ kind: 'pattern', text: text.slice(0, QUOTED_MAX) }))
    case 'behaviour':
      switch (rule.behaviour) {
        case 'share_contact':
          if (message.sender !== 'staff')
            return null
          return found(PHONE.exec(folded)?.[0], text => ({ kind: 'contact_shared', contact: 'phone', text }))
            ?? found(WECHAT_ID.exec(folded)?.[0], text => ({ kind: 'contact_shared', contact: 'wechat_id', text }))
        case 'offplatform_payment':
          return message.sender === 'staff' ? found(firstWord(folded, OFFPLATFORM_PAYMENT), word => ({ kind: 'offplatform_payment', word })) : null
        case 'complaint':
          return message.sender === 'customer' ? found(firstWord(folded, COMPLAINT), word => ({ kind: 'complaint', word })) : null
        default:
          return null
      }
    default:
      return null
  }
}

const MINUTE_MS = 60_000

/** Milliseconds of working time (China time, minutes [start, end) of each day) between two instants. */
export function workingMsBetween(fromMs: number, toMs: number, startMinute: number, endMinute: number): number {
  if (toMs <= fromMs || endMinute <= startMinute)
    return 0
  let total = 0
  const lastDay = shanghaiDay(toMs)
  for (let day = shanghaiDay(fromMs); day <= lastDay; day++) {
    const dayStart = shanghaiDayStart(day)
    const open = Math.max(fromMs, dayStart + startMinute * MINUTE_MS)
    const close = Math.min(toMs, dayStart + endMinute * MINUTE_MS)
    if (close > open)
      total += close - open
  }
  return total
}
