import assert from "node:assert/strict";
import { CLOUD_API_RETRY, DEFAULT_RETRY, NO_RETRY, backoffMs, withRetry, type RetryPolicy } from "../../provider/core/retry";
import { cloudCall } from "../../provider/alicloud/cloud-call";
import { CloudApiError } from "../../provider/alicloud/cloud-api-error";
import { ManagedSecretsError } from "../../provider/core/errors";

/** What openapi-core throws: a plain object with the service's code and HTTP status (none when no answer came). */
const sdkError = (code: string, statusCode?: number, name = "ClientError") => Object.assign(new Error(`${code}: the request, maybe with SecretData`), { code, statusCode, name, requestId: "req-1" });

describe("the one retry module (provider/core/retry.ts) and the cloud call layer (provider/alicloud/cloud-call.ts)", function () {
  let sleeps: number[];
  const noWait = (policy: RetryPolicy): RetryPolicy => ({ ...policy, sleep: async (ms) => void sleeps.push(ms), random: () => 0 });
  beforeEach(() => {
    sleeps = [];
  });

  it("has bounded, named policies", function () {
    assert.deepEqual([CLOUD_API_RETRY.attempts, CLOUD_API_RETRY.baseDelayMs, CLOUD_API_RETRY.maxDelayMs], [5, 200, 5000]);
    assert.deepEqual([DEFAULT_RETRY.attempts, DEFAULT_RETRY.baseDelayMs, DEFAULT_RETRY.maxDelayMs], [3, 1000, 10_000]);
    assert.equal(NO_RETRY.attempts, 1);
  });

  it("backs off exponentially with half the window fixed and half random, capped", function () {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs({ ...CLOUD_API_RETRY, random: () => 0 }, n)), [100, 200, 400, 800]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs({ ...CLOUD_API_RETRY, random: () => 0.999999 }, n)), [200, 400, 800, 1600]);
    assert.equal(backoffMs({ ...CLOUD_API_RETRY, random: () => 0 }, 20), 2500);
    assert.equal(backoffMs({ ...CLOUD_API_RETRY, random: () => 0.999999 }, 20), 5000);
  });

  it("tries again only what its predicate calls retryable, and says how many attempts it made", async function () {
    let calls = 0;
    const ok = await withRetry(noWait(DEFAULT_RETRY), async (attempt) => {
      calls++;
      if (attempt < 3) throw new ManagedSecretsError("Unreachable", "down");
      return "up";
    });
    assert.deepEqual([ok, calls, sleeps], [{ ok: true, value: "up", attempts: 3 }, 3, [500, 1000]]);
    const refused = await withRetry(noWait(DEFAULT_RETRY), async () => {
      throw new ManagedSecretsError("AuthenticationFailed", "no");
    });
    assert.deepEqual([refused.ok, refused.attempts], [false, 1]);
  });

  it("a cloud call is sent at most CLOUD_API_RETRY.attempts times while it is throttled, and the error says how many", async function () {
    let sends = 0;
    const err = await cloudCall({ service: "KMS", action: "PutSecretValue", retry: noWait(CLOUD_API_RETRY), quoteService: false }, async () => {
      sends++;
      throw sdkError("Rejected.Throttling", 429, "ThrottlingError");
    }).catch((e: unknown) => e);
    assert.ok(err instanceof CloudApiError);
    assert.deepEqual([sends, err.attempts, err.code, err.kind, err.apiCode], [5, 5, "CloudUnavailable", "throttling", "Rejected.Throttling"]);
    assert.deepEqual(sleeps, [100, 200, 400, 800]);
    assert.equal(err.message, "KMS PutSecretValue failed: Rejected.Throttling (HTTP 429, request req-1)", "KMS's own message is never quoted");
  });

  it("an answer that is not retryable ends the call at once, counting the sends that led to it", async function () {
    let sends = 0;
    const err = await cloudCall({ service: "KMS", action: "CreateSecret", retry: noWait(CLOUD_API_RETRY), quoteService: false }, async () => {
      sends++;
      throw sends === 1 ? sdkError("ECONNRESET", undefined, "Error") : sdkError("Rejected.ResourceExist", 409);
    }).catch((e: unknown) => e);
    assert.ok(err instanceof CloudApiError);
    assert.deepEqual([sends, err.attempts, err.code, err.apiCode, sleeps], [2, 2, "CloudRejected", "Rejected.ResourceExist", [100]]);
  });

  it("a call given NO_RETRY is sent once, whatever the answer", async function () {
    let sends = 0;
    const err = await cloudCall({ service: "RAM", action: "CreateAccessKey", retry: NO_RETRY, quoteService: true }, async () => {
      sends++;
      throw sdkError("ECONNRESET", undefined, "Error");
    }).catch((e: unknown) => e);
    assert.ok(err instanceof CloudApiError);
    assert.deepEqual([sends, err.code, err.transient], [1, "Unreachable", true]);
    assert.match(err.message, /^RAM CreateAccessKey did not complete \(ECONNRESET\); the call may or may not have taken effect$/);
  });

  it("one code per meaning, whichever service answers", async function () {
    const codeOf = async (service: string, e: Error) =>
      ((await cloudCall({ service, action: "X", retry: NO_RETRY, quoteService: false }, async () => Promise.reject(e)).catch((x: unknown) => x)) as CloudApiError).code;
    for (const service of ["KMS", "RAM", "ECS", "STS", "CMS"]) {
      assert.equal(await codeOf(service, sdkError("Throttling.User", 400, "ThrottlingError")), "CloudUnavailable", service);
      assert.equal(await codeOf(service, sdkError("InternalFailure", 503, "ServerError")), "CloudUnavailable", service);
      assert.equal(await codeOf(service, sdkError("Forbidden.NoPermission", 403)), "CloudRejected", service);
      assert.equal(await codeOf(service, sdkError("InvalidAccessKeyId.NotFound", 404)), "CloudConfig", service);
      assert.equal(await codeOf(service, sdkError("SignatureDoesNotMatch", 400)), "CloudConfig", service);
      assert.equal(await codeOf(service, sdkError("ETIMEDOUT", undefined, "Error")), "Unreachable", service);
    }
  });
});
