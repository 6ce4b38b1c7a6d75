import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { managedSecrets } from "../../examples/managed-secrets/program";
import { sandboxStackConfig, startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { startSourceProviderHost, type SourceProviderHost } from "../../testkit/provider-host/source-provider-host";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";

/**
 * The README's sandbox walk-through minus the Pulumi CLI: examples/managed-secrets
 * with Pulumi.dev.yaml plus exactly the config `npm run sandbox` prints, its
 * registrations sent (as the engine sends them: secrets in plaintext, with
 * `__provider`) to @pulumi/pulumi's dynamic-provider host, against the sandbox.
 */

const PROJECT = "managed-secrets-example";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrap = (v: unknown) => (typeof v === "object" && v !== null && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v);

type Registered = { type: string; name: string; inputs: Record<string, unknown> };

describe("examples/managed-secrets against the sandbox, through the dynamic-provider host", function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let provider: SourceProviderHost;
  const registered: Registered[] = [];

  before(async () => {
    requireRootForHosts();
    [sandbox, provider] = await Promise.all([startSandbox(), startSourceProviderHost("dev")]);
    pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, name: args.name, inputs: Object.fromEntries(Object.entries(args.inputs).map(([k, v]) => [k, unwrap(v)])) });
          return { id: args.name, state: {} };
        },
        call: (args) => {
          throw new Error(`unexpected call ${args.token}`);
        },
      },
      PROJECT,
      "dev",
      false,
    );
  });
  after(async () => Promise.all([provider?.stop(), sandbox?.stop()]));

  it("adopts every credential the sandbox hands out, and a refresh right after shows no changes", async () => {
    const yaml = require(require.resolve("js-yaml", { paths: [require.resolve("@pulumi/pulumi")] })) as { load(text: string): unknown };
    const dev = (yaml.load(readFileSync(join(__dirname, "..", "..", "examples", "managed-secrets", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
    const entries = sandboxStackConfig(sandbox);
    const full = (key: string) => (key.includes(":") ? key : `${PROJECT}:${key}`);
    const config = { ...Object.fromEntries(Object.entries(dev).map(([k, v]) => [k, String(v)])), ...Object.fromEntries(entries.map((e) => [full(e.key), e.value])) };
    pulumi.runtime.setAllConfig(config, entries.filter((e) => e.secret).map((e) => full(e.key)));

    const { summary } = managedSecrets();
    await new Promise((resolve) => summary.apply(resolve));
    assert.equal(registered.length, 4);

    // What the engine would send the provider's Configure: the stack's config, secrets decrypted.
    await provider.host.configure(config);
    const results = await Promise.all(
      registered.map(async (r) => {
        const urn = `urn:pulumi:dev::${PROJECT}::${r.type}::${r.name}`;
        const checked = await provider.host.check(urn, {}, r.inputs);
        assert.deepEqual(checked.failures, [], r.name);
        const created = await provider.host.create(urn, checked.inputs);
        const refreshed = await provider.host.read(urn, created.id, created.properties);
        const diff = await provider.host.diff(urn, created.id, refreshed.properties, checked.inputs);
        return [created.id, created.properties.versionId, created.properties.rotationPeriodSeconds, diff.changes];
      }),
    );
    assert.deepEqual(results.sort(), [
      ["ecs/i-sandboxweb1/root", "v1", 7 * 86400, "none"],
      ["ecs/i-sandboxweb1/root-key", "v1", 7 * 86400, "none"],
      ["ecs/i-sandboxweb2/root", "v1", 7 * 86400, "none"],
      ["ram/app-ci", "v1", 86400, "none"],
    ]);
  });
});
