import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { chmod, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { openStore } from "../../provider/context/open-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { packPackage, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";
import { startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";
import { automationRunner, type AutomationRun } from "../support/automation-driver";
import { createExampleStack, EXAMPLE_PROJECT } from "../support/example-stack";

/**
 * examples/managed-secrets through the Node.js Automation API's inline
 * program (tests/engine-cli/node-automation-driver.cjs, run in the user's
 * project), so the engine path carries no code of ours: the dynamic resources
 * from npm pack, Pulumi's own dynamic-provider host, the real CLI. A trap
 * pulumi-language-nodejs first on PATH shows no language host is started.
 */

const STACK = "dev";
const execFileP = promisify(execFile);

describe("the real Pulumi CLI through the Node.js Automation API's inline program: examples/managed-secrets, no language host", function () {
  this.timeout(900_000);
  let sandbox: Sandbox;
  let project: PulumiProject;
  let store: SecretStore;
  let auto: AutomationRun;
  const trapped = () => readFile(join(project.dir, "..", "language-host-started"), "utf8").then(() => true, () => false);
  const names = ["ecs/i-sandboxweb1/root", "ecs/i-sandboxweb1/root-key", "ecs/i-sandboxweb2/root", "ram/app-ci"];

  before(async () => {
    requireRootForHosts();
    const [started, tarball] = await Promise.all([startSandbox(), packPackage()]);
    sandbox = started;
    project = await createExampleStack({ sandbox, tarball, stack: STACK });
    store = openStore({ store: "local", localPath: sandbox.store.path, passphrase: sandbox.store.passphrase });
    // The program as the project's own TypeScript compiles it (tsconfig.json: outDir bin).
    await execFileP(join(project.dir, "node_modules", ".bin", "tsc"), ["-p", project.dir], { env: project.env }).catch((e: { stdout?: string; message: string }) => {
      throw new Error(`tsc of the example failed: ${e.stdout ?? ""}${e.message}`);
    });
    const driver = join(project.dir, "automation.cjs");
    await copyFile(join(__dirname, "node-automation-driver.cjs"), driver);
    const trap = join(project.dir, "..", "trap");
    await execFileP("mkdir", ["-p", trap]);
    await writeFile(join(trap, "pulumi-language-nodejs"), `#!/bin/sh\necho started > ${join(project.dir, "..", "language-host-started")}\nexit 1\n`);
    await chmod(join(trap, "pulumi-language-nodejs"), 0o755);
    project.env.PATH = `${trap}:${project.env.PATH}`;
    auto = automationRunner([process.execPath, driver], project, EXAMPLE_PROJECT, () => ({}));
  });
  after(async () => {
    await project?.stop();
    await sandbox?.stop();
  });

  it("up creates every secret, a second up and preview --refresh --expect-no-changes find nothing, destroy schedules deletion; no language host ran", async () => {
    const up = await auto.run("up", "example");
    assert.equal(up.code, 0, up.text);
    assert.deepEqual((await store.listSecrets()).map((m) => m.name).sort(), names);
    const again = await auto.run("up", "example", { expectNoChanges: true });
    assert.equal(again.code, 0, again.text);
    const drift = await auto.run("preview", "example", { refresh: true, expectNoChanges: true });
    assert.equal(drift.code, 0, drift.text);

    const exported = (await project.pulumiOk(["stack", "export"], { stack: STACK })).stdout;
    for (const c of sandbox.credentials()) assert.ok(!exported.includes(c), "a credential is in the state");
    assert.equal(exported.match(/"type": "pulumi-nodejs:dynamic[^"]*"/g)?.length, names.length, "the dynamic resources are not in the state");

    const destroyed = await auto.run("destroy", "example");
    assert.equal(destroyed.code, 0, destroyed.text);
    for (const meta of await store.listSecrets({ includePendingDeletion: true })) assert.ok(meta.plannedDeleteAt, `${meta.name} not scheduled for deletion`);
    assert.equal(await trapped(), false, "a pulumi-language-nodejs was started");
  });
});
