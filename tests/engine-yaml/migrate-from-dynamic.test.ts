import { strict as assert } from "node:assert";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openStore } from "../../provider/context/open-store";
import { ECS_SECRET_TOKEN, RAM_SECRET_TOKEN } from "../../provider/plugin/package-schema";
import type { SecretStore } from "../../provider/store/secret-store";
import { createPluginWorkspace } from "../../testkit/pulumi/plugin-project";
import { packPackage, REPO_ROOT, type CommandResult, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";
import type { PulumiWorkspace } from "../../testkit/pulumi/pulumi-workspace";
import { startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";
import { createExampleStack } from "../support/example-stack";
import { lifecycleConfig, RESOURCE_NAMES, SECRET_NAMES, storedCredentials } from "../support/plugin-lifecycle";

/**
 * The README's "Migrating from the dynamic resources", step by step with the
 * real CLI: a stack of examples/managed-secrets (the TypeScript dynamic
 * resources from npm pack) hands its secrets to a YAML stack of the plugin's
 * resources (examples/plugin-yaml/Pulumi.yaml, plus an `import` option per
 * resource) sharing its local store. Nothing may rotate, be deleted or be
 * scheduled for deletion on the way.
 */

const STACK = "dev";
const output = (r: CommandResult) => `${r.stdout}\n${r.stderr}`;

interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly outputs?: Record<string, unknown>;
}

describe("migrating a stack from the dynamic resources to the provider plugin: nothing rotated, nothing scheduled for deletion (real CLI)", function () {
  this.timeout(900_000);
  let sandbox: Sandbox;
  let store: SecretStore;
  let dynamic: PulumiProject;
  let plugin: PulumiWorkspace;
  let program: string;
  const original: Record<string, { versionId: string; value: string }> = {};

  const current = async (name: string) => {
    const meta = (await store.describeSecret(name))!;
    const versionId = meta.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId;
    return { versionId, value: (await store.getValue(name, { versionId })).value, plannedDeleteAt: meta.plannedDeleteAt };
  };
  const field = (value: string, key: string) => (JSON.parse(value) as Record<string, string>)[key]!;
  const loginAsRoot = (secret: { password: string } | { privateKey: string }) => {
    const host = sandbox.instances[0]!.host;
    return tryLogin({ host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, username: "root", ...secret });
  };
  const resources = async (ws: PulumiWorkspace) =>
    (JSON.parse((await ws.pulumiOk(["stack", "export"], { stack: STACK })).stdout) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
  /** Every secret as it was before the migration: same version, same value, not scheduled for deletion. */
  const untouched = async (when: string) => {
    for (const name of SECRET_NAMES) {
      const now = await current(name);
      assert.equal(now.plannedDeleteAt, undefined, `${name} was scheduled for deletion ${when}`);
      assert.equal(now.versionId, original[name]!.versionId, `${name} rotated ${when}`);
      assert.equal(now.value, original[name]!.value, `${name} changed ${when}`);
    }
  };

  before(async () => {
    requireRootForHosts();
    const [started, tarball, ws] = await Promise.all([
      startSandbox({ instances: [{ name: "web1", instanceId: "i-sandboxweb1", keyPair: true }] }),
      packPackage(),
      createPluginWorkspace({ languageHost: "yaml" }),
    ]);
    [sandbox, plugin] = [started, ws];
    store = openStore({ store: "local", localPath: sandbox.store.path, passphrase: sandbox.store.passphrase });
    // The dynamic stack declares what the YAML program does: periods, window, previous key action, trigger.
    dynamic = await createExampleStack({
      sandbox,
      tarball,
      stack: STACK,
      config: { ecsRotationPeriod: "7d", ramRotationPeriod: "7d", recoveryWindowDays: "7", ramPreviousKeyAction: "deactivate", rotateNow: "initial" },
    });
    program = await readFile(join(REPO_ROOT, "examples", "plugin-yaml", "Pulumi.yaml"), "utf8");
    await writeFile(join(plugin.dir, "Pulumi.yaml"), program);
    await plugin.pulumiOk(["stack", "init", STACK]);
    // The same store: the dynamic stack's managed-secrets:* settings, in the plugin's namespace.
    const config = lifecycleConfig(sandbox);
    await plugin.setConfig(STACK, Object.fromEntries(Object.entries(config).filter(([, v]) => !v.secret).map(([k, v]) => [k, v.value])));
    for (const [k, v] of Object.entries(config)) if (v.secret) await plugin.setSecret(STACK, k, v.value);
  });
  after(async () => {
    await dynamic?.stop();
    await plugin?.stop();
    await sandbox?.stop();
  });

  it("the dynamic stack creates an ECS password, an ECS key pair and a RAM secret", async () => {
    const up = await dynamic.pulumi(["up", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(up.code, 0, output(up));
    for (const name of SECRET_NAMES) original[name] = await current(name);
    assert.deepEqual(Object.values(original).map((s) => s.versionId), ["v1", "v1", "v1"]);
  });

  it("the plugin stack imports them by secret name: one up (import, and an update that records the program's trigger and admin connection), nothing rotated; the next up changes nothing", async () => {
    let importing = program;
    for (const [secret, resource] of Object.entries(RESOURCE_NAMES)) {
      importing = importing.replace(new RegExp(`^  ${resource}:\\n`, "m"), `  ${resource}:\n    options:\n      import: ${secret}\n`);
    }
    assert.equal(importing.match(/^ {6}import: /gm)?.length, SECRET_NAMES.length, "examples/plugin-yaml changed shape: update the import options");

    // A name the store does not hold (a wrong store setting, a typo) is no resource: nothing is created from initialValue.
    await writeFile(join(plugin.dir, "Pulumi.yaml"), importing.replace(`import: ${SECRET_NAMES[0]}\n`, "import: ecs/i-sandboxweb1/no-such\n"));
    const missing = await plugin.pulumi(["preview"], { stack: STACK });
    assert.notEqual(missing.code, 0, output(missing));
    assert.match(output(missing), /resource 'ecs\/i-sandboxweb1\/no-such' does not exist/);
    assert.equal(await store.describeSecret("ecs/i-sandboxweb1/no-such"), undefined);

    await writeFile(join(plugin.dir, "Pulumi.yaml"), importing);

    const up = await plugin.pulumi(["up", "--yes"], { stack: STACK });
    assert.equal(up.code, 0, output(up));
    const summary = output(up).slice(output(up).lastIndexOf("Resources:"));
    assert.match(summary, /= 3 imported/, summary);
    assert.match(summary, /~ 3 updated/, summary);
    assert.doesNotMatch(summary, /replaced|deleted/, summary);
    await untouched("by the import");

    const state = await resources(plugin);
    const secrets = state.filter((r) => r.type === ECS_SECRET_TOKEN || r.type === RAM_SECRET_TOKEN);
    assert.equal(secrets.length, SECRET_NAMES.length);
    for (const r of secrets) {
      assert.equal(r.outputs!.rotationTrigger, "initial", `${r.urn}: the program's trigger is not recorded`);
      assert.equal(r.outputs!.imported, undefined, `${r.urn} still waits for its first update`);
    }
    const again = await plugin.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"], { stack: STACK });
    assert.equal(again.code, 0, output(again));
  });

  it("the old stack forgets them (pulumi state delete), then is destroyed and removed: no secret scheduled for deletion, none rotated", async () => {
    const urns = (await resources(dynamic)).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).map((r) => r.urn);
    assert.equal(urns.length, SECRET_NAMES.length);
    // As the README shows them (pulumi stack --show-urns).
    for (const urn of urns) assert.match(urn, /^urn:pulumi:dev::managed-secrets-example::pulumi-nodejs:dynamic\/alicloud-managed-secrets:(EcsSecret|RamSecret)::[\w-]+$/);
    await dynamic.pulumiOk(["state", "delete", "--yes", ...urns], { stack: STACK });
    const destroyed = await dynamic.pulumi(["destroy", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(destroyed.code, 0, output(destroyed));
    await dynamic.pulumiOk(["stack", "rm", "--yes"], { stack: STACK });
    await untouched("by the old stack's removal");
    assert.equal(await loginAsRoot({ password: field(original[SECRET_NAMES[0]]!.value, "Password") }), true);
    assert.equal(await loginAsRoot({ privateKey: field(original[SECRET_NAMES[1]]!.value, "PrivateKey") }), true);
  });

  it("the plugin stack's preview --refresh --expect-no-changes is green; rotate-now through the plugin (import options gone) rotates all three", async () => {
    const drift = await plugin.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"], { stack: STACK });
    assert.equal(drift.code, 0, output(drift));

    // The program as examples/plugin-yaml has it: the import options did their work once.
    await writeFile(join(plugin.dir, "Pulumi.yaml"), program);
    await plugin.setConfig(STACK, { rotateNow: "incident-1" });
    const rotate = await plugin.pulumi(["up", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(rotate.code, 0, output(rotate));
    for (const name of SECRET_NAMES) assert.equal((await current(name)).versionId, "v2", name);
    const password = (s: { value: string }) => ({ password: field(s.value, "Password") });
    assert.equal(await loginAsRoot(password(await current(SECRET_NAMES[0]))), true, "the new password logs in");
    assert.equal(await loginAsRoot(password(original[SECRET_NAMES[0]]!)), false, "the old password still logs in");

    const backend = await plugin.backendText();
    for (const c of [...sandbox.credentials(), ...(await storedCredentials(store))]) assert.ok(!backend.includes(c), "a credential is in the plugin stack's backend");
  });
});
