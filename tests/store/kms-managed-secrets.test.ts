import assert from "node:assert/strict";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { expectError } from "../support/expect-error";

/**
 * The kms store's calls for the secrets KMS rotates itself (SecretType ECS and
 * RAMCredentials), against the emulator through the real client: created
 * tagged, so a listing finds them; read with KMS's own record (ExtendedConfig,
 * the rotation fields) beside the tags; their metadata written without a
 * binding or a value (KMS refuses PutSecretValue for them); rotated and
 * scheduled only through KMS's calls; and each refusal worded with what to do.
 * A Windows instance (simulated by the emulator) needs no host.
 */
describe("kms store: secrets KMS rotates itself (emulator)", function () {
  this.timeout(30_000);
  let k: KmsEmulatorStore;
  const windows = "i-kmsstorewin1";
  const ecsName = "acs/ecs/kmsstorewin1/Administrator";
  const ecsInput = (overrides: Record<string, unknown> = {}) => ({
    name: ecsName,
    secretType: "ECS" as const,
    extendedConfig: { SecretSubType: "Password", RegionId: k.emulator.regionId, InstanceId: windows },
    value: JSON.stringify({ UserName: "Administrator", Password: "Win-Initial-Passw0rd" }),
    versionId: "v1",
    description: "windows admin",
    metadata: { kind: "ecs", rotatedBy: "kms", managedUser: "Administrator" },
    rotationIntervalSeconds: 7 * 86_400,
    ...overrides,
  });

  /** A RAM user with one key, as a RAMCredentials create lists it. */
  const ramInput = (userName: string) => {
    k.emulator.control.createUser({ name: userName });
    const key = k.emulator.control.createAccessKey(userName);
    return {
      name: "$Auto",
      secretType: "RAMCredentials" as const,
      extendedConfig: { SecretSubType: "RamUserAccessKey", UserName: userName },
      value: JSON.stringify({ AccessKeys: [{ AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret }] }),
      versionId: "v1",
      description: "",
      metadata: { kind: "ram", rotatedBy: "kms" },
    };
  };

  beforeEach(async () => {
    k = await startKmsEmulatorStore();
    k.emulator.control.registerInstance({ instanceId: windows, privateIp: "127.0.31.29", osType: "windows", windowsAccounts: { Administrator: "Win-Initial-Passw0rd" } });
  });
  afterEach(async () => k?.dispose());

  it("creates an ECS secret tagged, read back with KMS's record; lists it even for the schedule; tags change without a binding or a new value", async () => {
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    const made = await k.store.managed!.create(ecsInput());
    assert.equal(made.name, ecsName);
    assert.deepEqual(made.managed?.extendedConfig, { SecretSubType: "Password", RegionId: k.emulator.regionId, InstanceId: windows, CommandId: "cmd-ACS-KMS-RotateECSSecret-For-Windows.ps1" });
    assert.equal(made.managed?.secretType, "ECS");
    assert.equal(made.managed?.automaticRotation, "Enabled");
    assert.equal(made.managed?.rotationIntervalSeconds, 7 * 86_400);
    assert.ok(made.managed?.nextRotationAt);
    assert.equal(made.metadata.managedUser, "Administrator");
    const listed = await k.store.listSecrets({ detail: "schedule" });
    assert.deepEqual(listed.map((m) => [m.name, m.managed?.secretType]), [[ecsName, "ECS"]]);

    const mark = k.calls.length;
    await k.store.authenticateTarget(ecsName, made.metadata);
    const updated = await k.store.updateSecret(ecsName, { description: "windows admin, rotated by KMS", metadata: { recoveryWindowDays: "7" } });
    assert.equal(updated.metadata.recoveryWindowDays, "7");
    assert.equal(updated.description, "windows admin, rotated by KMS");
    const actions = k.actions().slice(mark);
    assert.ok(!actions.includes("PutSecretValue") && !actions.includes("AsymmetricSign"), `no value and no binding: ${actions.join(" ")}`);
    assert.deepEqual(updated.versions.map((v) => v.versionId), ["v1"]);
  });

  it("rotates through RotateSecret once per VersionId, reads both stages by version id, and changes the policy without rotating", async () => {
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    await k.store.managed!.create(ecsInput());
    await k.store.managed!.rotate(ecsName, "r-1");
    await k.emulator.control.settleRotations();
    await k.store.managed!.rotate(ecsName, "r-1");
    await k.emulator.control.settleRotations();
    const meta = (await k.store.describeSecret(ecsName))!;
    assert.deepEqual(meta.versions.map((v) => [v.versionId, v.stages]), [["v1", ["ACSPrevious"]], ["r-1", ["ACSCurrent"]]]);
    const current = await k.store.getValue(ecsName);
    assert.equal(current.versionId, "r-1");
    assert.ok(k.emulator.control.windowsLogin(windows, "Administrator", JSON.parse(current.value).Password));
    assert.equal((await k.store.getValue(ecsName, { versionId: "v1" })).versionId, "v1");
    await expectError(k.store.getValue(ecsName, { versionId: "nope" }), "VersionNotFound");
    assert.ok(meta.managed?.lastRotatedAt);

    await k.store.managed!.setRotation(ecsName, undefined);
    assert.equal((await k.store.describeSecret(ecsName))!.managed?.automaticRotation, "Disabled");
    await k.store.managed!.setRotation(ecsName, 12 * 3600);
    const after = (await k.store.describeSecret(ecsName))!;
    assert.equal(after.managed?.rotationIntervalSeconds, 12 * 3600);
    assert.equal(after.versions.length, 2, "a policy change rotates nothing");
  });

  it("names the missing service role and how to create it, creating nothing", async () => {
    await expectError(k.store.managed!.create(ecsInput()), "CloudRejected", { message: /AliyunServiceRoleForKMSSecretsManagerForECS.*CreateServiceLinkedRole --ServiceName secretsmanager-ecs\.kms\.aliyuncs\.com.*nothing was created/ });
    await expectError(
      k.store.managed!.create(ramInput("kmsstore-app")),
      "CloudRejected",
      { message: /AliyunKMSManageRAMCredentialsRole/, property: "rotatedBy" },
    );
    assert.deepEqual(await k.store.listSecrets({ includePendingDeletion: true }), []);
  });

  it("creates a RAMCredentials secret as $Auto and answers the name KMS gave it", async () => {
    k.emulator.control.createKmsRamCredentialsRole();
    const input = ramInput("kmsstore-ram");
    const made = await k.store.managed!.create(input);
    assert.equal(made.name, "acs/ram/user/kmsstore-ram");
    assert.equal(made.managed?.extendedConfig.UserName, "kmsstore-ram");
    assert.equal(made.managed?.automaticRotation, "Disabled");
    assert.equal(JSON.parse((await k.store.getValue(made.name)).value).AccessKeyId, JSON.parse(input.value).AccessKeys[0].AccessKeyId);
  });

  it("refuses a RotateSecret past KMS's hourly limit, saying so", async () => {
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    await k.store.managed!.create(ecsInput());
    for (let i = 0; i < 50; i++) {
      await k.store.managed!.rotate(ecsName, `r-${i}`);
      await k.emulator.control.settleRotations();
    }
    await expectError(k.store.managed!.rotate(ecsName, "r-50"), "CloudRejected", { message: /at most 50 rotations of one secret per hour/ });
  });

  it("refuses a create past the KMS instance's secret quota, creating nothing", async () => {
    await k.dispose();
    k = await startKmsEmulatorStore({ emulator: { kmsInstances: [{ instanceId: "kst-kmsstore1", secretQuota: 0 }] }, dkmsInstanceId: "kst-kmsstore1" });
    k.emulator.control.registerInstance({ instanceId: windows, privateIp: "127.0.31.29", osType: "windows", windowsAccounts: { Administrator: "Win-Initial-Passw0rd" } });
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    await expectError(k.store.managed!.create(ecsInput()), "CloudRejected", { message: /KMS instance kst-kmsstore1 is full.*nothing was created/ });
    assert.deepEqual(await k.store.listSecrets({ includePendingDeletion: true }), []);
  });
});
