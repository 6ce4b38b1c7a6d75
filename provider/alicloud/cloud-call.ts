import { ManagedSecretsError } from "../core/errors";
import { withRetry, valueOrThrow, type RetryPolicy } from "../core/retry";
import { cloudApiErrorFrom, CloudApiError } from "./cloud-api-error";

/**
 * The one layer that retries an Alibaba Cloud API call: each thin client sends
 * every call through here, and nothing above a client retries a cloud call
 * again (the runner leaves a CloudApiError alone; see run-once.ts). So one
 * call is sent at most `retry.attempts` times (CLOUD_API_RETRY: 5), and a
 * call given NO_RETRY exactly once.
 *
 * Which calls are safe to send again is each client's to say (a lost answer
 * to a RAM CreateAccessKey would make a second key); throttling, 5xx and
 * network failures are the only failures ever retried.
 */
export interface CloudCall {
  readonly service: string;
  readonly action: string;
  readonly retry: RetryPolicy;
  /** False for KMS: its messages can quote the request (cloud-api-error.ts). */
  readonly quoteService: boolean;
  /** The credentials the call carries, read only when it fails, so its error can cut them out of what the service said. */
  readonly sent?: () => Promise<readonly string[]>;
}

export function cloudCall<T>(call: CloudCall, send: () => Promise<T>): Promise<T> {
  const once = async (attempt: number): Promise<T> => {
    try {
      return await send();
    } catch (e) {
      // The client's own reading of an answer (e.g. one without the key it asked for) is already in our words.
      if (e instanceof ManagedSecretsError) throw e;
      throw cloudApiErrorFrom(e, { ...call, attempt, sent: call.sent ? await call.sent().catch(() => []) : [] });
    }
  };
  return withRetry(call.retry, once, (e) => e instanceof CloudApiError && e.retryable).then(valueOrThrow);
}
