// The sidebar's calendar is the business's: China Standard Time (Asia/Shanghai), UTC+8 all year with no
// daylight saving, so a Shanghai day is a fixed shift of UTC whatever the browser's own time zone
// (as on the server, server/src/lib/china-time.ts).

export const DAY_MS = 86_400_000
const SHANGHAI_OFFSET_MS = 8 * 3_600_000

/** The day number (days since 1970-01-01) of the Shanghai calendar day `ms` falls on. */
export function shanghaiDay(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS)
}

/** `2026-12-01 15:04` (Shanghai). */
export function shanghaiDateTime(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}

/** `2026-12-01` (Shanghai), as an `<input type="date">` holds it. */
export function shanghaiDate(ms: number): string {
  return shanghaiDateTime(ms).slice(0, 10)
}

/** `2026-12` (Shanghai), as an `<input type="month">` holds it. */
export function shanghaiMonth(ms: number): string {
  return shanghaiDateTime(ms).slice(0, 7)
}

/** 00:00 Shanghai of a `YYYY-MM-DD` day as epoch ms (16:00 UTC the day before); undefined for an empty or malformed value. */
export function shanghaiDayStart(date: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!match)
    return undefined
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) - SHANGHAI_OFFSET_MS
}

/** The end of a `YYYY-MM-DD` day, exclusive: 00:00 Shanghai of the next day. */
export function shanghaiDayEnd(date: string): number | undefined {
  const start = shanghaiDayStart(date)
  return start === undefined ? undefined : start + DAY_MS
}
