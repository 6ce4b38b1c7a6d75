import type { Clock } from "../../provider/core/clock";

/** A clock tests move by hand, so recovery windows and lease expiry are exact and instant. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(at: Date | string): void;
  /** The current time in epoch milliseconds. */
  ms(): number;
}

/** Starts on a whole second, so a backend that keeps second precision (KMS) round-trips every instant. */
export function createTestClock(start: Date | string = "2025-03-01T00:00:00.000Z"): TestClock {
  let now = new Date(start).getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (at) => {
    now = new Date(at).getTime();
  };
  clock.ms = () => now;
  return clock;
}
