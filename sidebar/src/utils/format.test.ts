import { describe, expect, it } from 'vitest'
import { formatDate, formatDateTime, formatFen, formatPercent, probabilityBand } from './format'

describe('format', () => {
  it('formats 分 as yuan with thousands separators', () => {
    expect(formatFen(129900)).toBe('¥1,299.00')
    expect(formatFen(0)).toBe('¥0.00')
    expect(formatFen(5)).toBe('¥0.05')
    expect(formatFen(123456789)).toBe('¥1,234,567.89')
    expect(formatFen(-1200)).toBe('-¥12.00')
  })

  it('formats dates in Asia/Shanghai', () => {
    // 2025-03-01T16:30:00Z = 2025-03-02 00:30 in Shanghai
    const ms = Date.UTC(2025, 2, 1, 16, 30)
    expect(formatDate(ms)).toBe('2025-03-02')
    expect(formatDateTime(ms)).toBe('2025-03-02 00:30')
  })

  it('formats percentages and bands', () => {
    expect(formatPercent(0.234)).toBe('23%')
    expect(formatPercent(0.001)).toBe('<1%')
    expect(probabilityBand(0.6, 30)).toBe('high')
    expect(probabilityBand(0.3, 30)).toBe('mid')
    expect(probabilityBand(0.05, 7)).toBe('low')
  })
})
