import { strict as assert } from "node:assert";
import { targetRegistry } from "../../provider/context/runtime-context";
import type { SecretStore } from "../../provider/store/secret-store";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock } from "../../testkit/clock/test-clock";
import { inProcessCli, type CliRun } from "../support/in-process-cli";

/** `managed-secrets check` says when the KMS instance's secret quota runs low (issue 26 item 4): a warning, not a failure. */
describe("managed-secrets check and a KMS instance's secret quota (emulator)", function () {
  const INSTANCE = "kst-hzz65f176a0check1234";
  const clock = createTestClock();
  let kms: KmsEmulatorStore;
  afterEach(async () => kms?.dispose());

  const check = (store: SecretStore): Promise<CliRun> =>
    inProcessCli(() => ({ store, clock, targets: targetRegistry(), owner: "cli", cloud: () => kms.cloud }))(["check", "--no-probe"]);

  const fill = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await kms.store.createSecret({ name: `app/${i}`, description: "", metadata: {}, versionId: "v1", value: JSON.stringify({ UserName: "root", Password: `Pw-${i}` }) });
    }
  };

  it("warns on stderr, naming the instance, what it holds and the setting, when fewer than 10% remain; the exit code stays 0", async () => {
    kms = await startKmsEmulatorStore({ clock, emulator: { kmsInstances: [{ instanceId: INSTANCE, secretQuota: 10 }] }, dkmsInstanceId: INSTANCE });
    await fill(8);
    const roomy = await check(kms.store);
    assert.equal(roomy.code, 0, roomy.err);
    assert.doesNotMatch(roomy.err, /warning/, "9 of 10 used: 1 left is 10%, not under it");
    // One more secret takes the last slot.
    await kms.store.createSecret({ name: "app/last", description: "", metadata: {}, versionId: "v1", value: "{}" });
    const low = await check(kms.store);
    assert.equal(low.code, 0, low.err);
    assert.match(low.err, new RegExp(`^warning: KMS instance ${INSTANCE} holds 10 of its 10 secrets \\(0 left, under 10%\\): raise its secret quota .*\\(managed-secrets:dkmsInstanceId\\)$`, "m"));
  });

  it("says nothing of quota for a kms store without a KMS instance", async () => {
    kms = await startKmsEmulatorStore({ clock });
    await fill(1);
    const result = await check(kms.store);
    assert.equal(result.code, 0, result.err);
    assert.doesNotMatch(result.err, /warning/);
  });
});
