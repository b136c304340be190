// Cell values as the platforms write them, made into plain values: Excel-safe `="…"` wrappers and tabs,
// amounts in 元 with ¥ and thousands separators, dates in several formats (China time), phones full or masked.
import { createHash } from 'node:crypto'
import { DAY_MS, SHANGHAI_OFFSET_MS, shanghaiWallClock } from '../lib/china-time.ts'

/** A cell that could not be read; the message is the Chinese reason shown on the rejected row. */
export class CellError extends Error {}

/**
 * The text of a cell: `="123"` (how exports keep long numbers from Excel) unwrapped, surrounding
 * whitespace and the tab some exports append to ids removed. Any other formula is refused: its value
 * is whatever the spreadsheet computed, which a CSV does not carry.
 */
export function cellText(raw: string, column: string): string {
  const text = raw.replace(/^\s+|\s+$/g, '')
  const wrapped = /^="(.*)"$/s.exec(text)
  if (wrapped)
    return wrapped[1]!.replace(/""/g, '"').trim()
  if (/^=[A-Z_]+\(|^=[A-Z]+\d|^=\d/i.test(text))
    throw new CellError(`「${column}」是公式（${text.slice(0, 30)}），请导出数值`)
  return text
}

/** Amount in 元 → 分 (integer, no float rounding): `¥1,234.5` → 123450. Empty → null. */
export function fenOf(text: string, column: string): number | null {
  const cleaned = text.replace(/[¥￥,，\s元]/g, '')
  if (cleaned === '' || cleaned === '-')
    return null
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(cleaned)
  if (!match || /[1-9]/.test((match[3] ?? '').slice(2)))
    throw new CellError(`「${column}」不是以分为最小单位的金额：${text.slice(0, 30)}`)
  const fen = Number(match[2]) * 100 + Number((match[3] ?? '').slice(0, 2).padEnd(2, '0'))
  if (match[1])
    throw new CellError(`「${column}」是负数：${text.slice(0, 30)}`)
  return fen
}

/** A quantity: a positive whole number. */
export function quantityOf(text: string, column: string): number {
  const cleaned = text.replace(/[,\s件]/g, '')
  if (!/^\d+$/.test(cleaned) || Number(cleaned) === 0)
    throw new CellError(`「${column}」不是正整数数量：${text.slice(0, 30) || '（空）'}`)
  return Number(cleaned)
}

const DATE_PATTERNS: RegExp[] = [
  // 2024-03-05 14:07:09, 2024/3/5 14:07, 2024.03.05, 2024-03-05T14:07:09
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$/,
  // 2024年3月5日 14:07:09
  /^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/,
  // 20240305140709
  /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/,
]

/** Wall-clock parts in China time → epoch ms; null when the parts are no real date. */
function chinaTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | null {
  const check = new Date(Date.UTC(y, mo - 1, d))
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return null
  return shanghaiWallClock(y, mo, d, h, mi, s)
}

/**
 * A date as exports write it, in China time (UTC+8, no DST): see DATE_PATTERNS; also epoch seconds or ms,
 * and Excel serial days (what a date cell becomes when a CSV was saved from Excel as a number).
 */
export function dateOf(text: string, column: string): number | null {
  if (text === '' || text === '-' || text === '0000-00-00 00:00:00')
    return null
  for (const pattern of DATE_PATTERNS) {
    const m = pattern.exec(text)
    if (m) {
      const ms = chinaTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0))
      if (ms === null)
        break
      return ms
    }
  }
  if (/^\d{10}$/.test(text))
    return Number(text) * 1000
  if (/^\d{13}$/.test(text))
    return Number(text)
  if (/^\d{5}(?:\.\d+)?$/.test(text)) {
    // Excel serial: days since 1899-12-30, in the wall clock of whoever saved it (China).
    const serial = Number(text)
    return Math.round((serial - 25569) * DAY_MS) - SHANGHAI_OFFSET_MS
  }
  throw new CellError(`「${column}」不是日期：${text.slice(0, 30)}`)
}

/** exceljs gives a date cell as a Date whose UTC fields are the sheet's wall clock. */
export function excelDateText(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`
}

export interface PhoneValue {
  /** SHA-256 of the 11 digits (as members.phone_hash), only for a full number. */
  hash: string | null
  /** `138****1234`: what a masked export shows, or the mask of a full number. */
  masked: string
}

export function hashPhone(digits: string): string {
  return createHash('sha256').update(digits).digest('hex')
}

/** A mainland mobile, full (`+86 138-0013-8000`) or masked (`138****8000`, `1******6198`); null otherwise. */
export function phoneOf(text: string): PhoneValue | null {
  const cleaned = text.replace(/^\+?86|[\s-]/g, '')
  if (/^1\d{10}$/.test(cleaned))
    return { hash: hashPhone(cleaned), masked: `${cleaned.slice(0, 3)}****${cleaned.slice(7)}` }
  if (/^1\d{0,3}\*+\d{4}$/.test(cleaned) && cleaned.length === 11)
    return { hash: null, masked: cleaned }
  return null
}

/** Whether two masks can be the same number: the digits both show agree (`138****8000` vs `1******8000`). */
export function masksAgree(a: string, b: string): boolean {
  if (a.length !== 11 || b.length !== 11)
    return false
  for (let i = 0; i < 11; i++) {
    if (a[i] !== '*' && b[i] !== '*' && a[i] !== b[i])
      return false
  }
  return true
}
