import { targetRegistry } from "../../provider/context/runtime-context";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sandboxStackConfig, startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { openStore } from "../../provider/context/open-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { createExampleStack } from "../support/example-stack";
import { createPulumiProject, packPackage, type CommandResult, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";
import { requireRootForHosts, startSshHost, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { stsClient } from "../../testkit/emulator/sdk-clients";
import { loginWith } from "../support/ecs-fixtures";

/**
 * The same example with `managed-secrets:store: kms` in stack config: the real
 * engine hands the provider the store kind, region, endpoint and the admin key
 * (a --secret value), and the secrets land in KMS Secrets Manager (emulator).
 * Beside it, on the same sandbox, a program whose secrets KMS rotates itself
 * (`managed-secrets:rotatedBy: kms`, fixtures/kms-engine-program.ts): an
 * instance user's password through Cloud Assistant on a real sshd host, and a
 * RAM user's AccessKey.
 */

const STACK = "kms";
const output = (r: CommandResult) => `${r.stdout}\n${r.stderr}`;

const ENGINE_STACK = "kms-engine";
const ENGINE_INSTANCE = "i-kmsengine1";
const ENGINE_USER = "app";
const ENGINE_RAM_USER = "app-kms-engine";

/** A project running fixtures/kms-engine-program.ts with the kms store and the kms engine as the stack's default. */
async function createKmsEngineStack(sandbox: Sandbox, tarball: string, host: StartedSshHost, password: string): Promise<PulumiProject> {
  const project = await createPulumiProject({
    name: "kms-engine-example",
    files: { "index.ts": readFileSync(join(__dirname, "fixtures", "kms-engine-program.ts"), "utf8") },
    tarball,
  });
  try {
    await project.pulumiOk(["stack", "init", ENGINE_STACK]);
    sandbox.emulator.control.registerInstance({ instanceId: ENGINE_INSTANCE, privateIp: host.host, nsPid: host.nsPid });
    // What KMS acts through: the ECS service-linked role and the RAM service role (README: "Who rotates").
    sandbox.emulator.control.createServiceLinkedRole("secretsmanager-ecs.kms.aliyuncs.com");
    sandbox.emulator.control.createKmsRamCredentialsRole();
    sandbox.emulator.control.createUser({ name: ENGINE_RAM_USER });
    const key = sandbox.emulator.control.createAccessKey(ENGINE_RAM_USER);
    const provider = sandboxStackConfig(sandbox).filter((e) => e.key.startsWith("managed-secrets:"));
    await project.setConfig(ENGINE_STACK, {
      ...Object.fromEntries(provider.filter((e) => !e.secret).map((e) => [e.key, e.value])),
      "managed-secrets:store": "kms",
      "managed-secrets:bindingKeyId": sandbox.bindingKeyId,
      "managed-secrets:rotatedBy": "kms",
      instanceId: ENGINE_INSTANCE,
      managedUser: ENGINE_USER,
      region: sandbox.cloud.regionId,
      ramUserName: ENGINE_RAM_USER,
      ramAccessKeyId: key.accessKeyId,
    });
    for (const e of provider) if (e.secret) await project.setSecret(ENGINE_STACK, e.key, e.value);
    await project.setSecret(ENGINE_STACK, "appPassword", password);
    await project.setSecret(ENGINE_STACK, "ramAccessKeySecret", key.accessKeySecret);
    return project;
  } catch (e) {
    await project.stop();
    throw e;
  }
}

describe("the real Pulumi CLI: the kms store from stack config", function () {
  this.timeout(600_000);
  let sandbox: Sandbox;
  let project: PulumiProject;
  let kms: SecretStore;
  let engineHost: StartedSshHost;
  let engine: PulumiProject;
  const names = ["ecs/i-kms1/root", "ram/app-kms"];
  const appPassword = "App-Initial-Passw0rd-1";

  before(async () => {
    requireRootForHosts();
    [sandbox, engineHost] = await Promise.all([
      startSandbox({ instances: [{ name: "web1", instanceId: "i-kms1" }], ramUserName: "app-kms" }),
      startSshHost({ users: [{ name: ENGINE_USER, password: appPassword }] }),
    ]);
    const tarball = await packPackage();
    // As a production stack configures it: the kms store, and the key its targets are bound with.
    [project, engine] = await Promise.all([
      createExampleStack({
        sandbox,
        tarball,
        stack: STACK,
        config: { "managed-secrets:store": "kms", "managed-secrets:bindingKeyId": sandbox.bindingKeyId },
      }),
      createKmsEngineStack(sandbox, tarball, engineHost, appPassword),
    ]);
    kms = openStore({ store: "kms", bindingKeyId: sandbox.bindingKeyId }, undefined, () => sandbox.cloud, targetRegistry().boundKeys);
  });
  after(async () => {
    await Promise.all([project?.stop(), engine?.stop()]);
    await Promise.all([sandbox?.stop(), engineHost?.stop()]);
  });

  it("creates the secrets in KMS, changes nothing on a second up, and schedules their deletion on destroy", async () => {
    const up = await project.pulumi(["up", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(up.code, 0, output(up));
    const metas = await kms.listSecrets();
    assert.deepEqual(metas.map((m) => m.name).sort(), names);
    // Nothing went to the local store the sandbox also configures.
    const local = openStore({ store: "local", localPath: sandbox.store.path, passphrase: sandbox.store.passphrase });
    assert.deepEqual(await local.listSecrets().catch(() => []), []);

    const again = await project.pulumi(["up", "--yes", "--expect-no-changes"], { stack: STACK });
    assert.equal(again.code, 0, output(again));
    const drift = await project.pulumi(["preview", "--refresh", "--expect-no-changes"], { stack: STACK });
    assert.equal(drift.code, 0, output(drift));

    const destroyed = await project.pulumi(["destroy", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(destroyed.code, 0, output(destroyed));
    for (const meta of await kms.listSecrets({ includePendingDeletion: true })) {
      const days = (Date.parse(meta.plannedDeleteAt!) - Date.now()) / 86_400_000;
      assert.ok(days > 6.9 && days < 7.1, `${meta.name}: ${days} days`);
    }
  });

  it("rotatedBy kms from stack config: KMS's own ECS and RAMCredentials secrets; a new rotationTrigger makes KMS rotate on pulumi up; preview --refresh stays green; destroy schedules their deletion", async () => {
    const ecsName = `acs/ecs/${ENGINE_INSTANCE}/${ENGINE_USER}`;
    const ramName = `acs/ram/user/${ENGINE_RAM_USER}`;
    const up = await engine.pulumi(["up", "--yes", "--skip-preview"], { stack: ENGINE_STACK });
    assert.equal(up.code, 0, output(up));
    const created = await Promise.all([ecsName, ramName].map(async (n) => (await kms.describeSecret(n))?.managed?.secretType));
    assert.deepEqual(created, ["ECS", "RAMCredentials"]);
    const firstKey = JSON.parse((await kms.getValue(ramName)).value) as { AccessKeyId: string; AccessKeySecret: string };

    await engine.setConfig(ENGINE_STACK, { rotateNow: "1" });
    const rotate = await engine.pulumi(["up", "--yes", "--skip-preview"], { stack: ENGINE_STACK });
    assert.equal(rotate.code, 0, output(rotate));
    const password = (JSON.parse((await kms.getValue(ecsName)).value) as { Password: string }).Password;
    assert.notEqual(password, appPassword);
    assert.equal(await loginWith(engineHost, ENGINE_USER, { password }), true, "KMS's new password logs in");
    assert.equal(await loginWith(engineHost, ENGINE_USER, { password: appPassword }), false, "the old one is refused");
    const key = JSON.parse((await kms.getValue(ramName)).value) as { AccessKeyId: string; AccessKeySecret: string };
    assert.notEqual(key.AccessKeyId, firstKey.AccessKeyId);
    const signed = await stsClient(sandbox.emulator, { accessKeyId: key.AccessKeyId, accessKeySecret: key.AccessKeySecret }).getCallerIdentity();
    assert.match(signed.body?.arn ?? "", new RegExp(ENGINE_RAM_USER));
    const state = await engine.backendText();
    assert.ok(!state.includes(password) && !state.includes(key.AccessKeySecret), "Pulumi state keeps the rotated credentials only as secrets");

    // The RAM rotation is still in KMS's window (the old key works for two days): under way, not drift.
    const drift = await engine.pulumi(["preview", "--refresh", "--expect-no-changes"], { stack: ENGINE_STACK });
    assert.equal(drift.code, 0, output(drift));

    const destroyed = await engine.pulumi(["destroy", "--yes", "--skip-preview"], { stack: ENGINE_STACK });
    assert.equal(destroyed.code, 0, output(destroyed));
    for (const name of [ecsName, ramName]) {
      const planned = (await kms.describeSecret(name))?.plannedDeleteAt;
      const days = (Date.parse(planned ?? "") - Date.now()) / 86_400_000;
      assert.ok(days > 6.9 && days < 7.1, `${name}: ${days} days`);
    }
  });
});
