import { describe, expect, it } from 'vitest'
import { decodeMessage } from './message-body.ts'
import { foldText, indexTerms, parseSearchQuery } from './search-terms.ts'

describe('search terms', () => {
  it('indexes a word anywhere in the longest text a message can store', () => {
    const long = `${'这是一段很长的聊天记录，'.repeat(800)}最后才说要退款`
    const { content } = decodeMessage({ msgid: 'm1', action: 'send', msgtype: 'text', from: 'wm1', msgtime: 1, text: { content: long } })
    expect(content.length).toBeGreaterThan(9000)
    const terms = indexTerms(foldText(content))
    // Every query bigram of a word the stored text contains is indexed, so the search's candidate scan finds it.
    for (const term of parseSearchQuery('退款').terms.flat())
      expect(terms).toContain(term)
  })
})
