import { lock } from "proper-lockfile";
import { ManagedSecretsError } from "../../core/errors";
import { valueOrThrow, withRetry } from "../../core/retry";
import { isNoRoom, writeFailed } from "./write-failed";

export interface FileLockOptions {
  /**
   * A lock whose heartbeat is older than this belongs to a dead process and is
   * taken over, so a killed rotator does not wedge the store. proper-lockfile
   * refuses values under 2000 ms.
   */
  readonly staleMs?: number;
  /** How long to wait for a live lock held by another process before failing with StoreBusy. */
  readonly timeoutMs?: number;
}

export const DEFAULT_LOCK_STALE_MS = 10_000;
/** Longer than the stale time, so a dead holder's lock is always outlived. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

export interface HeldLock {
  /** Throws StoreBusy when the lock was lost (another process judged it stale); call before committing. */
  assertHeld(): void;
}

/** The waits for a held lock: from 5 ms, doubling, at most 100 ms, until the timeout. */
const WAIT_MIN_MS = 5;
const WAIT_MAX_MS = 100;

/**
 * proper-lockfile keeps one lock per path per process and reports a second
 * attempt as "held", so callers in this process queue here instead of
 * spinning against themselves.
 */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` while holding the cross-process lock `<target>.lock` (a directory, created atomically). */
export async function withFileLock<T>(target: string, options: FileLockOptions, fn: (held: HeldLock) => Promise<T>): Promise<T> {
  const previous = queues.get(target) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => lockAndRun(target, options, fn));
  const settled = run.catch(() => undefined);
  queues.set(target, settled);
  void settled.then(() => {
    if (queues.get(target) === settled) queues.delete(target);
  });
  return run;
}

async function lockAndRun<T>(target: string, options: FileLockOptions, fn: (held: HeldLock) => Promise<T>): Promise<T> {
  const staleMs = Math.max(options.staleMs ?? DEFAULT_LOCK_STALE_MS, 2000);
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  let lost: Error | undefined;
  const deadline = Date.now() + timeoutMs;
  // The library would retry any failure for the whole timeout (a full disk too): the wait is ours, and only for a lock another process holds.
  const attempted = await withRetry(
    { attempts: Number.MAX_SAFE_INTEGER, baseDelayMs: WAIT_MIN_MS, maxDelayMs: WAIT_MAX_MS },
    () =>
      lock(target, {
        stale: staleMs,
        realpath: false,
        retries: 0,
        // The default throws from a timer, which would crash the process; we refuse to commit instead.
        onCompromised: (err) => {
          lost = err;
        },
      }),
    (err) => (err as NodeJS.ErrnoException).code === "ELOCKED" && Date.now() < deadline,
  );
  let release: () => Promise<void>;
  try {
    release = valueOrThrow(attempted);
  } catch (err) {
    throw lockFailure(target, err, timeoutMs, staleMs);
  }
  const held: HeldLock = {
    assertHeld() {
      if (lost !== undefined) {
        throw new ManagedSecretsError("StoreBusy", `lost the lock on the store file ${target} before writing (${lost.message}); nothing was written, retry`, { cause: lost });
      }
    },
  };
  try {
    return await fn(held);
  } finally {
    // A failed release (lock already taken over) changes nothing for this caller: the work is done or refused.
    await release().catch(() => undefined);
  }
}

function lockFailure(target: string, err: unknown, timeoutMs: number, staleMs: number): ManagedSecretsError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (isNoRoom(err)) return writeFailed(target, err, false);
  if (code === "ELOCKED") {
    return new ManagedSecretsError(
      "StoreBusy",
      `the store file ${target} stayed locked by another process for ${Math.round(timeoutMs / 1000)}s; a lock left by a dead process is taken over after ${Math.round(staleMs / 1000)}s`,
      { cause: err },
    );
  }
  return new ManagedSecretsError("StoreUnreadable", `could not lock the store file ${target} (${code ?? String(err)})`, { cause: err });
}
