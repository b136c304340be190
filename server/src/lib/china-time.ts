// The calendar the business runs on: China Standard Time (Asia/Shanghai), UTC+8 all year with no daylight
// saving, so a local day or month is a fixed shift of UTC and needs no time-zone database.

export const DAY_MS = 86_400_000
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000

/** The day number (days since 1970-01-01) of the Asia/Shanghai calendar day `ms` falls on. */
export function shanghaiDay(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS)
}

/** 00:00 Asia/Shanghai of day number `day`, as epoch ms (16:00 UTC the day before). */
export function shanghaiDayStart(day: number): number {
  return day * DAY_MS - SHANGHAI_OFFSET_MS
}

/** Wall-clock parts in Asia/Shanghai → epoch ms; months are 1-based and out-of-range parts roll over as in `Date.UTC`. */
export function shanghaiWallClock(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) - SHANGHAI_OFFSET_MS
}

/** `2026-12-01 15:04:05` (Asia/Shanghai), as WeChat Pay and the finance export write times. */
export function shanghaiTime(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

/** `2026-12-01` (Asia/Shanghai). */
export function shanghaiDate(ms: number): string {
  return shanghaiTime(ms).slice(0, 10)
}

/** `2026-12` (Asia/Shanghai). */
export function shanghaiMonth(ms: number): string {
  return shanghaiTime(ms).slice(0, 7)
}

/** [from, to) of a `YYYY-MM` month in Asia/Shanghai, as epoch ms. */
export function shanghaiMonthRange(month: string): { from: number, to: number } {
  const [year, m] = month.split('-').map(Number) as [number, number]
  return { from: shanghaiWallClock(year, m, 1), to: shanghaiWallClock(year, m + 1, 1) }
}
