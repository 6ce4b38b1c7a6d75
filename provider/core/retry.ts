import { setTimeout as delay } from "node:timers/promises";
import { ManagedSecretsError } from "./errors";

/**
 * The one retry loop. It retries what may clear up by itself (a host that is
 * restarting, a throttled or failing cloud API, a busy store) and nothing
 * else: a rejected credential or a foreign host key fails at once, so a
 * runner never hammers a host with logins that cannot succeed.
 *
 * Each call path retries in exactly one layer, so the sends of one operation
 * multiply nowhere: cloud API calls in their thin client (provider/alicloud/
 * cloud-call.ts, CLOUD_API_RETRY), SSH sessions and the rest of a rotation in
 * the runner (DEFAULT_RETRY), which leaves an error the cloud client already
 * retried alone; a health probe in provider/health (PROBE_RETRY).
 */
export interface RetryPolicy {
  /** Sends in all, the first included. */
  readonly attempts: number;
  /** The first back-off; it doubles per retry. */
  readonly baseDelayMs: number;
  /** No single wait exceeds this. */
  readonly maxDelayMs: number;
  /** Injected so tests never wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); injected so tests get exact delays. */
  readonly random?: () => number;
}

/** A rotation in the runner (SSH sessions, leases, the local store's lock): 3 tries from 1 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 };

/**
 * One Alibaba Cloud API call (KMS, RAM, ECS, CloudMonitor): 1 + 4 retries from
 * 200 ms. KMS counts its quotas over one second; four back-offs wait at least
 * 100 + 200 + 400 + 800 ms, so the last try meets a fresh quota window.
 */
export const CLOUD_API_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Sent once: for calls that must not be repeated blindly, and for tests that count refusals. */
export const NO_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

export function isTransient(e: unknown): boolean {
  if (e instanceof ManagedSecretsError) return e.transient;
  // Errors that are not ours come from sockets and SDKs; treat network-level ones as transient.
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"].includes(code);
}

/**
 * The wait before retry number `retry` (1 for the first): exponential, with
 * "equal jitter": half the window fixed, half random, so callers that failed
 * together spread out, yet never retry at once.
 */
export function backoffMs(policy: RetryPolicy, retry: number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(window / 2 + (window / 2) * (policy.random ?? Math.random)());
}

export type Attempted<T> = { readonly ok: true; readonly value: T; readonly attempts: number } | { readonly ok: false; readonly error: unknown; readonly attempts: number };

/**
 * Runs `fn` until it succeeds, fails with an error `retryable` refuses, or the
 * policy's attempts run out; `fn` is told which attempt it is.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  retryable: (e: unknown) => boolean = isTransient,
): Promise<Attempted<T>> {
  const sleep = policy.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error)) return { ok: false, error, attempts: attempt };
      await sleep(backoffMs(policy, attempt));
    }
  }
}

/** The value of a finished retry, or its last error thrown. */
export function valueOrThrow<T>(attempted: Attempted<T>): T {
  if (attempted.ok) return attempted.value;
  throw attempted.error;
}
