import { targetRegistry } from "../../provider/context/runtime-context";
import { strict as assert } from "node:assert";
import { startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { openStore } from "../../provider/context/open-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { createExampleStack } from "../support/example-stack";
import { packPackage, type CommandResult, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";

/**
 * The same example with `managed-secrets:store: kms` in stack config: the real
 * engine hands the provider the store kind, region, endpoint and the admin key
 * (a --secret value), and the secrets land in KMS Secrets Manager (emulator).
 */

const STACK = "kms";
const output = (r: CommandResult) => `${r.stdout}\n${r.stderr}`;

describe("the real Pulumi CLI: the kms store from stack config", function () {
  this.timeout(600_000);
  let sandbox: Sandbox;
  let project: PulumiProject;
  let kms: SecretStore;
  const names = ["ecs/i-kms1/root", "ram/app-kms"];

  before(async () => {
    requireRootForHosts();
    sandbox = await startSandbox({ instances: [{ name: "web1", instanceId: "i-kms1" }], ramUserName: "app-kms" });
    // As a production stack configures it: the kms store, and the key its targets are bound with.
    project = await createExampleStack({
      sandbox,
      tarball: await packPackage(),
      stack: STACK,
      config: { "managed-secrets:store": "kms", "managed-secrets:bindingKeyId": sandbox.bindingKeyId },
    });
    kms = openStore({ store: "kms", bindingKeyId: sandbox.bindingKeyId }, undefined, () => sandbox.cloud, targetRegistry().boundKeys);
  });
  after(async () => {
    await project?.stop();
    await sandbox?.stop();
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
});
