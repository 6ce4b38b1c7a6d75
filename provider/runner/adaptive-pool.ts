import { setTimeout as delay } from "node:timers/promises";

/**
 * A worker pool whose concurrency follows the cloud's throttling, the way
 * TCP follows congestion (AIMD): every throttled item halves it (once per
 * round of items started at the same concurrency, so a burst of refusals
 * counts as one signal), every completed item adds 1/concurrency back (one
 * lane per round), never past the maximum. A throttled item is not failed:
 * it waits out the quota window and goes back in the queue.
 *
 * KMS counts quotas per second and per account, shared by every caller, so
 * no fixed concurrency is right: a lone runner can use 8 lanes, the same
 * runner beside a `pulumi up` of 500 secrets cannot.
 */

export const THROTTLED = Symbol("throttled");

/** KMS counts its quotas over one second: waiting less would meet the same full window. */
export const THROTTLE_WAIT_MS = 1_000;
export const THROTTLE_MAX_WAIT_MS = 8_000;
/** Tries of one item before its last one, which must not answer THROTTLED. */
export const THROTTLE_MAX_TRIES = 8;

export interface AdaptivePoolOptions {
  readonly maxConcurrency: number;
  /** Injected so tests move a fake quota window instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly waitMs?: number;
  readonly maxTries?: number;
}

export interface AdaptivePoolStats {
  /** Items answered THROTTLED (each went back in the queue). */
  readonly throttled: number;
  readonly lowestConcurrency: number;
}

/**
 * Runs `work` over `items`; results keep the items' order. `work` answers
 * THROTTLED to be tried again later; on an item's last try (`lastTry`) it
 * must answer a result.
 */
export function mapAdaptive<T, R>(
  items: readonly T[],
  options: AdaptivePoolOptions,
  work: (item: T, index: number, lastTry: boolean) => Promise<R | typeof THROTTLED>,
): Promise<{ results: R[]; stats: AdaptivePoolStats }> {
  const max = Math.max(1, Math.floor(options.maxConcurrency));
  const maxTries = options.maxTries ?? THROTTLE_MAX_TRIES;
  const waitMs = options.waitMs ?? THROTTLE_WAIT_MS;
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const results = new Array<R>(items.length);
  const tries = new Array<number>(items.length).fill(0);
  const queue = items.map((_, i) => i);
  let limit = max;
  let lowest = max;
  let active = 0;
  let waiting = 0;
  let round = 0;
  let throttled = 0;
  let failed = false;

  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      failed = true;
      reject(e);
    };
    const pump = () => {
      if (failed) return;
      if (queue.length === 0 && active === 0 && waiting === 0) {
        resolve({ results, stats: { throttled, lowestConcurrency: lowest } });
        return;
      }
      while (active < Math.floor(limit) && queue.length > 0) start(queue.shift()!);
    };
    const start = (index: number) => {
      active++;
      const startedIn = round;
      tries[index]!++;
      work(items[index]!, index, tries[index]! >= maxTries).then((result) => {
        active--;
        if (result === THROTTLED) {
          if (tries[index]! >= maxTries) return fail(new Error("a pool item answered THROTTLED on its last try"));
          throttled++;
          if (startedIn === round) {
            limit = Math.max(1, Math.floor(limit / 2));
            lowest = Math.min(lowest, limit);
            round++;
          }
          waiting++;
          sleep(Math.min(THROTTLE_MAX_WAIT_MS, waitMs * 2 ** (tries[index]! - 1))).then(() => {
            waiting--;
            queue.push(index);
            pump();
          }, fail);
        } else {
          results[index] = result;
          limit = Math.min(max, limit + 1 / Math.floor(limit));
        }
        pump();
      }, fail);
    };
    pump();
  });
}
