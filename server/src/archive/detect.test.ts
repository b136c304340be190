// Rule detection as ingest runs it: rules prepared once per batch, messages carrying their folded text.
import type { DetectableMessage, DetectableRule } from './detect.ts'
import { describe, expect, it } from 'vitest'
import { detect, prepareRule } from './detect.ts'
import { foldText } from './search-terms.ts'

const rule = (over: Partial<DetectableRule>): DetectableRule => ({ id: 1, kind: 'keyword', scope: 'brand', scopeId: null, words: [], pattern: null, behaviour: null, ...over })
const message = (content: string, over: Partial<DetectableMessage> = {}): DetectableMessage => ({ sender: 'staff', content, searchText: foldText(content), storeId: 's1', guideUserid: 'g1', ...over })

describe('detect', () => {
  it('matches keywords case- and width-insensitively and reports the word as the rule has it', () => {
    const prepared = prepareRule(rule({ words: ['VX', '退款'] }))
    expect(detect(prepared, message('加我ｖｘ吧'))).toEqual({ kind: 'keyword', word: 'VX' })
    expect(detect(prepared, message('退款到了'))).toEqual({ kind: 'keyword', word: '退款' })
    expect(detect(prepared, message('谢谢'))).toBeNull()
  })

  it('runs a pattern on the original text, case-insensitively', () => {
    const prepared = prepareRule(rule({ kind: 'pattern', pattern: 'order-\\d+' }))
    expect(detect(prepared, message('ORDER-123 到了'))).toEqual({ kind: 'pattern', text: 'ORDER-123' })
    // A pattern that matches nothing visible finds nothing.
    expect(detect(prepareRule(rule({ kind: 'pattern', pattern: 'x*' })), message('到了'))).toBeNull()
  })

  it('keeps behaviours to the side that shows them, and rules to their scope', () => {
    const complaint = prepareRule(rule({ kind: 'behaviour', behaviour: 'complaint' }))
    expect(detect(complaint, message('我要投诉', { sender: 'customer' }))).toEqual({ kind: 'complaint', word: '投诉' })
    expect(detect(complaint, message('我要投诉', { sender: 'staff' }))).toBeNull()
    const contact = prepareRule(rule({ kind: 'behaviour', behaviour: 'share_contact', scope: 'store', scopeId: 's1' }))
    expect(detect(contact, message('我的电话 138 1234 5678'))).toEqual({ kind: 'contact_shared', contact: 'phone', text: '138 1234 5678' })
    expect(detect(contact, message('加我 VX: Amy_2024'))).toEqual({ kind: 'contact_shared', contact: 'wechat_id', text: 'vx: amy_2024' })
    const payment = prepareRule(rule({ kind: 'behaviour', behaviour: 'offplatform_payment' }))
    expect(detect(payment, message('您直接转给我就行'))).toEqual({ kind: 'offplatform_payment', word: '转给我' })
    expect(detect(contact, message('我的电话 138 1234 5678', { storeId: 's2' }))).toBeNull()
  })
})
