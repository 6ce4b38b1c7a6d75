import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createRunningTestClock, DAY_MS, type TestClock } from "../../testkit/clock/test-clock";
import { stsClient } from "../../testkit/emulator/sdk-clients";
import { targetRegistry, type RuntimeContext } from "../../provider/context/runtime-context";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { managedCredentialsConsumer, startManagedCredentialsApp } from "../../testkit/consumers/managed-credentials-app";
import { skipUnlessCi } from "./consumer-setup";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/**
 * Item 3 of issue 26, the consumers' view: Alibaba's managed-credentials
 * provider for the Python SDK core (installed from PyPI into its own cached
 * virtualenv) reads a RAMCredentials secret that RamSecret rotatedBy "kms"
 * created, signs STS calls with its key, and keeps signing after KMS rotated
 * the key and deleted the old one (the provider refreshes the secret on
 * InvalidAccessKeyId.NotFound and tries again). Each answer names (by
 * digest) the key the client signs with; the program is
 * testkit/consumers/python/managed_credentials.py, which the consumers bench
 * runs too.
 */
describe("consumers: the managed-credentials provider for Python signs through a KMS-native rotation (emulator)", function () {
  this.timeout(120_000);
  let k: KmsEmulatorStore;
  let clock: TestClock;
  let ctx: RuntimeContext;
  const saved = process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS;

  before(async () => {
    process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS = "50";
    clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    k.emulator.control.createKmsRamCredentialsRole();
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "consumer-test", cloud: () => k.cloud };
  });
  after(async () => {
    if (saved === undefined) delete process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS;
    else process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS = saved;
    await k?.dispose();
  });

  it("reads our RAMCredentials secret and signs; through KMS's rotation window it signs with the old key, after KMS deletes it, with the new one, no call failing", async function () {
    let python: string;
    try {
      python = await managedCredentialsConsumer();
    } catch (e) {
      skipUnlessCi(this, e);
    }
    k.emulator.control.createUser({ name: "consumer-app" });
    const initial = k.emulator.control.createAccessKey("consumer-app");
    const inputs = { userName: "consumer-app", initialAccessKeyId: initial.accessKeyId, initialAccessKeySecret: initial.accessKeySecret, rotationPeriod: "7d", rotatedBy: "kms" };
    const made = await ram.create(inputs, ctx);

    const app = await startManagedCredentialsApp(python!, k.emulator, made.id);
    const call = () => app.call(clock.ms());
    try {
      assert.deepEqual(await call(), { phase: "call", ok: true, keyId: sha256(initial.accessKeyId) });
      // What decides the provider's schedule: it refreshes on KMS's RotationInterval only for a RAMCredentials secret of sub-type RamUserAccessKey.
      assert.deepEqual(await app.describe(clock.ms()), {
        phase: "describe",
        secretType: "RAMCredentials",
        secretSubType: "RamUserAccessKey",
        rotationInterval: `${7 * 86_400}s`,
        keyId: sha256(initial.accessKeyId),
      });

      const rotated = (await ram.update(made.id, made.outs, { ...inputs, rotationTrigger: "rotate-1" }, ctx)).outs;
      assert.notEqual(rotated.accessKeyId, initial.accessKeyId);
      // KMS's window: both keys work, and the provider, which has no reason to re-read yet, keeps signing with the one it holds.
      assert.deepEqual(await call(), { phase: "call", ok: true, keyId: sha256(initial.accessKeyId) });

      // The window ends: KMS deletes the old key from RAM.
      clock.advance(2 * DAY_MS + 60_000);
      k.emulator.control.advanceClock(0);
      await k.emulator.control.settleRotations();
      assert.equal(await signsWith(initial), false, "the old key is gone from RAM");

      // The provider's first attempt is refused for the deleted key; it re-reads the secret and signs again with the new key.
      assert.deepEqual(await call(), { phase: "call", ok: true, keyId: sha256(rotated.accessKeyId) }, "signed with the new key after refreshing on InvalidAccessKeyId.NotFound");
      assert.deepEqual(await call(), { phase: "call", ok: true, keyId: sha256(rotated.accessKeyId) });
    } finally {
      await app.stop();
    }
  });

  async function signsWith(pair: { accessKeyId: string; accessKeySecret: string }): Promise<boolean> {
    try {
      return Boolean((await stsClient(k.emulator, pair).getCallerIdentity()).body?.arn);
    } catch {
      return false;
    }
  }
});
