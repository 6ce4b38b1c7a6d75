import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as $Ram from "@alicloud/ram20150501";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { createTestStore, type TestStore } from "../../testkit/store/test-store";
import type { StartedProviderHost, Props } from "../../testkit/provider-host/dynamic-provider-host";
import { serializeBuiltProvider, startEngineHost, type EngineHost } from "../support/engine-host";
import { runOnce } from "../../provider/runner/run-once";
import { targetFromMetadata } from "../../provider/context/runtime-context";
import { ramClient } from "../../testkit/emulator/sdk-clients";
import { startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";

const REPO = resolve(__dirname, "..", "..");
const ECS_URN = "urn:pulumi:ci::project::pulumi-nodejs:dynamic/alicloud-managed-secrets:EcsSecret::web-root";
const RAM_URN = "urn:pulumi:ci::project::pulumi-nodejs:dynamic/alicloud-managed-secrets:RamSecret::app-key";
/** What one dynamic resource adds to every state file. */
const PROVIDER_BUDGET_BYTES = 8 * 1024;

/**
 * `pulumi preview --refresh --expect-no-changes`, minus the engine: Read each
 * resource with its last outputs, then Diff the refreshed outputs against the
 * program's inputs, over gRPC through @pulumi/pulumi's own dynamic-provider
 * host. The run must be green when only scheduled rotation happened, and red
 * for each kind of real drift.
 */
describe("Refresh cycles through the dynamic-provider host: drift is a change, scheduled rotation is not", function () {
  let host: StartedSshHost;
  let cloud: RamEmulator;
  let t: TestStore;
  let engine: EngineHost;
  let provider: StartedProviderHost;
  const serialized: Record<"ecs" | "ram", { text: string; containsSecrets: boolean }> = {} as never;
  const credentials: string[] = [];

  before(async function () {
    requireRootForHosts();
    serialized.ecs = await serializeBuiltProvider("ecs");
    serialized.ram = await serializeBuiltProvider("ram");
    host = await startSshHost();
    t = await createTestStore();
    cloud = await startRamEmulator();
    engine = await startEngineHost(t, { cloud: cloud.settings });
    provider = engine.provider;
    credentials.push(host.rootPassword, t.passphrase, cloud.settings.accessKeySecret!);
  });
  after(async () => {
    await engine?.stop();
    await host?.stop();
    await cloud?.stop();
    await t?.[Symbol.asyncDispose]();
  });

  /** Read then Diff, as a refreshing preview does; returns the diff and the refreshed outputs. */
  async function refresh(urn: string, id: string, outputs: Props, inputs: Props) {
    const read = await provider.read(urn, id, outputs);
    if (!read.id) return { gone: true as const };
    return { gone: false as const, props: read.properties, diff: await provider.diff(urn, id, read.properties, inputs) };
  }

  async function ecsResource(secretName: string, extra: Props = {}) {
    const inputs: Props = {
      __provider: serialized.ecs.text,
      // One instance id per secret: the product allows one secret per credential, and these share the one test host.
      instanceId: `i-${secretName.replace(/[^A-Za-z0-9]/g, "")}`,
      managedUser: "root",
      credentialType: "password",
      secretName,
      initialValue: host.rootPassword,
      connection: { host: host.host, port: host.port, hostKeyFingerprint: host.hostKeyFingerprint, admin: { user: "root", password: host.rootPassword } },
      rotationPeriod: "7d",
      ...extra,
    };
    const created = await provider.create(ECS_URN, (await provider.check(ECS_URN, {}, inputs)).inputs);
    return { inputs, id: created.id, outputs: created.properties };
  }

  it("ECS: healthy, then rotated by the runner on schedule: Read + Diff report no change", async () => {
    const r = await ecsResource("ci/healthy");
    const healthy = await refresh(ECS_URN, r.id, r.outputs, r.inputs);
    assert.deepEqual(healthy.gone ? "gone" : healthy.diff.changes, "none");

    // The runner rotates it between deploys (its schedule moved back to make it due now).
    await t.store.updateSecret(r.id, { metadata: { nextRotationAt: new Date(Date.now() - 3_600_000).toISOString() } });
    const ctx = t.context("runner");
    const run = await runOnce({ store: t.store, clock: () => new Date(), owner: "runner", targetFor: (m) => targetFromMetadata(m, ctx), prefix: "ci/healthy" });
    assert.deepEqual(run.outcomes.map((o) => o.status), ["rotated"]);
    const rotated = await refresh(ECS_URN, r.id, r.outputs, r.inputs);
    assert.ok(!rotated.gone);
    assert.equal(rotated.props.versionId, "v2");
    assert.equal(rotated.diff.changes, "none", "a scheduled rotation is not drift");
    credentials.push(rotated.props.value as string);
    Object.assign(host, { rootPassword: rotated.props.value });
  });

  it("ECS drift, each a change: rejected credential, out-of-band settings, overdue, pending deletion; gone reads as deleted", async () => {
    const r = await ecsResource("ci/drifting");

    await host.exec("chpasswd", { stdin: "root:Changed-By-Hand-4\n" });
    const rejected = await refresh(ECS_URN, r.id, r.outputs, r.inputs);
    assert.ok(!rejected.gone);
    assert.deepEqual([rejected.props.health, rejected.diff.changes], [{ healthy: false, problems: ["rejected"] }, "some"]);
    // The update the next `pulumi up` makes repairs it through the admin connection.
    const adminNow = { ...r.inputs, connection: { ...(r.inputs.connection as object), admin: { user: "root", password: "Changed-By-Hand-4" } } };
    const repaired = await provider.update(ECS_URN, r.id, rejected.props, adminNow);
    assert.equal(repaired.properties.versionId, "v2");
    credentials.push(repaired.properties.value as string);
    Object.assign(host, { rootPassword: repaired.properties.value });
    const inputs = { ...r.inputs, connection: { ...(r.inputs.connection as object), admin: { user: "root", password: host.rootPassword } } };
    const clean = await refresh(ECS_URN, r.id, repaired.properties, inputs);
    assert.equal(clean.gone ? "gone" : clean.diff.changes, "none");

    await t.store.updateSecret(r.id, { metadata: { rotationPeriodSeconds: String(90 * 86400) } });
    const settings = await refresh(ECS_URN, r.id, repaired.properties, inputs);
    assert.equal(settings.gone ? "gone" : settings.diff.changes, "some");
    const reapplied = await provider.update(ECS_URN, r.id, (settings as { props: Props }).props, inputs);

    await t.store.updateSecret(r.id, { metadata: { nextRotationAt: new Date(Date.now() - 3 * 86400_000).toISOString() } });
    const overdue = await refresh(ECS_URN, r.id, reapplied.properties, inputs);
    assert.ok(!overdue.gone);
    assert.deepEqual([overdue.props.health, overdue.diff.changes], [{ healthy: false, problems: ["overdue"] }, "some"]);
    const caughtUp = await provider.update(ECS_URN, r.id, overdue.props, inputs);
    credentials.push(caughtUp.properties.value as string);
    Object.assign(host, { rootPassword: caughtUp.properties.value });

    await t.store.deleteSecret(r.id, { recoveryWindowDays: 7 });
    const deleted = await refresh(ECS_URN, r.id, caughtUp.properties, inputs);
    assert.equal(deleted.gone ? "gone" : deleted.diff.changes, "some");

    await t.store.deleteSecret(r.id, { force: true });
    assert.deepEqual(await refresh(ECS_URN, r.id, caughtUp.properties, inputs), { gone: true });
  });

  it("RAM: healthy is no change; a key disabled out of band is a change", async () => {
    const { userName, key } = userWithKey(cloud);
    credentials.push(key.accessKeySecret);
    const inputs: Props = { __provider: serialized.ram.text, userName, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "30d" };
    const created = await provider.create(RAM_URN, (await provider.check(RAM_URN, {}, inputs)).inputs);
    const healthy = await refresh(RAM_URN, created.id, created.properties, inputs);
    assert.equal(healthy.gone ? "gone" : healthy.diff.changes, "none");
    await ramClient(cloud.emu).updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName, userAccessKeyId: key.accessKeyId, status: "Inactive" }));
    const disabled = await refresh(RAM_URN, created.id, created.properties, inputs);
    assert.ok(!disabled.gone);
    assert.deepEqual([disabled.props.accessKeyStatus, disabled.diff.changes], ["Inactive", "some"]);
  });

  it("guards: __provider is small, holds no secret, and the host's output shows no credential", () => {
    for (const kind of ["ecs", "ram"] as const) {
      const { text, containsSecrets } = serialized[kind];
      assert.equal(containsSecrets, false);
      assert.ok(Buffer.byteLength(text) < PROVIDER_BUDGET_BYTES, `${kind} __provider is ${Buffer.byteLength(text)} bytes`);
      for (const c of credentials) assert.ok(!text.includes(c));
    }
    for (const c of credentials) assert.ok(!provider.stderr().includes(c), "the host's output shows no credential");
  });

  it("the runtime loads with only the package's own dependencies (no devDependency is reached)", () => {
    // Exercise every lazy require the runtime has, in a fresh process, then list the packages it pulled in.
    const probe = `
      const rt = require(${JSON.stringify(resolve(REPO, "dist", "provider", "runtime.js"))});
      require(${JSON.stringify(resolve(REPO, "dist", "provider", "store", "kms", "kms-store.js"))});
      require(${JSON.stringify(resolve(REPO, "dist", "provider", "alicloud", "ram-client.js"))});
      require(${JSON.stringify(resolve(REPO, "dist", "provider", "alicloud", "sts-client.js"))});
      require(${JSON.stringify(resolve(REPO, "dist", "provider", "alicloud", "kms-client.js"))});
      require(${JSON.stringify(resolve(REPO, "dist", "provider", "ssh", "ssh-session.js"))});
      require("ssh2"); require("@alicloud/ram20150501"); require("@alicloud/sts20150401"); require("@alicloud/openapi-core");
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const loaded: string[] = JSON.parse(execFileSync(process.execPath, ["-e", probe], { cwd: REPO, encoding: "utf8", env: { PATH: process.env.PATH } }));
    const modules = `${REPO}/node_modules/`;
    const top = new Set(loaded.filter((p) => p.startsWith(modules)).map((p) => /^((?:@[^/]+\/)?[^/]+)\//.exec(p.slice(modules.length))?.[1]).filter((p): p is string => p !== undefined));
    const pkg = JSON.parse(readFileSync(resolve(REPO, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    const prod = new Set(productionPackages().map((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(p)?.[1]).filter((p): p is string => p !== undefined));
    // `debug` (used by SDK dependencies) probes for supports-color inside a try/catch: present here only through mocha/c8.
    const optionalProbes = new Set(["supports-color", "has-flag"]);
    const outside = [...top].filter((p) => !prod.has(p) && !optionalProbes.has(p));
    assert.deepEqual(outside, [], `the runtime reached packages outside the production dependency tree (devDependencies: ${Object.keys(pkg.devDependencies).join(", ")})`);
    assert.ok(top.has("ssh2") && top.has("@alicloud/ram20150501"), [...top].join(" "));
  });
});

/** Every installed path in the production dependency tree (`npm ls --omit=dev --all --parseable`). */
function productionPackages(): string[] {
  let out: string;
  try {
    out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch (e) {
    // npm ls exits non-zero for peer-dependency remarks but still prints the tree.
    out = String((e as { stdout?: string }).stdout ?? "");
  }
  return out.split("\n").filter(Boolean);
}
