import assert from "node:assert/strict";
import { KmsApiError } from "../../provider/alicloud/kms-client";
import { KMS_BASE_DELAY_MS, KMS_MAX_ATTEMPTS, KMS_MAX_DELAY_MS, backoffMs, isRetryable, withRetry } from "../../provider/store/kms/kms-retry";

describe("kms store: retry policy", function () {
  const throttled = () => new KmsApiError("PutSecretValue", "throttling", "Rejected.Throttling", 429, "req-1");

  it("has bounded, named limits", function () {
    assert.deepEqual([KMS_MAX_ATTEMPTS, KMS_BASE_DELAY_MS, KMS_MAX_DELAY_MS], [5, 200, 5000]);
  });

  it("backs off exponentially with half the window fixed and half random, capped", function () {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, { random: () => 0 })), [100, 200, 400, 800]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, { random: () => 0.999999 })), [200, 400, 800, 1600]);
    assert.equal(backoffMs(20, { random: () => 0 }), 2500);
    assert.equal(backoffMs(20, { random: () => 0.999999 }), 5000);
  });

  it("retries throttling, 5xx and network failures only", function () {
    assert.equal(isRetryable(throttled()), true);
    assert.equal(isRetryable(new KmsApiError("GetSecretValue", "server", "InternalFailure", 503)), true);
    assert.equal(isRetryable(new KmsApiError("GetSecretValue", "network", "ECONNRESET")), true);
    assert.equal(isRetryable(new KmsApiError("GetSecretValue", "client", "Forbidden.ResourceNotFound", 404)), false);
    assert.equal(isRetryable(new Error("boom")), false);
  });

  it("sleeps between attempts and returns the first success", async function () {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw throttled();
        return "ok";
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
    );
    assert.equal(result, "ok");
    assert.equal(calls, 3);
    assert.deepEqual(sleeps, [100, 200]);
  });

  it("gives up after KMS_MAX_ATTEMPTS and records the attempts on the error", async function () {
    const sleeps: number[] = [];
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw throttled();
        },
        { sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
      ),
      (e: KmsApiError) => e instanceof KmsApiError && e.attempts === KMS_MAX_ATTEMPTS,
    );
    assert.equal(calls, KMS_MAX_ATTEMPTS);
    assert.deepEqual(sleeps, [100, 200, 400, 800]);
  });

  it("returns an answer that is not retryable at once, counting the attempts that led to it", async function () {
    let calls = 0;
    const sleeps: number[] = [];
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw calls === 1 ? new KmsApiError("CreateSecret", "network", "ECONNRESET") : new KmsApiError("CreateSecret", "client", "Rejected.ResourceExist", 409);
        },
        { sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
      ),
      (e: KmsApiError) => e.code === "Rejected.ResourceExist" && e.attempts === 2,
    );
    assert.deepEqual([calls, sleeps], [2, [100]]);
  });
});
