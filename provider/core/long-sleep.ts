/**
 * Node runs a setTimeout longer than 2^31-1 ms (about 24.8 days) after 1 ms,
 * with only a warning: a computed wait that large (a slow start rate queueing
 * many lanes) would start at once what it was meant to hold back. Waits here
 * are taken in pieces no longer than that, so any length waits its length.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after `ms` (or at once when `signal` aborts); never rejects. */
export function longSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    let timer: NodeJS.Timeout | undefined;
    const end = Date.now() + ms;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const next = () => {
      const left = end - Date.now();
      if (!(left > 0)) return done();
      timer = setTimeout(next, Math.min(left, MAX_TIMER_MS));
    };
    signal?.addEventListener("abort", done, { once: true });
    next();
  });
}
