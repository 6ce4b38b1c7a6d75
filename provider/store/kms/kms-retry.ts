import { setTimeout as delay } from "node:timers/promises";
import { KmsApiError } from "../../alicloud/kms-client";

/**
 * Bounded retry for KMS calls. Throttling (Rejected.Throttling, HTTP 429),
 * KMS server errors (5xx) and network failures may succeed unchanged on the
 * next attempt; everything else is an answer and is returned at once.
 *
 * Retrying is safe for every call the store makes, including one whose answer
 * was lost after KMS acted: PutSecretValue, TagResource, UntagResource,
 * UpdateSecret and RestoreSecret are idempotent, and the store checks the
 * outcome of CreateSecret, DeleteSecret and UpdateSecretVersionStage when a
 * retried call reports a conflict.
 */

/** Attempts in all, the first included: 1 + 4 retries. */
export const KMS_MAX_ATTEMPTS = 5;
/** First back-off; doubles per retry. */
export const KMS_BASE_DELAY_MS = 200;
/** No single wait exceeds this, whatever KMS's Retry-After says. */
export const KMS_MAX_DELAY_MS = 5_000;

export interface RetryOptions {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected so tests do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); injected so tests get exact delays. */
  readonly random?: () => number;
}

export function isRetryable(e: unknown): boolean {
  return e instanceof KmsApiError && (e.kind === "throttling" || e.kind === "server" || e.kind === "network");
}

/**
 * Exponential back-off with "equal jitter": half the window fixed, half
 * random, so concurrent runners that were throttled together spread out but
 * never retry immediately.
 */
export function backoffMs(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? KMS_BASE_DELAY_MS;
  const max = options.maxDelayMs ?? KMS_MAX_DELAY_MS;
  const window = Math.min(max, base * 2 ** (retry - 1));
  const random = options.random ?? Math.random;
  return Math.round(window / 2 + (window / 2) * random());
}

/** Runs `call` until it succeeds, fails for good, or the attempts run out; the error records how many attempts were made. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? KMS_MAX_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (e instanceof KmsApiError) e.attempts = attempt;
      if (!isRetryable(e) || attempt >= maxAttempts) throw e;
      await sleep(backoffMs(attempt, options));
    }
  }
}
