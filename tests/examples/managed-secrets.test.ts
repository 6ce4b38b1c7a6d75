import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { managedSecrets, type InstanceConfig } from "../../examples/managed-secrets/program";
import { mockResources } from "../support/pulumi-mocks";

/**
 * examples/managed-secrets under pulumi.runtime.setMocks, with the committed
 * stack files (Pulumi.dev.yaml, Pulumi.prod.yaml) as config, plus the values
 * the sandbox would give for dev.
 */

const EXAMPLE = join(__dirname, "..", "..", "examples", "managed-secrets");
const PROJECT = "managed-secrets-example";
const PROVIDER_BUDGET_BYTES = 8 * 1024;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const CREDENTIALS = {
  web1RootPassword: "Mock-Web1-Root-Password-1",
  web1RootPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nbW9jay1rZXktbWF0ZXJpYWw=\n-----END OPENSSH PRIVATE KEY-----\n",
  web2RootPassword: "Mock-Web2-Root-Password-2",
  ramAccessKeySecret: "MockRamAccessKeySecret0123456789",
};
const DEV_INSTANCES: InstanceConfig[] = [
  { name: "web1", instanceId: "i-sandboxweb1", host: "127.101.2.3", port: 40001, hostKeyFingerprint: `SHA256:${"A".repeat(43)}`, keyPair: true },
  { name: "web2", instanceId: "i-sandboxweb2", host: "127.101.2.4", port: 40002, hostKeyFingerprint: `SHA256:${"B".repeat(43)}` },
];

type Registered = { type: string; name: string; inputs: Record<string, unknown> };

/** A stack file's config as the engine hands it to the program: strings, objects as JSON. */
function stackConfig(stack: "dev" | "prod"): Record<string, string> {
  const yaml = require(require.resolve("js-yaml", { paths: [require.resolve("@pulumi/pulumi")] })) as { load(text: string): unknown };
  const doc = yaml.load(readFileSync(join(EXAMPLE, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function useConfig(config: Record<string, string>): void {
  const secrets = Object.fromEntries(Object.entries(CREDENTIALS).map(([k, v]) => [`${PROJECT}:${k}`, v]));
  pulumi.runtime.setAllConfig({ ...config, ...secrets }, Object.keys(secrets));
}

const isSecret = (v: unknown) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] !== undefined;
const unwrap = (v: unknown) => (isSecret(v) ? (v as { value: unknown }).value : v);

/** Runs the program and waits until every resource is registered. */
async function run(): Promise<Registered[]> {
  const before = registered.length;
  const { summary } = managedSecrets();
  await new Promise((resolve) => summary.apply(resolve));
  return registered.slice(before);
}

const registered: Registered[] = [];

describe("examples/managed-secrets (pulumi.runtime.setMocks)", () => {
  before(() => {
    mockResources(
      registered,
      (args) => {
        const inputs = Object.fromEntries(Object.entries(args.inputs).map(([k, v]) => [k, unwrap(v)]));
        const secretName = (inputs.secretName as string | undefined) ?? (inputs.userName ? `ram/${inputs.userName}` : `ecs/${inputs.instanceId}/${inputs.managedUser}`);
        return { id: secretName, state: { ...inputs, secretName, versionId: "v1", nextRotationAt: "2030-01-01T00:00:00.000Z" } };
      },
      PROJECT,
      "dev",
    );
  });

  it("dev: a root password per instance, root's key pair where asked, and the RAM key, on the dev periods", async () => {
    useConfig({
      ...stackConfig("dev"),
      [`${PROJECT}:instances`]: JSON.stringify(DEV_INSTANCES),
      [`${PROJECT}:ramUserName`]: "app-ci",
      [`${PROJECT}:ramAccessKeyId`]: "LTAI5tMockMockMockMockMo",
    });
    const resources = await run();
    assert.deepEqual(
      resources.map((r) => `${r.type.replace("pulumi-nodejs:dynamic/alicloud-managed-secrets:", "")} ${r.name}`).sort(),
      ["EcsSecret web1-root-key", "EcsSecret web1-root-password", "EcsSecret web2-root-password", "RamSecret app-ci-access-key"],
    );
    const byName = Object.fromEntries(resources.map((r) => [r.name, r.inputs]));
    const web1 = byName["web1-root-password"]!;
    assert.deepEqual(
      [web1.instanceId, web1.managedUser, web1.credentialType, web1.rotationPeriod, web1.recoveryWindowDays],
      ["i-sandboxweb1", "root", "password", "7d", 7],
    );
    assert.deepEqual(unwrap(web1.connection), { host: "127.101.2.3", port: 40001, hostKeyFingerprint: `SHA256:${"A".repeat(43)}` });
    const key = byName["web1-root-key"]!;
    assert.deepEqual([key.credentialType, key.secretName, key.rotationPeriod], ["keyPair", "ecs/i-sandboxweb1/root-key", "7d"], "the key pair gets its own secret name");
    assert.equal(byName["web2-root-key"], undefined, "no key pair where the instance does not ask for one");
    assert.equal(byName["web2-root-password"]!.connection && (unwrap(byName["web2-root-password"]!.connection) as { port: number }).port, 40002);
    const ram = byName["app-ci-access-key"]!;
    assert.deepEqual(
      [ram.userName, ram.initialAccessKeyId, ram.rotationPeriod, ram.previousKeyAction, ram.recoveryWindowDays],
      ["app-ci", "LTAI5tMockMockMockMockMo", "1d", "deactivate", 7],
    );
    assert.equal(web1.rotationTrigger, undefined, "no rotateNow: nothing rotates during `pulumi up`");
  });

  it("prod: the same program from Pulumi.prod.yaml, on longer periods and the full recovery window", async () => {
    useConfig(stackConfig("prod"));
    const resources = await run();
    const byName = Object.fromEntries(resources.map((r) => [r.name, r.inputs]));
    assert.deepEqual(Object.keys(byName).sort(), ["ci-deployer-access-key", "web1-root-key", "web1-root-password", "web2-root-password"]);
    for (const name of ["web1-root-password", "web1-root-key", "web2-root-password"]) {
      assert.deepEqual([byName[name]!.rotationPeriod, byName[name]!.recoveryWindowDays], ["30d", 30], name);
      assert.equal((unwrap(byName[name]!.connection) as { port: number }).port, 22, "port defaults to 22");
    }
    assert.deepEqual([byName["ci-deployer-access-key"]!.rotationPeriod, byName["ci-deployer-access-key"]!.previousKeyAction], ["90d", "keep"]);

    const dev = stackConfig("dev");
    const prod = stackConfig("prod");
    for (const key of ["ecsRotationPeriod", "ramRotationPeriod", "recoveryWindowDays"]) {
      assert.notEqual(dev[`${PROJECT}:${key}`], prod[`${PROJECT}:${key}`], `${key} differs between dev and prod`);
    }
    assert.equal(prod["managed-secrets:store"], "kms", "prod keeps its secrets in KMS, where the FC runner finds them");
  });

  it("rotateNow in config becomes every secret's rotationTrigger", async () => {
    useConfig({ ...stackConfig("prod"), [`${PROJECT}:rotateNow`]: "2026-11-22" });
    const resources = await run();
    assert.deepEqual([...new Set(resources.map((r) => r.inputs.rotationTrigger))], ["2026-11-22"]);
  });

  it("registers every credential as a secret, and none of them in __provider, which stays small", async () => {
    useConfig({ ...stackConfig("dev"), [`${PROJECT}:instances`]: JSON.stringify(DEV_INSTANCES), [`${PROJECT}:ramUserName`]: "app-ci", [`${PROJECT}:ramAccessKeyId`]: "LTAI5tMockMockMockMockMo" });
    const resources = await run();
    for (const r of resources) {
      const credentialInput = r.type.endsWith(":RamSecret") ? "initialAccessKeySecret" : "initialValue";
      assert.ok(isSecret(r.inputs[credentialInput]), `${r.name}.${credentialInput} is registered as a secret`);
      const provider = r.inputs.__provider;
      assert.equal(typeof provider, "string", `${r.name} carries its serialized provider`);
      assert.ok(Buffer.byteLength(provider as string) < PROVIDER_BUDGET_BYTES, `${r.name}: __provider is ${Buffer.byteLength(provider as string)} bytes`);
      assert.match(provider as string, /require\("alicloud-managed-secrets\/runtime"\)/);
      // Outside the secret wrappers, no credential appears anywhere in what is registered.
      const plain = JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => !isSecret(v))));
      for (const credential of Object.values(CREDENTIALS)) assert.ok(!plain.includes(credential), `${r.name} registers a credential in plaintext`);
    }
  });

  it("a missing setting fails with the key to set", async () => {
    useConfig({ [`${PROJECT}:ramRotationPeriod`]: "1d", [`${PROJECT}:instances`]: "[]" });
    assert.throws(() => managedSecrets(), /Missing required configuration variable 'managed-secrets-example:ecsRotationPeriod'/);
  });
});
