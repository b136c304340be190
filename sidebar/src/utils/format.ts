import type { Platform } from '@scrm/shared'

import { shanghaiDate, shanghaiDateTime } from './china-time'

export { formatFen } from '@scrm/shared'

/** Epoch ms → `2025-03-02` in China time. */
export const formatDate = shanghaiDate

/** Epoch ms → `2025-03-02 14:05` in China time. */
export const formatDateTime = shanghaiDateTime

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
