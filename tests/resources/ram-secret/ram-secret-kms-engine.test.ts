import { strict as assert } from "node:assert";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../../testkit/store/kms-emulator-store";
import { createRunningTestClock, type TestClock } from "../../../testkit/clock/test-clock";
import { targetRegistry, type RuntimeContext } from "../../../provider/context/runtime-context";
import * as ram from "../../../provider/resources/ram-secret/ram-secret-handler";
import { expectError } from "../../support/expect-error";
import { kmsRequest, stsClient } from "../../../testkit/emulator/sdk-clients";
import { kmsRotationState } from "../../../provider/health/kms-rotation-health";
import { DEFAULT_OVERDUE_TOLERANCE_MS } from "../../../provider/health/secret-health";

/**
 * RamSecret with rotatedBy "kms": a KMS secret of type RAMCredentials that KMS
 * rotates itself through its RAM service role (the emulator's KMS: RAM makes
 * the new key, KMS stores it as ACSCurrent at once and deletes the old key when
 * the rotation window ends), through the real KMS, RAM, STS and CloudMonitor
 * clients. Signed STS calls say which keys work.
 */
describe("RamSecret rotated by KMS (emulator)", function () {
  this.timeout(60_000);
  let k: KmsEmulatorStore;
  let clock: TestClock;
  let ctx: RuntimeContext;
  let users = 0;
  const kmsSettings = { rotatedBy: "product" as const, store: "kms" as const };
  const savedPoll = process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS;

  before(() => (process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS = "50"));
  after(() => {
    if (savedPoll === undefined) delete process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS;
    else process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS = savedPoll;
  });
  beforeEach(async () => {
    clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    k.emulator.control.createKmsRamCredentialsRole();
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "test", cloud: () => k.cloud };
  });
  afterEach(async () => k?.dispose());

  const userWithKey = () => {
    const userName = `kmsram-${++users}`;
    k.emulator.control.createUser({ name: userName });
    return { userName, key: k.emulator.control.createAccessKey(userName) };
  };
  const inputs = (userName: string, key: { accessKeyId: string; accessKeySecret: string }, overrides: Record<string, unknown> = {}) => ({
    userName,
    initialAccessKeyId: key.accessKeyId,
    initialAccessKeySecret: key.accessKeySecret,
    rotatedBy: "kms",
    ...overrides,
  });
  const signs = async (pair: { accessKeyId: string; accessKeySecret: string }) => {
    try {
      return Boolean((await stsClient(k.emulator, pair).getCallerIdentity()).body?.arn);
    } catch {
      return false;
    }
  };

  it("creates a RAMCredentials secret named by KMS; a rotationTrigger rotates through KMS: the new key signs at once, the old one until KMS's window ends", async () => {
    const { userName, key } = userWithKey();
    const made = await ram.create(inputs(userName, key, { rotationPeriod: "30d" }), ctx);
    assert.equal(made.id, `acs/ram/user/${userName}`);
    assert.equal(made.outs.rotatedBy, "kms");
    assert.equal(made.outs.accessKeyId, key.accessKeyId);
    assert.equal(made.outs.rotationPeriodSeconds, 30 * 86_400);
    const refreshed = (await ram.read(made.id, made.outs, ctx)).props!;
    assert.deepEqual(refreshed.health, { healthy: true, problems: [] });
    assert.equal((await ram.diff(made.id, refreshed, inputs(userName, key, { rotationPeriod: "30d" }), kmsSettings)).changes, false);

    const rotated = (await ram.update(made.id, refreshed, inputs(userName, key, { rotationPeriod: "30d", rotationTrigger: "now" }), ctx)).outs;
    assert.notEqual(rotated.accessKeyId, key.accessKeyId);
    const fresh = { accessKeyId: rotated.accessKeyId, accessKeySecret: rotated.accessKeySecret };
    assert.equal(await signs(fresh), true);
    assert.equal(await signs(key), true, "the old key works during KMS's rotation window");
    // Under way for two days: not drift, though no success event came yet.
    assert.deepEqual((await ram.read(made.id, rotated, ctx)).props!.health, { healthy: true, problems: [] });

    clock.advance(2 * 86_400_000 + 60_000);
    k.emulator.control.advanceClock(0);
    await k.emulator.control.settleRotations();
    assert.equal(await signs(key), false, "KMS deleted the old key when its window ended");
    assert.equal(await signs(fresh), true);
    assert.deepEqual((await ram.read(made.id, rotated, ctx)).props!.health, { healthy: true, problems: [] });
  });

  it("a rotation still in KMS's window is not overdue hours into it; one with no outcome past the window and the tolerance is", async () => {
    const { userName, key } = userWithKey();
    const made = await ram.create(inputs(userName, key), ctx);
    const rotated = (await ram.update(made.id, made.outs, inputs(userName, key, { rotationTrigger: "w1" }), ctx)).outs;
    // Six hours into the (default, 2-day) window: KMS is still at work, the old key still works. Not drift.
    clock.advance(6 * 3_600_000);
    k.emulator.control.advanceClock(0);
    const meta = (await k.store.describeSecret(made.id))!;
    assert.deepEqual((await ram.read(made.id, rotated, ctx)).props!.health, { healthy: true, problems: [] });
    // KMS never reported an outcome (the emulator always does when the window ends: judged here on its record alone).
    const late = new Date(clock().getTime() + 2 * 86_400_000);
    assert.deepEqual(kmsRotationState(meta, meta.managed!, [], late, DEFAULT_OVERDUE_TOLERANCE_MS).findings.map((f) => f.problem), ["overdue"]);
  });

  it("refuses a user with another key, naming it and what to do, and a missing RAM role, creating nothing", async () => {
    const { userName, key } = userWithKey();
    const other = k.emulator.control.createAccessKey(userName);
    await expectError(ram.create(inputs(userName, key), ctx), "AccessKeyLimit", { property: "initialAccessKeyId", message: new RegExp(`another AccessKey, ${other.accessKeyId}.*DeleteAccessKey.*Nothing was created`) });
    await k.dispose();
    clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "test", cloud: () => k.cloud };
    const second = userWithKey();
    await expectError(ram.create(inputs(second.userName, second.key), ctx), "CloudRejected", { property: "rotatedBy", message: /AliyunKMSManageRAMCredentialsRole/ });
    assert.deepEqual(await k.store.listSecrets({ includePendingDeletion: true }), []);
  });

  it("refuses at check what KMS decides itself: the name, the previous key's fate, and the local store", async () => {
    const { userName, key } = userWithKey();
    const properties = async (overrides: Record<string, unknown>, settings: { rotatedBy: "product" | "kms"; store?: "local" | "kms" } = kmsSettings) =>
      ((await ram.check({}, inputs(userName, key, overrides), settings)).failures ?? []).map((f) => f.property);
    assert.deepEqual(await properties({ secretName: "ram/mine", previousKeyAction: "delete", previousKeyGracePeriod: "1h" }), ["secretName", "previousKeyAction", "previousKeyGracePeriod"]);
    assert.deepEqual(await properties({}, { rotatedBy: "product", store: "local" }), ["rotatedBy"]);
    assert.deepEqual(await properties({ rotatedBy: undefined }, { rotatedBy: "kms", store: "local" }), ["rotatedBy"], "the stack's default engine is checked the same");
    assert.deepEqual(await properties({ rotatedBy: "product", secretName: "acs/ram/user/x" }), ["secretName"]);
  });

  it("pulumi import of a KMS RAM secret this product never tagged answers the declaration; the update after it tags it and rotates nothing", async () => {
    const { userName, key } = userWithKey();
    // Created in the console (or by Terraform): no tag of this product's.
    const name = String(
      (
        await kmsRequest(k.emulator, "CreateSecret", {
          SecretName: "$Auto",
          SecretType: "RAMCredentials",
          SecretData: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }] }),
          VersionId: "v1",
          ExtendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: userName }),
        })
      ).SecretName,
    );
    assert.deepEqual(await k.store.listSecrets(), [], "not tagged: no listing finds it");
    const imported = await ram.importSecret(name, ctx);
    assert.deepEqual(imported.inputs, { userName, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotatedBy: "kms", recoveryWindowDays: 30 });
    assert.equal(imported.props?.imported, true);
    const adopted = (await ram.update(name, imported.props!, imported.inputs!, ctx)).outs;
    assert.equal(adopted.accessKeyId, key.accessKeyId);
    assert.deepEqual((await k.store.listSecrets()).map((m) => [m.name, m.metadata.kind, m.metadata.rotatedBy]), [[name, "ram", "kms"]]);
  });
});
