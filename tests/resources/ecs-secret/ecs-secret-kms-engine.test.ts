import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../../testkit/sshd/ssh-host";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../../testkit/store/kms-emulator-store";
import { createRunningTestClock } from "../../../testkit/clock/test-clock";
import { targetRegistry, type RuntimeContext } from "../../../provider/context/runtime-context";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { runOnce } from "../../../provider/runner/run-once";
import { sha512Crypt } from "../../../provider/targets/ecs-host/sha512-crypt";
import { GENERATED_PASSWORD_LENGTH } from "../../../provider/credentials/generate-password";
import { expectError } from "../../support/expect-error";
import { loginWith } from "../../support/ecs-fixtures";
import { generateKeyPair } from "../../../provider/credentials/generate-key-pair";

/**
 * EcsSecret with rotatedBy "kms": a KMS secret of type ECS that KMS rotates
 * itself (the emulator's KMS runs its own Cloud Assistant command on a real
 * sshd host for Linux, and changes a simulated Windows instance's account
 * table), through the real KMS, ECS and CloudMonitor clients. Logins from
 * outside over SSH say whether a password really changed.
 */
describe("EcsSecret rotated by KMS (emulator, real host, simulated Windows)", function () {
  this.timeout(120_000);
  let host: StartedSshHost;
  let k: KmsEmulatorStore;
  let ctx: RuntimeContext;
  const linux = "i-kmsengine1";
  const windows = "i-kmsenginewin1";
  const kmsSettings = { rotatedBy: "product" as const, store: "kms" as const };
  const savedPoll = { ca: process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS, kms: process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS };

  before(async () => {
    requireRootForHosts();
    process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
    process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS = "50";
    host = await startSshHost({ users: [{ name: "alice", password: "Alice-Initial-Passw0rd" }] });
    rsaKey = (await generateKeyPair("rsa-2048")).privateKey;
  });
  after(async () => {
    for (const [env, value] of [["MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS", savedPoll.ca], ["MANAGED_SECRETS_KMS_ROTATION_POLL_MS", savedPoll.kms]] as const) {
      if (value === undefined) delete process.env[env];
      else process.env[env] = value;
    }
    await host?.stop();
  });
  beforeEach(async () => {
    const clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    k.emulator.control.registerInstance({ instanceId: linux, privateIp: host.host, nsPid: host.nsPid });
    k.emulator.control.registerInstance({ instanceId: windows, privateIp: "127.0.31.39", osType: "windows", windowsAccounts: { Administrator: "Win-Initial-Passw0rd" } });
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "test", cloud: () => k.cloud };
  });
  afterEach(async () => k?.dispose());

  const inputs = (overrides: Record<string, unknown> = {}) => ({
    instanceId: linux,
    managedUser: "alice",
    credentialType: "password",
    initialValue: alicePassword,
    connection: { transport: "cloudAssistant", region: k.emulator.regionId },
    rotatedBy: "kms",
    ...overrides,
  });
  let alicePassword = "Alice-Initial-Passw0rd";
  let rsaKey = "";
  const shadowHash = async (user: string) => (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith(`${user}:`))!.split(":")[1]!;

  it("creates a KMS ECS secret; a rotationTrigger makes KMS rotate once (a retried update does not rotate again); the new password logs in, the old one is refused", async () => {
    const made = await ecs.create(inputs({ rotationPeriod: "30d" }), ctx);
    assert.equal(made.id, `acs/ecs/${linux}/alice`);
    assert.equal(made.outs.rotatedBy, "kms");
    assert.equal(made.outs.value, alicePassword);
    assert.equal(made.outs.automaticRotation, true);
    assert.equal(made.outs.rotationPeriodSeconds, 30 * 86_400);
    const meta = (await k.store.describeSecret(made.id))!;
    assert.equal(meta.managed?.secretType, "ECS");
    assert.deepEqual([meta.managed?.extendedConfig.InstanceId, meta.managed?.extendedConfig.SecretSubType], [linux, "Password"]);

    const refreshed = (await ecs.read(made.id, made.outs, ctx)).props!;
    assert.deepEqual(refreshed.health, { healthy: true, problems: [] });
    assert.deepEqual(await ecs.diff(made.id, refreshed, inputs({ rotationPeriod: "30d" }), kmsSettings), { changes: false, replaces: [], deleteBeforeReplace: false });

    const rotated = (await ecs.update(made.id, refreshed, inputs({ rotationPeriod: "30d", rotationTrigger: "r1" }), ctx)).outs;
    assert.equal(rotated.value.length, GENERATED_PASSWORD_LENGTH);
    assert.notEqual(rotated.versionId, made.outs.versionId);
    assert.equal(sha512Crypt(rotated.value, await shadowHash("alice")), await shadowHash("alice"));
    assert.equal(await loginWith(host, "alice", { password: rotated.value }), true);
    assert.equal(await loginWith(host, "alice", { password: alicePassword }), false);
    alicePassword = rotated.value;
    // The engine lost the answer and asks again: the same VersionId, which KMS already has.
    const again = (await ecs.update(made.id, refreshed, inputs({ rotationPeriod: "30d", rotationTrigger: "r1" }), ctx)).outs;
    assert.equal(again.value, rotated.value);
    assert.equal((await k.store.describeSecret(made.id))!.versions.length, 2);

    // A new period is KMS's rotation policy: no rotation.
    const period = (await ecs.update(made.id, again, inputs({ rotationPeriod: "7d", rotationTrigger: "r1" }), ctx)).outs;
    assert.equal(period.rotationPeriodSeconds, 7 * 86_400);
    assert.equal(period.value, rotated.value);
  });

  it("a password changed behind KMS's back is drift, which pulumi up repairs by asking KMS to rotate; a changed interval is drift too", async () => {
    const made = await ecs.create(inputs({ rotationPeriod: "30d" }), ctx);
    await host.exec(`echo 'alice:Changed-Behind-Kms-1' | chpasswd`);
    const refreshed = (await ecs.read(made.id, made.outs, ctx)).props!;
    assert.deepEqual(refreshed.health?.problems, ["rejected"]);
    assert.equal((await ecs.diff(made.id, refreshed, inputs({ rotationPeriod: "30d" }), kmsSettings)).changes, true);
    const repaired = (await ecs.update(made.id, refreshed, inputs({ rotationPeriod: "30d" }), ctx)).outs;
    assert.equal(await loginWith(host, "alice", { password: repaired.value }), true);
    alicePassword = repaired.value;
    assert.deepEqual((await ecs.read(made.id, repaired, ctx)).props!.health, { healthy: true, problems: [] });

    await k.store.managed!.setRotation(made.id, 14 * 86_400);
    const settings = (await ecs.read(made.id, repaired, ctx)).props!;
    assert.equal(settings.rotationPeriodSeconds, 14 * 86_400);
    assert.equal((await ecs.diff(made.id, settings, inputs({ rotationPeriod: "30d" }), kmsSettings)).changes, true);
  });

  it("refresh refuses an ExtendedConfig naming another instance than the stack declares (TargetUnverified), sending nothing", async () => {
    const made = await ecs.create(inputs(), ctx);
    const declaredElsewhere = { ...made.outs, instanceId: "i-someotherone" };
    const refreshed = (await ecs.read(made.id, declaredElsewhere, ctx)).props!;
    assert.deepEqual(refreshed.health?.problems, ["target-unverified"]);
  });

  it("Windows: rotates Administrator's password (simulated account table); health rests on KMS's record; a key pair is refused before anything is created", async () => {
    const win = { instanceId: windows, managedUser: "Administrator", initialValue: "Win-Initial-Passw0rd" };
    const made = await ecs.create(inputs(win), ctx);
    assert.equal(made.id, `acs/ecs/${windows}/Administrator`);
    const rotated = (await ecs.update(made.id, made.outs, inputs({ ...win, rotationTrigger: 1 }), ctx)).outs;
    assert.equal(k.emulator.control.windowsLogin(windows, "Administrator", rotated.value), true);
    assert.equal(k.emulator.control.windowsLogin(windows, "Administrator", "Win-Initial-Passw0rd"), false);
    assert.deepEqual((await ecs.read(made.id, rotated, ctx)).props!.health, { healthy: true, problems: [] });

    const check = await ecs.check({}, inputs({ ...win, credentialType: "keyPair", initialValue: rsaKey }), kmsSettings);
    assert.deepEqual(check.failures?.map((f) => f.property), ["credentialType"]);
    // A POSIX name passes check; the instance's OS, read before anything is created, refuses the key pair.
    await expectError(ecs.create(inputs({ instanceId: windows, managedUser: "alice", credentialType: "keyPair", initialValue: rsaKey }), ctx), "InvalidInput", { property: "credentialType" });
    assert.deepEqual((await k.store.listSecrets()).map((m) => m.name), [made.id]);
  });

  it("a failed KMS rotation fails the update with KMS's error code and is a health problem carrying it", async () => {
    const made = await ecs.create(inputs({ instanceId: windows, managedUser: "Nobody", initialValue: "Any-Passw0rd-1" }), ctx);
    await expectError(ecs.update(made.id, made.outs, inputs({ instanceId: windows, managedUser: "Nobody", initialValue: "Any-Passw0rd-1", rotationTrigger: "x" }), ctx), "RotationTestFailed", { message: /AccountNotExists/ });
    const refreshed = (await ecs.read(made.id, made.outs, ctx)).props!;
    assert.deepEqual(refreshed.health?.problems, ["failing"]);
  });

  it("refuses at check what KMS cannot do, naming each property; and at create a missing service role and an instance in another region, creating nothing", async () => {
    const failures = async (overrides: Record<string, unknown>, settings = kmsSettings) => ((await ecs.check({}, inputs(overrides), settings)).failures ?? []).map((f) => f.property);
    assert.deepEqual(await failures({}, { rotatedBy: "product", store: "local" as never }), ["rotatedBy"]);
    assert.deepEqual(await failures({ connection: { host: host.host, hostKeyFingerprint: host.hostKeyFingerprint } }), ["connection.transport"]);
    assert.ok((await failures({ customValue: "Chosen-Passw0rd-12345" })).includes("customValue"));
    assert.deepEqual(await failures({ credentialType: "keyPair", keyAlgorithm: "ed25519", initialValue: rsaKey }), ["keyAlgorithm"]);
    assert.deepEqual(await failures({ secretName: "ecs/mine" }), ["secretName"]);
    assert.deepEqual(await failures({ rotatedBy: "product", managedUser: "Administrator" }), ["managedUser"]);

    await k.dispose();
    const clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    k.emulator.control.registerInstance({ instanceId: linux, privateIp: host.host, nsPid: host.nsPid, regionId: "cn-shanghai" });
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "test", cloud: () => k.cloud };
    await expectError(ecs.create(inputs(), ctx), "TargetNotFound", { property: "connection.region" });
    await expectError(ecs.create(inputs({ connection: { transport: "cloudAssistant", region: "cn-shanghai" } }), ctx), "CloudRejected", { message: /AliyunServiceRoleForKMSSecretsManagerForECS/ });
    assert.deepEqual(await k.store.listSecrets({ includePendingDeletion: true }), []);
  });

  it("the runner leaves a secret KMS rotates alone, saying why", async () => {
    const made = await ecs.create(inputs({ rotationPeriod: "7d" }), ctx);
    const report = await runOnce({ store: k.store, clock: ctx.clock, owner: "runner", targetFor: (m) => ctx.targets.targetFor(m, ctx), at: new Date(Date.now() + 30 * 86_400_000) });
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status]), [[made.id, "skipped"]]);
    assert.match(report.outcomes[0]!.reason, /rotated by KMS itself/);
  });
});
