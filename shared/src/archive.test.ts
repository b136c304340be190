import { describe, expect, it } from 'vitest'
import { ALERT_FINDING_KINDS, AlertFinding } from './archive.ts'

describe('alert findings', () => {
  it('lists every kind of the finding union, once', () => {
    const kinds = AlertFinding.anyOf.map(branch => branch.properties.kind.const)
    expect(kinds).toEqual([...ALERT_FINDING_KINDS])
  })
})
