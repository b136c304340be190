import { describe, expect, it } from 'vitest'
import { runFeedbackLoop, tInterval } from './feedback-loop.ts'

describe('loop bench statistics', () => {
  it('t-interval across seeds: mean ± t(0.975, n−1) · sd / √n', () => {
    const r = tInterval([1, 2, 3, 4, 5])
    expect(r.mean).toBe(3)
    // sd 1.5811, t(0.975, 4) = 2.776: half-width 1.9629.
    expect(r.ci95[0]).toBeCloseTo(1.0371, 3)
    expect(r.ci95[1]).toBeCloseTo(4.9629, 3)
    expect(tInterval([0.5]).ci95.every(Number.isNaN)).toBe(true)
  })
})

describe('loop bench (tiny run)', () => {
  it('plays every arm on the same members with organic purchases and a control group', async () => {
    const r = await runFeedbackLoop({ members: 300, seeds: [1, 2], rounds: 2, sample: 30, arms: ['on', 'off', 'rotation'], response: { organicRate: 0.5 } })
    expect(Object.keys(r.arms)).toEqual(['on', 'off', 'rotation'])
    for (const s of r.perSeed) {
      // Same contacted members, same number of sends per round in every arm.
      expect(new Set(Object.values(s.arms).map(a => a.sends)).size).toBe(1)
      // The outcome-blind rotation never re-sends within the hold-back window (2 weekly rounds < 14 days).
      expect(s.arms.rotation!.repeatsOfIgnored).toBe(0)
    }
    for (const a of Object.values(r.arms)) {
      expect(a.ci95[0]).toBeLessThanOrEqual(a.conversion)
      expect(a.ci95[1]).toBeGreaterThanOrEqual(a.conversion)
      // With frequent organic purchases the attribution rules credit some of them to sends.
      expect(a.organicShareOfCredited).toBeGreaterThan(0)
      expect(a.causedPerSend.mean).toBeGreaterThan(0)
    }
    expect(r.onMinus.off!.ci95).toHaveLength(2)
  }, 180_000)
})
