import { strict as assert } from "node:assert";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { createRamClient, RAM_ENDPOINT } from "../../provider/alicloud/ram-client";
import { stsClientFor } from "../../provider/alicloud/sts-client";
import { openApiConfig } from "../../provider/alicloud/cloud-settings";
import { CLOUD_API_RETRY, DEFAULT_RETRY, type RetryPolicy } from "../../provider/core/retry";
import { MAX_CLOUD_SENDS_PER_CALL_PER_PASS, runOnce, type RunOptions } from "../../provider/runner/run-once";
import { THROTTLE_MAX_TRIES } from "../../provider/runner/adaptive-pool";
import { RamAccessKeyTarget } from "../../provider/targets/ram-access-key/ram-access-key-target";
import { FakeTarget } from "../../testkit/rotation/fake-target";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import { expectError } from "../support/expect-error";
import { ramContext, ramInputs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";

/**
 * The most requests one operation sends while the cloud keeps refusing it,
 * counted in the emulator's call log, through the real SDK clients: a cloud
 * call is retried in its client and nowhere else, and the runner's pool tries
 * a throttled rotation again at most THROTTLE_MAX_TRIES times. Nothing waits:
 * the policies are the real ones with their sleeps injected.
 */

const noWait = (policy: RetryPolicy): RetryPolicy => ({ ...policy, sleep: async () => undefined });
/** The runner as deployed (its own retry, the pool's waits), without the waiting. */
const runnerDefaults: Pick<RunOptions, "retry" | "throttling" | "judge"> = {
  retry: noWait(DEFAULT_RETRY),
  throttling: { sleep: async () => undefined },
  judge: () => ({ due: true, reason: "due", dueAt: new Date(0).toISOString() }),
};
const FOREVER = 10_000;

describe("sends per cloud operation while the cloud throttles (emulator, real SDK clients, call log)", function () {
  this.timeout(60_000);

  it(`the budget of one runner pass is THROTTLE_MAX_TRIES x CLOUD_API_RETRY.attempts = ${MAX_CLOUD_SENDS_PER_CALL_PER_PASS}`, function () {
    assert.equal(MAX_CLOUD_SENDS_PER_CALL_PER_PASS, THROTTLE_MAX_TRIES * CLOUD_API_RETRY.attempts);
    assert.deepEqual([THROTTLE_MAX_TRIES, CLOUD_API_RETRY.attempts], [8, 5]);
  });

  describe("KMS", function () {
    let clock: TestClock;
    let kms: KmsEmulatorStore;
    const sent = (action: string) => kms.actions().filter((a) => a === action).length;
    const VALUE = JSON.stringify({ UserName: "root", Password: "Initial-Pw-1" });

    beforeEach(async function () {
      clock = createTestClock();
      kms = await startKmsEmulatorStore({ clock });
      await kms.store.createSecret({ name: "budget/one", description: "", metadata: { kind: "ecs" }, versionId: "v1", value: VALUE });
      kms.calls.length = 0;
    });
    afterEach(() => kms.dispose());

    it(`a throttled PutSecretValue is sent CLOUD_API_RETRY.attempts (${CLOUD_API_RETRY.attempts}) times for one store operation`, async function () {
      kms.emulator.control.throttle("PutSecretValue", FOREVER);
      await expectError(kms.store.putValue("budget/one", { versionId: "v2", value: "x", stages: [] }), "CloudUnavailable");
      assert.equal(sent("PutSecretValue"), CLOUD_API_RETRY.attempts);
    });

    it(`a runner pass over a secret whose UpdateSecretVersionStage is throttled sends it at most ${MAX_CLOUD_SENDS_PER_CALL_PER_PASS} times, then fails it with CloudUnavailable`, async function () {
      kms.emulator.control.throttle("UpdateSecretVersionStage", FOREVER);
      const target = new FakeTarget(VALUE);
      const report = await runOnce({ store: kms.another(), clock, owner: "runner", targetFor: () => target, ...runnerDefaults });
      assert.deepEqual(report.outcomes.map((o) => [o.status, o.errorCode, o.attempts]), [["failed", "CloudUnavailable", 1]]);
      assert.equal(report.throttling?.throttled, THROTTLE_MAX_TRIES - 1, "each try but the last went back to the pool");
      // Each of the pool's tries reached the stage move, whose client sent it its whole budget; the runner's own retry added nothing.
      assert.equal(sent("UpdateSecretVersionStage"), MAX_CLOUD_SENDS_PER_CALL_PER_PASS);
    });

    it("a runner pass over a secret KMS keeps failing (5xx) sends the call CLOUD_API_RETRY.attempts times: a rotation is not run again for a cloud error", async function () {
      kms.emulator.control.injectFault({ action: "UpdateSecretVersionStage", code: "InternalFailure", httpStatus: 503, message: "try later", times: FOREVER });
      const target = new FakeTarget(VALUE);
      const report = await runOnce({ store: kms.another(), clock, owner: "runner", targetFor: () => target, ...runnerDefaults });
      assert.deepEqual(report.outcomes.map((o) => [o.status, o.errorCode, o.attempts]), [["failed", "CloudUnavailable", 1]]);
      assert.equal(sent("UpdateSecretVersionStage"), CLOUD_API_RETRY.attempts);
    });
  });

  describe("RAM", function () {
    let cloud: RamEmulator;
    let t: TestStore;
    let id: string;
    let userName: string;
    const sent = (action: string, since: number) => cloud.countSince(since)[`Ram.${action}`] ?? 0;

    before(async function () {
      cloud = await startRamEmulator();
    });
    after(() => cloud?.stop());
    beforeEach(async function () {
      t = await createTestStore({ backend: "local" });
      const user = userWithKey(cloud, "budget");
      userName = user.userName;
      ({ id } = await ram.create(ramInputs(userName, user.key, { previousKeyAction: "delete" }), ramContext(t, cloud), { sleep: async () => undefined }));
    });
    afterEach(async function () {
      cloud.emu.control.clearFaults();
      await t[Symbol.asyncDispose]();
    });

    /** The RAM secret's target on the real clients, with the real retry policy minus its waits. */
    const target = () =>
      new RamAccessKeyTarget({
        secretName: id,
        userName,
        previousKeyAction: "delete",
        store: t.store,
        clock: t.clock,
        ram: createRamClient(openApiConfig(cloud.settings, RAM_ENDPOINT), noWait(CLOUD_API_RETRY)),
        sts: stsClientFor(cloud.settings),
        sleep: async () => undefined,
      });

    it(`a runner pass over a RAM secret whose ListAccessKeys is throttled sends it at most ${MAX_CLOUD_SENDS_PER_CALL_PER_PASS} times`, async function () {
      cloud.emu.control.throttle("ListAccessKeys", FOREVER);
      const mark = cloud.log.length;
      const report = await runOnce({ store: t.store, clock: t.clock, owner: "runner", targetFor: target, ...runnerDefaults });
      assert.deepEqual(report.outcomes.map((o) => [o.status, o.errorCode]), [["failed", "CloudUnavailable"]]);
      assert.equal(sent("ListAccessKeys", mark), MAX_CLOUD_SENDS_PER_CALL_PER_PASS);
    });

    it(`a throttled CreateAccessKey, which the client never repeats, is sent at most THROTTLE_MAX_TRIES (${THROTTLE_MAX_TRIES}) times in a pass`, async function () {
      cloud.emu.control.throttle("CreateAccessKey", FOREVER);
      const mark = cloud.log.length;
      const report = await runOnce({ store: t.store, clock: t.clock, owner: "runner", targetFor: target, ...runnerDefaults });
      assert.deepEqual(report.outcomes.map((o) => [o.status, o.errorCode]), [["failed", "CloudUnavailable"]]);
      assert.equal(sent("CreateAccessKey", mark), THROTTLE_MAX_TRIES);
    });
  });
});
