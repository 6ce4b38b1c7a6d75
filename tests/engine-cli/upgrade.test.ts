import { strict as assert } from "node:assert";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { openStore } from "../../provider/context/open-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { createExampleStack } from "../support/example-stack";
import { packPackage, type CommandResult, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";

/**
 * A stack created by the previous published shape of the package (a tarball
 * packed from commit b6bd19f, the last one that landed before the real CLI
 * ran) keeps working after the project upgrades to this checkout: refresh and
 * read run the old `__provider` kept in state, create/update/diff the new one.
 */

const STACK = "dev";
const OLD_TARBALL = join(__dirname, "fixtures", "alicloud-managed-secrets-0.1.0-b6bd19f.tgz");
const output = (r: CommandResult) => `${r.stdout}\n${r.stderr}`;

describe("the real Pulumi CLI: a stack made by the previous release, upgraded to this one", function () {
  this.timeout(600_000);
  let sandbox: Sandbox;
  let project: PulumiProject;
  let store: SecretStore;
  const names = ["ecs/i-upgrade1/root", "ecs/i-upgrade1/root-key", "ram/app-upgrade"];

  before(async () => {
    requireRootForHosts();
    sandbox = await startSandbox({ instances: [{ name: "web1", instanceId: "i-upgrade1", keyPair: true }], ramUserName: "app-upgrade" });
    // The program as that release's example had it: upgrading the package does not rewrite a user's code.
    project = await createExampleStack({ sandbox, tarball: OLD_TARBALL, stack: STACK, programPath: join(__dirname, "fixtures", "program-b6bd19f.ts") });
    store = openStore({ store: "local", localPath: sandbox.store.path, passphrase: sandbox.store.passphrase });
  });
  after(async () => {
    await project?.stop();
    await sandbox?.stop();
  });

  it("creates with the old package, then refreshes, updates, rotates and destroys with the new one", async () => {
    const created = await project.pulumi(["up", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(created.code, 0, output(created));
    assert.deepEqual((await store.listSecrets()).map((m) => m.name).sort(), names);

    await project.install(await packPackage());
    const drift = await project.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"], { stack: STACK });
    assert.equal(drift.code, 0, `upgrading alone looks like drift: ${output(drift)}`);
    const refresh = await project.pulumi(["refresh", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(refresh.code, 0, output(refresh));

    // An update under the new package (rotate now) and its effect on the host.
    await project.setConfig(STACK, { rotateNow: "after-upgrade" });
    const rotated = await project.pulumi(["up", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(rotated.code, 0, output(rotated));
    const current = async (n: string) => JSON.parse((await store.getValue(n, { stage: "ACSCurrent" })).value) as Record<string, string>;
    const host = sandbox.instances[0]!.host;
    const login = { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: "root" };
    assert.equal(await tryLogin({ ...login, password: (await current(names[0]!)).Password! }), true);
    assert.equal(await tryLogin({ ...login, password: sandbox.instances[0]!.rootPassword }), false);
    assert.equal(await tryLogin({ ...login, privateKey: (await current(names[1]!)).PrivateKey! }), true);
    for (const n of names) assert.equal((await store.describeSecret(n))!.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId, "v2", n);

    const steady = await project.pulumi(["up", "--yes", "--expect-no-changes"], { stack: STACK });
    assert.equal(steady.code, 0, output(steady));
    const destroyed = await project.pulumi(["destroy", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(destroyed.code, 0, output(destroyed));
    for (const meta of await store.listSecrets({ includePendingDeletion: true })) assert.ok(meta.plannedDeleteAt, meta.name);
  });
});
