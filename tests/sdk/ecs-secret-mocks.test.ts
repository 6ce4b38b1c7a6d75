import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { EcsSecret } from "../..";
import { ecsSecretProvider } from "../../provider/resources/ecs-secret/ecs-secret-provider";
import { ecsSecretProps } from "../../sdk/ecs-secret";
import { mockResources } from "../support/pulumi-mocks";

const PASSWORD = "Mock-Root-Password-42";
const ADMIN_PASSWORD = "Mock-Admin-Password-43";
const CUSTOM = "Mock-Custom-Value-44";

/** The serialized provider Pulumi puts into state as `__provider`; 8 KB is our budget. */
const PROVIDER_BUDGET_BYTES = 8 * 1024;

describe("EcsSecret under pulumi.runtime.setMocks", () => {
  const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];

  before(() => {
    mockResources(registered, (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, versionId: "v1" } }));
  });

  it("registers the dynamic resource with a small __provider that holds no credential", async () => {
    const secret = new EcsSecret("web-1-root", {
      instanceId: "i-bp1mock",
      managedUser: "root",
      credentialType: "password",
      initialValue: PASSWORD,
      customValue: CUSTOM,
      connection: { host: "10.0.0.5", hostKeyFingerprint: `SHA256:${"B".repeat(43)}`, admin: { user: "root", password: ADMIN_PASSWORD } },
      rotationPeriod: "30d",
    });
    const id = await new Promise((resolve) => secret.id.apply(resolve));
    assert.equal(id, "web-1-root-id");
    const reg = registered.find((r) => r.name === "web-1-root");
    assert.ok(reg);
    assert.equal(reg.type, "pulumi-nodejs:dynamic/alicloud-managed-secrets:EcsSecret");
    const provider = reg.inputs.__provider;
    assert.equal(typeof provider, "string");
    const text = provider as string;
    assert.ok(Buffer.byteLength(text) < PROVIDER_BUDGET_BYTES, `__provider is ${Buffer.byteLength(text)} bytes`);
    assert.match(text, /require\("alicloud-managed-secrets\/runtime"\)/);
    assert.match(text, /with\(\{ entry: "ecsSecret",/);
    for (const credential of [PASSWORD, ADMIN_PASSWORD, CUSTOM]) assert.ok(!text.includes(credential));
  });

  it("serializeFunction of the provider captures no secret and stays within budget", async () => {
    // As pulumi.dynamic.Resource does: close over the object itself, not over a module binding.
    const provider = ecsSecretProvider;
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.equal(serialized.containsSecrets, false);
    assert.ok(serialized.text.length < PROVIDER_BUDGET_BYTES);
    assert.ok(!/ssh2|@alicloud|zod/.test(serialized.text.replace(/require\("alicloud-managed-secrets\/runtime"\)/g, "")), "no SDK is captured");
  });

  it("wraps every credential input as a Pulumi secret, even when given as a plain string", async () => {
    const props = ecsSecretProps({
      instanceId: "i-bp1mock",
      managedUser: "root",
      credentialType: "password",
      initialValue: PASSWORD,
      customValue: CUSTOM,
      connection: { host: "10.0.0.5", hostKeyFingerprint: `SHA256:${"B".repeat(43)}`, admin: { user: "root", password: ADMIN_PASSWORD } },
    });
    const isSecret = (o: unknown) => (o as { isSecret: Promise<boolean> }).isSecret;
    assert.equal(await isSecret(props.initialValue), true);
    assert.equal(await isSecret(props.customValue), true);
    assert.equal(await isSecret(props.connection), true);
    const noAdmin = ecsSecretProps({
      instanceId: "i-bp1mock", managedUser: "root", credentialType: "password", initialValue: PASSWORD,
      connection: { host: "10.0.0.5", hostKeyFingerprint: `SHA256:${"B".repeat(43)}` },
    });
    assert.equal(await isSecret(noAdmin.connection), false, "a connection without admin credentials stays readable");
  });

  it("loading the package entry does not load ssh2, zod or a cloud SDK (checked in a fresh process)", () => {
    // Other test files load ssh2 into this process, so look from a clean one.
    const probe = `require("alicloud-managed-secrets"); console.log(JSON.stringify(Object.keys(require.cache)))`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--conditions=ms-source", "-e", probe], { encoding: "utf8" });
    const loaded: string[] = JSON.parse(out);
    assert.ok(loaded.some((p) => p.endsWith("sdk/ecs-secret.ts")), "the probe loaded the SDK");
    assert.deepEqual(loaded.filter((p) => /node_modules\/(ssh2|zod|@alicloud|pino)\//.test(p)), []);
  });
});
