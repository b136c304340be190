// Chinese full-text search without a segmenter (see shared/docs/chinese-search.md): text is case-folded
// (NFKC + lower case), cut into runs of letters and digits (punctuation and spaces end a run), and every
// run is indexed as its distinct character bigrams — what Lucene's CJK analyzer does. A query word is
// looked up by its bigrams, then checked against the stored text, so results are exact: a two-character
// word (退款, 投诉, 微信) is one bigram, and bigrams that happen to occur far apart do not match.

const MAX_QUERY_WORDS = 5
const RUN = /[\p{L}\p{N}]+/gu
const QUOTES = /["'“”‘’「」『』]/g

export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

function bigrams(run: string, into: Set<string>): void {
  const chars = [...run]
  for (let i = 0; i + 1 < chars.length; i++)
    into.add(chars[i]! + chars[i + 1]!)
}

/**
 * The distinct bigrams of already folded text, all of it: a search checks candidates against the whole stored
 * text, so an unindexed tail would be a silent miss. Length is bounded where messages are decoded (message-body.ts).
 */
export function indexTerms(folded: string): string[] {
  const terms = new Set<string>()
  for (const [run] of folded.matchAll(RUN))
    bigrams(run, terms)
  return [...terms]
}

export interface ParsedQuery {
  /** Folded words; a hit contains every one of them. */
  words: string[]
  /** Per word, its bigrams (each word has at least one). */
  terms: string[][]
}

export class SearchQueryError extends Error {}

/**
 * Splits a query into words (quotes are dropped, whitespace separates words). Each word must hold two
 * letters or digits in a row, since single characters are not indexed; anything else is a 4xx, not a scan.
 */
export function parseSearchQuery(query: string): ParsedQuery {
  const words = [...new Set(foldText(query).replace(QUOTES, ' ').split(/\s+/).filter(Boolean))]
  if (words.length === 0)
    throw new SearchQueryError('the query is empty')
  if (words.length > MAX_QUERY_WORDS)
    throw new SearchQueryError(`at most ${MAX_QUERY_WORDS} words`)
  const terms = words.map((word) => {
    const set = new Set<string>()
    for (const [run] of word.matchAll(RUN))
      bigrams(run, set)
    if (set.size === 0)
      throw new SearchQueryError(`"${word}" needs at least two letters or digits in a row (single characters and symbols are not searchable)`)
    return [...set]
  })
  return { words, terms }
}

/** A LIKE pattern matching `word` literally anywhere (escape character `\`). */
export function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, c => `\\${c}`)}%`
}

/** `content` cut into parts, `match` where a word occurs (case-insensitively). */
export function highlight(content: string, words: string[]): { text: string, match: boolean }[] {
  const folded = foldText(content)
  // Folding can change lengths (ligatures, some compatibility forms); then offsets would not map back.
  if (folded.length !== content.length)
    return [{ text: content, match: false }]
  const marked = Array.from<boolean>({ length: content.length }).fill(false)
  for (const word of words) {
    for (let at = folded.indexOf(word); at !== -1; at = folded.indexOf(word, at + 1))
      marked.fill(true, at, at + word.length)
  }
  const parts: { text: string, match: boolean }[] = []
  for (let i = 0; i < content.length; i++) {
    const last = parts.at(-1)
    if (last && last.match === marked[i])
      last.text += content[i]
    else
      parts.push({ text: content[i]!, match: marked[i]! })
  }
  return parts
}
