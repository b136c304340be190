import { ALERT_FINDING_KINDS, guideRefusalList, redPacketRefusalList } from '@scrm/shared'
import { describe, expect, it } from 'vitest'
import { en, zhCN } from './index'

function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object')
    return [prefix]
  return Object.entries(value).flatMap(([key, child]) => keyPaths(child, prefix ? `${prefix}.${key}` : key))
}

describe('locales', () => {
  it('has every zh-CN text in English too, and no English text without a Chinese one', () => {
    expect(keyPaths(en).sort()).toEqual(keyPaths(zhCN).sort())
  })

  it('words every red-packet refusal the server can give', () => {
    expect(Object.keys(zhCN.redpackets.refusal).sort()).toEqual([...redPacketRefusalList].sort())
  })

  it('words every kind of archive alert finding', () => {
    expect(Object.keys(zhCN.archive.finding).sort()).toEqual([...ALERT_FINDING_KINDS].sort())
  })

  it('words every refusal a guide can meet while sending or writing notes', () => {
    expect(Object.keys(zhCN.errors.refusal).sort()).toEqual([...guideRefusalList].sort())
  })
})
