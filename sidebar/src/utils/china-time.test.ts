import { describe, expect, it } from 'vitest'
import { shanghaiDate, shanghaiDateTime, shanghaiDay, shanghaiDayEnd, shanghaiDayStart, shanghaiMonth } from './china-time'

describe('china time', () => {
  it('turns a day at 16:00 UTC: 15:59:59 UTC is still the day before in Shanghai', () => {
    const lastSecond = Date.UTC(2026, 11, 1, 15, 59, 59)
    const turn = Date.UTC(2026, 11, 1, 16)
    expect(shanghaiDate(lastSecond)).toBe('2026-12-01')
    expect(shanghaiDateTime(lastSecond)).toBe('2026-12-01 23:59')
    expect(shanghaiDate(turn)).toBe('2026-12-02')
    expect(shanghaiDay(turn) - shanghaiDay(lastSecond)).toBe(1)
  })

  it('gives a picked day as [00:00, next 00:00) Shanghai, that is 16:00 UTC the day before', () => {
    expect(shanghaiDayStart('2026-12-02')).toBe(Date.UTC(2026, 11, 1, 16))
    expect(shanghaiDayEnd('2026-12-02')).toBe(Date.UTC(2026, 11, 2, 16))
    // Across a month and a year.
    expect(shanghaiDayEnd('2026-12-31')).toBe(shanghaiDayStart('2027-01-01'))
    expect(shanghaiDate(shanghaiDayStart('2026-03-01')!)).toBe('2026-03-01')
  })

  it('reads no day from an empty or malformed field', () => {
    expect(shanghaiDayStart('')).toBeUndefined()
    expect(shanghaiDayEnd('2026-12')).toBeUndefined()
  })

  it('names the Shanghai month, which turns on the last day at 16:00 UTC', () => {
    expect(shanghaiMonth(Date.UTC(2026, 10, 30, 15, 59))).toBe('2026-11')
    expect(shanghaiMonth(Date.UTC(2026, 10, 30, 16))).toBe('2026-12')
  })
})
