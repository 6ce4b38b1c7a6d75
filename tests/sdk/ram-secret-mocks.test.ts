import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { RamSecret, RAM_SECRET_OUTPUTS } from "../..";
import { ramSecretProvider } from "../../provider/resources/ram-secret/ram-secret-provider";
import { ramSecretProps } from "../../sdk/ram-secret";
import { mockResources } from "../support/pulumi-mocks";

const SECRET = "Mock-Adopted-Secret-0123456789";

/** The serialized provider Pulumi puts into state as `__provider`; the same 8 KB budget as EcsSecret's. */
const PROVIDER_BUDGET_BYTES = 8 * 1024;

describe("RamSecret under pulumi.runtime.setMocks", () => {
  const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];
  const options = new Map<string, pulumi.CustomResourceOptions>();
  // An in-process transformation sees the options the class registered with (mocks do not report them).
  const spy: pulumi.ResourceTransformation = (args) => {
    options.set(args.name, args.opts as pulumi.CustomResourceOptions);
    return undefined;
  };

  before(() => {
    mockResources(registered, (args) => ({
      id: `${args.name}-id`,
      state: { ...args.inputs, versionId: "v1", accessKeyId: args.inputs.initialAccessKeyId, accessKeySecret: args.inputs.initialAccessKeySecret },
    }));
  });

  it("registers the dynamic resource with a small __provider that holds no credential", async () => {
    const secret = new RamSecret("app-key", {
      userName: "app",
      initialAccessKeyId: "LTAI5tMockMockMockMockMock",
      initialAccessKeySecret: SECRET,
      rotationPeriod: "30d",
      previousKeyAction: "deactivate",
    }, { transformations: [spy] });
    assert.equal(await new Promise((resolve) => secret.id.apply(resolve)), "app-key-id");
    const reg = registered.find((r) => r.name === "app-key");
    assert.ok(reg);
    assert.equal(reg.type, "pulumi-nodejs:dynamic/alicloud-managed-secrets:RamSecret");
    const text = reg.inputs.__provider as string;
    assert.equal(typeof text, "string");
    assert.ok(Buffer.byteLength(text) < PROVIDER_BUDGET_BYTES, `__provider is ${Buffer.byteLength(text)} bytes`);
    // The shim calls the runtime's ramSecret entry, named by the one value it captures.
    assert.match(text, /with\(\{ entry: "ramSecret",/);
    assert.match(text, /require\("alicloud-managed-secrets\/runtime"\)\[entry\]\.create\(inputs\)/);
    assert.ok(!text.includes(SECRET));
    assert.deepEqual(options.get("app-key")?.additionalSecretOutputs, [...RAM_SECRET_OUTPUTS]);
    assert.deepEqual([...RAM_SECRET_OUTPUTS], ["accessKeySecret"]);
  });

  it("serializeFunction of the provider captures no secret and no SDK, within budget", async () => {
    const provider = ramSecretProvider;
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.equal(serialized.containsSecrets, false);
    assert.ok(serialized.text.length < PROVIDER_BUDGET_BYTES);
    assert.ok(!/ssh2|@alicloud|zod/.test(serialized.text.replace(/require\("alicloud-managed-secrets\/runtime"\)/g, "")), "no SDK is captured");
  });

  it("wraps the adopted secret as a Pulumi secret, even when given as a plain string; the id stays readable", async () => {
    const props = ramSecretProps({ userName: "app", initialAccessKeyId: "LTAI5tMockMockMockMockMock", initialAccessKeySecret: SECRET });
    const isSecret = (o: unknown) => (o as { isSecret: Promise<boolean> }).isSecret;
    assert.equal(await isSecret(props.initialAccessKeySecret), true);
    assert.equal(props.initialAccessKeyId, "LTAI5tMockMockMockMockMock");
  });

  it("loading the package entry does not load zod, pino or a cloud SDK (checked in a fresh process)", () => {
    const probe = `require("alicloud-managed-secrets"); console.log(JSON.stringify(Object.keys(require.cache)))`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--conditions=ms-source", "-e", probe], { encoding: "utf8" });
    const loaded: string[] = JSON.parse(out);
    assert.ok(loaded.some((p) => p.endsWith("sdk/ram-secret.ts")), "the probe loaded the RAM SDK class");
    assert.deepEqual(loaded.filter((p) => /node_modules\/(ssh2|zod|@alicloud|pino)\//.test(p)), []);
  });
});
