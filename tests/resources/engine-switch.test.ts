import { strict as assert } from "node:assert";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createRunningTestClock } from "../../testkit/clock/test-clock";
import { stsClient } from "../../testkit/emulator/sdk-clients";
import { targetRegistry, type RuntimeContext } from "../../provider/context/runtime-context";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { loginWith } from "../support/ecs-fixtures";

/**
 * Switching a declared secret between engines (rotatedBy "product" <-> "kms")
 * as `pulumi up` runs it: diff says replace, delete before create; the old
 * secret is scheduled for deletion with its recovery window, and the new one
 * starts from the credential the old one held, however many rotations past the
 * program's initial value, with nothing changed on the target. Both
 * directions, for an ECS user on a real sshd host (through Cloud Assistant)
 * and for a RAM user.
 */
describe("switching engines keeps the credential that works (emulator, real host)", function () {
  this.timeout(120_000);
  let host: StartedSshHost;
  let k: KmsEmulatorStore;
  let ctx: RuntimeContext;
  const instanceId = "i-engineswitch1";
  const settings = { rotatedBy: "product" as const, store: "kms" as const };
  const saved = { ca: process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS, kms: process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS };

  before(async () => {
    requireRootForHosts();
    process.env.MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS = "50";
    process.env.MANAGED_SECRETS_KMS_ROTATION_POLL_MS = "50";
    host = await startSshHost({ users: [{ name: "bob", password: "Bob-Initial-Passw0rd" }] });
    const clock = createRunningTestClock();
    k = await startKmsEmulatorStore({ clock });
    k.emulator.control.registerInstance({ instanceId, privateIp: host.host, nsPid: host.nsPid });
    k.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    k.emulator.control.createKmsRamCredentialsRole();
    ctx = { store: k.store, targets: targetRegistry(), clock, owner: "switch-test", cloud: () => k.cloud };
  });
  after(async () => {
    for (const [env, value] of [["MANAGED_SECRETS_CLOUD_ASSISTANT_POLL_MS", saved.ca], ["MANAGED_SECRETS_KMS_ROTATION_POLL_MS", saved.kms]] as const) {
      if (value === undefined) delete process.env[env];
      else process.env[env] = value;
    }
    await k?.dispose();
    await host?.stop();
  });

  const shadowHash = async () => (await host.readFile("/etc/shadow")).split("\n").find((l) => l.startsWith("bob:"))!.split(":")[1]!;

  it("ECS: product -> kms -> product, each new secret starting from the old one's current password; the host is not touched by a switch", async () => {
    const base = { instanceId, managedUser: "bob", credentialType: "password", initialValue: "Bob-Initial-Passw0rd", connection: { transport: "cloudAssistant", region: k.emulator.regionId } };
    const product = await ecs.create(base, ctx);
    const rotated = (await ecs.update(product.id, product.outs, { ...base, rotationTrigger: "p1" }, ctx)).outs;
    assert.notEqual(rotated.value, base.initialValue);

    // pulumi up with rotatedBy "kms": replace, delete first, then create from the same program inputs.
    const toKms = { ...base, rotatedBy: "kms" };
    const verdict = await ecs.diff(product.id, rotated, toKms, settings);
    assert.deepEqual([verdict.replaces?.includes("rotatedBy"), verdict.deleteBeforeReplace], [true, true]);
    const hashBefore = await shadowHash();
    await ecs.remove(product.id, rotated, ctx);
    const kms = await ecs.create(toKms, ctx);
    assert.equal(kms.id, `acs/ecs/${instanceId}/bob`);
    assert.equal(kms.outs.value, rotated.value, "starts from the old secret's current password, not the program's initial one");
    assert.equal(await shadowHash(), hashBefore, "nothing changed on the host");
    assert.ok((await k.store.describeSecret(product.id))?.plannedDeleteAt, "the old secret is scheduled for deletion");
    assert.deepEqual((await ecs.read(kms.id, kms.outs, ctx)).props!.health, { healthy: true, problems: [] });

    // KMS rotates; then back to the product's engine.
    const kmsRotated = (await ecs.update(kms.id, kms.outs, { ...toKms, rotationTrigger: "k1" }, ctx)).outs;
    assert.equal(await loginWith(host, "bob", { password: kmsRotated.value }), true);
    const back = await ecs.diff(kms.id, kmsRotated, base, settings);
    assert.deepEqual([back.replaces?.includes("rotatedBy"), back.deleteBeforeReplace], [true, true]);
    const kmsHash = await shadowHash();
    await ecs.remove(kms.id, kmsRotated, ctx);
    // The product's secret of this name is in its recovery window: its create restores it, and takes the credential KMS holds.
    const again = await ecs.create(base, ctx);
    assert.equal(again.id, product.id);
    assert.equal(again.outs.value, kmsRotated.value);
    assert.equal(await shadowHash(), kmsHash);
    assert.ok((await k.store.describeSecret(kms.id))?.plannedDeleteAt);
  });

  it("RAM: product -> kms -> product, each new secret starting from the key the old one held", async () => {
    k.emulator.control.createUser({ name: "switch-app" });
    const initial = k.emulator.control.createAccessKey("switch-app");
    const base = { userName: "switch-app", initialAccessKeyId: initial.accessKeyId, initialAccessKeySecret: initial.accessKeySecret, previousKeyAction: "delete" };
    const product = await ram.create(base, ctx);
    const rotated = (await ram.update(product.id, product.outs, { ...base, rotationTrigger: "p1" }, ctx)).outs;
    assert.notEqual(rotated.accessKeyId, initial.accessKeyId);

    const { previousKeyAction: _p, ...kmsInputs } = { ...base, rotatedBy: "kms" };
    assert.equal((await ram.diff(product.id, rotated, kmsInputs, settings)).deleteBeforeReplace, true);
    await ram.remove(product.id, rotated, ctx);
    const kms = await ram.create(kmsInputs, ctx);
    assert.equal(kms.outs.accessKeyId, rotated.accessKeyId, "KMS's secret lists the key the product's held");
    const kmsRotated = (await ram.update(kms.id, kms.outs, { ...kmsInputs, rotationTrigger: "k1" }, ctx)).outs;

    await ram.remove(kms.id, kmsRotated, ctx);
    const again = await ram.create(base, ctx);
    assert.equal(again.outs.accessKeyId, kmsRotated.accessKeyId);
    const signed = await stsClient(k.emulator, { accessKeyId: again.outs.accessKeyId, accessKeySecret: again.outs.accessKeySecret }).getCallerIdentity();
    assert.match(signed.body?.arn ?? "", /switch-app/);
  });
});
