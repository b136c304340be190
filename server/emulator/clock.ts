// The emulator's clock: a base time source (injectable) plus a test-controlled offset, optionally
// frozen. Everything time-dependent in the emulator (token/ticket TTLs, OAuth codes, rate-limit
// windows, `hint` timestamps) reads this clock, never Date.now directly.

export class EmulatorClock {
  private offsetMs = 0
  private frozenAt: number | undefined

  constructor(private readonly base: () => number = Date.now) {}

  /** Current emulator time in epoch milliseconds. */
  now(): number {
    return this.frozenAt ?? this.base() + this.offsetMs
  }

  /** Current emulator time in epoch seconds (what WeCom APIs speak). */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000)
  }

  advance(seconds: number): void {
    if (this.frozenAt !== undefined)
      this.frozenAt += seconds * 1000
    else
      this.offsetMs += seconds * 1000
  }

  /** Freezes at the given epoch ms (or at the current time when omitted). */
  freeze(atMs?: number): void {
    this.frozenAt = atMs ?? this.now()
  }

  /** Resumes ticking from the frozen instant (no jump back to wall time). */
  unfreeze(): void {
    if (this.frozenAt === undefined)
      return
    this.offsetMs = this.frozenAt - this.base()
    this.frozenAt = undefined
  }

  get frozen(): boolean {
    return this.frozenAt !== undefined
  }

  reset(): void {
    this.offsetMs = 0
    this.frozenAt = undefined
  }
}
