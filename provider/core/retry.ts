import { ManagedSecretsError } from "./errors";

/**
 * Retries what may clear up by itself (a host that is restarting, a busy
 * store, a throttled API) and nothing else: a rejected credential or a
 * foreign host key fails at once, so a runner never hammers a host with
 * logins that cannot succeed.
 */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export function isTransient(e: unknown): boolean {
  if (e instanceof ManagedSecretsError) return e.transient;
  // Errors that are not ours come from sockets and SDKs; treat network-level ones as transient.
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"].includes(code);
}

export type Attempted<T> = { readonly ok: true; readonly value: T; readonly attempts: number } | { readonly ok: false; readonly error: unknown; readonly attempts: number };

export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<Attempted<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) return { ok: false, error, attempts: attempt };
      // Full jitter: concurrent retries against one host do not line up.
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await policy.sleep(Math.floor(Math.random() * cap));
    }
  }
}
