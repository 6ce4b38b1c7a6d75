import { strict as assert } from "node:assert";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_NAME } from "../../provider/plugin/package-schema";
import { createPluginWorkspace, installPlugin } from "../../testkit/pulumi/plugin-project";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";
import type { CommandResult, PulumiWorkspace } from "../../testkit/pulumi/pulumi-workspace";
import { pluginLifecycle, type ConfigEntry, type LifecycleDriver, type OpOptions } from "../support/plugin-lifecycle";

/**
 * examples/plugin-yaml/Pulumi.yaml under the real Pulumi CLI and Pulumi's own
 * YAML language host (scripts/pulumi-yaml.sh), with the plugin installed from
 * its tarball as a user installs it: nothing of ours between the engine and
 * the program but the plugin itself.
 */

const STACK = "dev";
const text = (r: CommandResult) => ({ code: r.code, text: `${r.stdout}\n${r.stderr}` });

async function yamlDriver(): Promise<LifecycleDriver> {
  const ws = await createPluginWorkspace({ languageHost: "yaml" });
  await copyFile(join(REPO_ROOT, "examples", "plugin-yaml", "Pulumi.yaml"), join(ws.dir, "Pulumi.yaml"));
  await ws.pulumiOk(["stack", "init", STACK]);
  const set: Record<string, string> = {};
  const flags = (o: OpOptions = {}) => [...(o.refresh ? ["--refresh"] : []), ...(o.expectNoChanges ? ["--expect-no-changes"] : [])];
  return {
    async setConfig(config: Readonly<Record<string, ConfigEntry>>) {
      const changed = Object.entries(config).filter(([k, v]) => set[k] !== `${v.secret}:${v.value}`);
      await ws.setConfig(STACK, Object.fromEntries(changed.filter(([, v]) => !v.secret).map(([k, v]) => [k, v.value])));
      for (const [k, v] of changed) if (v.secret) await ws.setSecret(STACK, k, v.value);
      for (const [k, v] of changed) set[k] = `${v.secret}:${v.value}`;
    },
    up: async (o) => text(await ws.pulumi(["up", "--yes", "--skip-preview", ...flags(o)], { stack: STACK })),
    preview: async (o) => text(await ws.pulumi(["preview", "--diff", ...flags(o)], { stack: STACK })),
    destroy: async () => text(await ws.pulumi(["destroy", "--yes", "--skip-preview"], { stack: STACK })),
    exportState: async () => (await ws.pulumiOk(["stack", "export"], { stack: STACK })).stdout,
    backendText: () => ws.backendText(),
    stop: () => ws.stop(),
  };
}

describe("YAML under the real engine: the plugin, the YAML language host, the CLI", function () {
  this.timeout(900_000);
  pluginLifecycle(() => yamlDriver(), { full: true });
});

describe("YAML: bad input and a missing plugin get errors that name the property or the plugin; an explicit provider configures its resources", function () {
  this.timeout(600_000);
  let ws: PulumiWorkspace;
  const program = (properties: string) =>
    `name: bad-input\nruntime: yaml\nresources:\n  s1:\n    type: ${PACKAGE_NAME}:EcsSecret\n    properties:\n${properties}`;
  const ecs = (over: Record<string, string | undefined>) => {
    const props: Record<string, string | undefined> = {
      instanceId: "i-bp1abcdefghijk",
      managedUser: "root",
      credentialType: "password",
      initialValue: "{ fn::secret: Initial-Passw0rd-1 }",
      connection: `{ host: 127.0.0.1, hostKeyFingerprint: "SHA256:${"A".repeat(43)}" }`,
      ...over,
    };
    return Object.entries(props).filter(([, v]) => v !== undefined).map(([k, v]) => `      ${k}: ${v}\n`).join("");
  };
  const preview = async (properties: string) => {
    await writeFile(join(ws.dir, "Pulumi.yaml"), program(properties));
    const r = await ws.pulumi(["preview"], { stack: STACK });
    assert.notEqual(r.code, 0, `${properties}\npassed:\n${r.stdout}`);
    return `${r.stdout}\n${r.stderr}`;
  };

  before(async () => {
    ws = await createPluginWorkspace({ languageHost: "yaml", withoutPlugin: true });
    await writeFile(join(ws.dir, "Pulumi.yaml"), program(ecs({})));
    await ws.pulumiOk(["stack", "init", STACK]);
    await ws.setConfig(STACK, { [`${PACKAGE_NAME}:localPath`]: join(ws.dir, "store.enc") });
  });
  after(() => ws?.stop());

  it("without the plugin installed, the error names the plugin the program needs", async () => {
    try {
      // Pulumi's words (the YAML host loads the schema from the plugin): the README says how to install it.
      assert.match(await preview(ecs({})), /no resource plugin 'pulumi-resource-alicloud-managed-secrets' found in the workspace or on your \$PATH/);
    } finally {
      await installPlugin(ws);
    }
  });

  it("a missing required input, a wrong enum value and a plain-text credential each name the property", async () => {
    assert.match(await preview(ecs({ instanceId: undefined })), /Missing required property 'instanceId'/);
    assert.match(await preview(ecs({ credentialType: "passwd" })), /credentialType[\s\S]*Allowed values are Password \("password"\), KeyPair \("keyPair"\)/);
    const plain = await preview(ecs({ connection: `{ host: 127.0.0.1, hostKeyFingerprint: "SHA256:${"A".repeat(43)}", admin: { user: root, password: Admin-Passw0rd-1 } }` }));
    assert.match(plain, /connection\.admin\.password is a credential and arrived as plain text/);
    assert.ok(!plain.includes("Admin-Passw0rd-1"), "the plain-text credential is printed");
    // The provider's own check, past YAML's type checker: a value the schema's type allows and the resource does not.
    assert.match(await preview(ecs({ recoveryWindowDays: "6" })), /recoveryWindowDays[\s\S]*must be an integer 7\.\.30/);
  });

  it("an explicit provider resource's inputs are the configuration its resources get (over the stack's)", async () => {
    // The stack's config says an absolute localPath; the explicit provider a relative one, which the store refuses by name.
    await writeFile(
      join(ws.dir, "Pulumi.yaml"),
      `${program(ecs({}))}      recoveryWindowDays: 7\n    options:\n      provider: \${ms}\n  ms:\n    type: pulumi:providers:${PACKAGE_NAME}\n    properties:\n      localPath: relative/store.enc\n      passphrase: { fn::secret: not-used-1 }\n`,
    );
    const r = await ws.pulumi(["up", "--yes", "--skip-preview"], { stack: STACK });
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(`${r.stdout}\n${r.stderr}`, /InvalidInput: alicloud-managed-secrets:localPath must be an absolute path or start with ~\//);
  });
});
