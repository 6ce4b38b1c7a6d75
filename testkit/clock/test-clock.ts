import type { Clock } from "../../provider/core/clock";

/** A clock tests move by hand; it is a Clock, so it goes wherever the product takes one. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(at: Date | string): void;
  /** The current time in epoch milliseconds. */
  ms(): number;
}

/**
 * Stands still between advance() and set() calls, so recovery windows and
 * lease expiry are exact and instant. Starts on a whole second, so a backend
 * that keeps second precision (KMS) round-trips every instant.
 */
export function createTestClock(start: Date | string = "2025-03-01T00:00:00.000Z"): TestClock {
  return offsetClock(new Date(start).getTime(), () => 0);
}

/**
 * Runs with real time from `start`, moved on by advance() and set(): for
 * tests where other processes (sshd hosts, the emulator, a second runner)
 * write timestamps of their own that must compare sensibly with ours.
 */
export function createRunningTestClock(start: Date | string = new Date()): TestClock {
  const startedAt = Date.now();
  return offsetClock(new Date(start).getTime(), () => Date.now() - startedAt);
}

function offsetClock(start: number, elapsed: () => number): TestClock {
  let offset = start;
  const clock = (() => new Date(offset + elapsed())) as TestClock;
  clock.ms = () => offset + elapsed();
  clock.advance = (ms) => {
    offset += ms;
  };
  clock.set = (at) => {
    offset = new Date(at).getTime() - elapsed();
  };
  return clock;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
