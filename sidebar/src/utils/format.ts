import type { Platform } from '@scrm/shared'

export { formatFen } from '@scrm/shared'

const TZ = 'Asia/Shanghai'
const dateParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function parts(ms: number): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of dateParts.formatToParts(new Date(ms)))
    out[p.type] = p.value
  return out
}

/** Epoch ms → `2025-03-02` in China time. */
export function formatDate(ms: number): string {
  const p = parts(ms)
  return `${p.year}-${p.month}-${p.day}`
}

/** Epoch ms → `2025-03-02 14:05` in China time. */
export function formatDateTime(ms: number): string {
  const p = parts(ms)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** 0.234 → `23%`; values under 1 % show `<1%`. */
export function formatPercent(p: number): string {
  if (p > 0 && p < 0.005)
    return '<1%'
  return `${Math.round(p * 100)}%`
}

export type Band = 'high' | 'mid' | 'low'

/** Probability band; thresholds per horizon (a 7-day chance is naturally lower). */
export function probabilityBand(p: number, horizonDays: 7 | 30): Band {
  const [high, mid] = horizonDays === 7 ? [0.3, 0.1] : [0.5, 0.2]
  return p >= high ? 'high' : p >= mid ? 'mid' : 'low'
}

/** i18n keys of platforms (淘宝/京东/抖音/有赞/小程序/门店). */
export function platformKey(platform: Platform): string {
  return `platform.${platform}`
}
