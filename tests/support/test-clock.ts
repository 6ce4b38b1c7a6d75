import type { Clock } from "../../provider/core/clock";

/** A clock tests move by hand. Starts at real time so leases written by other processes compare sensibly. */
export interface TestClock {
  readonly now: Clock;
  advance(ms: number): void;
}

export function testClock(start: Date = new Date()): TestClock {
  let offset = start.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
