/** The shape the project injects everywhere: time is a function, not a global. */
export type Clock = () => Date;

/**
 * Business time for the emulator (deletion windows, CreateDate, LastUsedDate).
 * It is the injected clock plus an offset so tests and demos can jump weeks
 * ahead without waiting. Request freshness (x-acs-date) is deliberately NOT
 * checked against it: the SDK stamps requests with the host's real time.
 */
export class EmulatorClock {
  private offsetMs: number;

  constructor(
    private readonly base: Clock,
    initialOffsetMs = 0,
  ) {
    this.offsetMs = initialOffsetMs;
  }

  now(): Date {
    return new Date(this.base().getTime() + this.offsetMs);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("advanceClock takes a non-negative number of milliseconds");
    this.offsetMs += ms;
    return this.now();
  }

  set(time: Date): Date {
    if (Number.isNaN(time.getTime())) throw new RangeError("setTime takes a valid Date");
    this.offsetMs = time.getTime() - this.base().getTime();
    return this.now();
  }

  get offset(): number {
    return this.offsetMs;
  }
}

/** Alibaba Cloud APIs print times as UTC seconds: 2006-01-02T15:04:05Z. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
