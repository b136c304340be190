import { describe, expect, it } from 'vitest'
import { DAY_MS, shanghaiDate, shanghaiDay, shanghaiDayStart, shanghaiMonth, shanghaiMonthRange, shanghaiTime, shanghaiWallClock } from './china-time.ts'

const utc = (iso: string) => Date.parse(iso)

describe('china time', () => {
  it('a new Asia/Shanghai day starts at 16:00 UTC', () => {
    const lastMs = utc('2026-11-30T15:59:59.999Z')
    const firstMs = utc('2026-11-30T16:00:00.000Z')
    expect(shanghaiDay(firstMs)).toBe(shanghaiDay(lastMs) + 1)
    expect(shanghaiDate(lastMs)).toBe('2026-11-30')
    expect(shanghaiDate(firstMs)).toBe('2026-12-01')
    expect(shanghaiTime(lastMs)).toBe('2026-11-30 23:59:59')
    expect(shanghaiTime(firstMs)).toBe('2026-12-01 00:00:00')
    // The UTC date is still the 30th for eight hours of the Shanghai 1st.
    expect(shanghaiDay(firstMs)).toBe(Math.floor(firstMs / DAY_MS) + 1)
  })

  it('a day number and its start agree', () => {
    const ms = utc('2026-12-01T03:15:00Z')
    const day = shanghaiDay(ms)
    expect(shanghaiDayStart(day)).toBe(utc('2026-11-30T16:00:00Z'))
    expect(shanghaiDay(shanghaiDayStart(day))).toBe(day)
    expect(shanghaiDay(shanghaiDayStart(day) - 1)).toBe(day - 1)
    expect(shanghaiDay(0)).toBe(0)
    expect(shanghaiDay(utc('1969-12-31T15:59:59Z'))).toBe(-1)
  })

  it('wall-clock parts are China time', () => {
    expect(shanghaiWallClock(2026, 12, 1)).toBe(utc('2026-11-30T16:00:00Z'))
    expect(shanghaiWallClock(2024, 3, 5, 14, 7, 9)).toBe(utc('2024-03-05T06:07:09Z'))
  })

  it('months: the label and the [from, to) range, across a year end', () => {
    expect(shanghaiMonth(utc('2026-11-30T16:00:00Z'))).toBe('2026-12')
    expect(shanghaiMonth(utc('2026-11-30T15:59:59Z'))).toBe('2026-11')
    expect(shanghaiMonthRange('2026-12')).toEqual({ from: utc('2026-11-30T16:00:00Z'), to: utc('2026-12-31T16:00:00Z') })
    expect(shanghaiMonthRange('2027-01').from).toBe(shanghaiMonthRange('2026-12').to)
    expect(shanghaiMonth(shanghaiMonthRange('2027-01').to - 1)).toBe('2027-01')
  })
})
