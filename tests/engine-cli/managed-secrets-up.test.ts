import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import * as $Ram from "@alicloud/ram20150501";
import { sandboxCliEnv, startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { openStore } from "../../provider/context/open-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { ramClient, stsClient } from "../../testkit/emulator/sdk-clients";
import { startFlakyProxy, type StartedFlakyProxy } from "../support/flaky-proxy";
import { createExampleStack } from "../support/example-stack";
import { packPackage, type CommandResult, type PulumiProject } from "../../testkit/pulumi/pulumi-cli";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";

/**
 * examples/managed-secrets under the real Pulumi CLI (built from Go modules by
 * scripts/pulumi-cli.sh), installed from this package's `npm pack` tarball into
 * a fresh project, on a local file backend with a passphrase secrets provider,
 * against the sandbox (emulator, real sshd hosts, a RAM user).
 *
 * One stack lives through the whole story, so each step starts from the state
 * the one before it left, as a team's stack does.
 */

const STACK = "dev";
const execFileP = promisify(execFile);

const output = (r: CommandResult) => `${r.stdout}\n${r.stderr}`;

describe("the real Pulumi CLI: examples/managed-secrets from npm pack, local store", function () {
  this.timeout(900_000);
  let sandbox: Sandbox;
  let project: PulumiProject;
  let store: SecretStore;
  let web2Proxy: StartedFlakyProxy;
  const apiLog: string[] = [];
  const seen = new Set<string>();

  const secretNames = ["ecs/i-sandboxweb1/root", "ecs/i-sandboxweb1/root-key", "ecs/i-sandboxweb2/root", "ram/app-ci"];
  const current = async (name: string) => (await store.getValue(name, { stage: "ACSCurrent" })).value;
  /** Remembers every value the store has held, so the leak scans cover rotated ones too. */
  const remember = async () => {
    for (const meta of await store.listSecrets({ includePendingDeletion: true })) {
      for (const v of meta.versions) {
        const value = (await store.getValue(meta.name, { versionId: v.versionId })).value;
        const parsed = JSON.parse(value) as Record<string, string>;
        for (const k of ["Password", "PrivateKey", "AccessKeySecret"]) if (parsed[k]) seen.add(parsed[k]!);
      }
    }
  };
  const web = (name: "web1" | "web2") => sandbox.instances.find((i) => i.name === name)!;
  const loginAs = (name: "web1" | "web2", secret: { password: string } | { privateKey: string }) =>
    tryLogin({ host: web(name).host.host, port: web(name).host.port, hostKeyFingerprint: web(name).host.hostKeyFingerprint, username: "root", ...secret });
  const signs = async (pair: { accessKeyId: string; accessKeySecret: string }) => {
    try {
      return Boolean((await stsClient(sandbox.emulator, pair).getCallerIdentity()).body?.arn);
    } catch {
      return false;
    }
  };
  const ramPair = (value: string) => {
    const v = JSON.parse(value) as { AccessKeyId: string; AccessKeySecret: string };
    return { accessKeyId: v.AccessKeyId, accessKeySecret: v.AccessKeySecret };
  };
  const up = (...extra: string[]) => project.pulumi(["up", "--yes", "--skip-preview", ...extra], { stack: STACK });
  const driftCheck = () => project.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"], { stack: STACK });
  const cli = (args: string[]) =>
    execFileP(process.execPath, [join(project.dir, "node_modules", "alicloud-managed-secrets", "dist", "provider", "cli", "main.js"), ...args], {
      env: { PATH: process.env.PATH, ...sandboxCliEnv(sandbox) },
    });

  before(async () => {
    requireRootForHosts();
    const [started, tarball] = await Promise.all([startSandbox({ log: (line) => apiLog.push(line) }), packPackage()]);
    sandbox = started;
    // web2 is reached through a relay the test can cut, to fail a rotation on purpose.
    web2Proxy = await startFlakyProxy({ host: web("web2").host.host, port: web("web2").host.port });
    project = await createExampleStack({
      sandbox,
      tarball,
      stack: STACK,
      customValueHook: true,
      instances: (list) => list.map((i) => (i.name === "web2" ? { ...i, host: web2Proxy.host, port: web2Proxy.port } : i)),
    });
    store = openStore({ store: "local", localPath: sandbox.store.path, passphrase: sandbox.store.passphrase });
    for (const c of sandbox.credentials()) seen.add(c);
  });
  after(async () => {
    // Leave nothing behind in the sandbox's store either way: the secrets go with it.
    await Promise.allSettled([web2Proxy?.stop(), project?.stop()]);
    await sandbox?.stop();
  });

  it("pulumi up creates the ECS password, ECS key-pair and RAM secrets with settings from stack config; a second up changes nothing", async () => {
    const first = await up();
    assert.equal(first.code, 0, output(first));
    const outputs = JSON.parse((await project.pulumiOk(["stack", "output", "--json"], { stack: STACK })).stdout) as { secrets: Record<string, { versionId: string }> };
    assert.deepEqual(Object.keys(outputs.secrets).sort(), secretNames);
    for (const name of secretNames) assert.equal(outputs.secrets[name]!.versionId, "v1", name);

    // The store is where stack config put it (managed-secrets:localPath, its passphrase a --secret
    // value): the real engine's Configure carried both to the provider.
    const metas = await store.listSecrets();
    assert.deepEqual(metas.map((m) => m.name).sort(), secretNames);
    // Rotation periods from Pulumi.dev.yaml: 7d for ECS, 1d for RAM.
    const exported = JSON.parse((await project.pulumiOk(["stack", "export"], { stack: STACK })).stdout) as {
      deployment: { resources: Array<{ type: string; urn: string; outputs?: Record<string, unknown>; inputs?: Record<string, unknown> }> };
    };
    const periods = Object.fromEntries(
      exported.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).map((r) => [r.urn.split("::").pop(), r.outputs?.rotationPeriodSeconds]),
    );
    assert.deepEqual(periods, { "web1-root-password": 604800, "web1-root-key": 604800, "web2-root-password": 604800, "app-ci-access-key": 86400 });

    const second = await up("--expect-no-changes");
    assert.equal(second.code, 0, output(second));
  });

  it("keeps every credential out of the state in plaintext, and __provider small", async () => {
    await remember();
    const exported = (await project.pulumiOk(["stack", "export"], { stack: STACK })).stdout;
    const backend = await project.backendText();
    for (const secret of seen) {
      assert.ok(!exported.includes(secret), "a credential is in `pulumi stack export`");
      assert.ok(!backend.includes(secret), "a credential is in the backend's files");
    }
    const deployment = JSON.parse(exported) as { deployment: { resources: Array<{ type: string; inputs?: { __provider?: string } }> } };
    const providers = deployment.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).map((r) => r.inputs?.__provider ?? "");
    assert.equal(providers.length, 4);
    for (const p of providers) {
      assert.ok(p.length > 0 && p.length < 16_384, `__provider is ${p.length} characters`);
      for (const secret of seen) assert.ok(!p.includes(secret));
    }
  });

  it("rotateNow in stack config rotates every secret during pulumi up: new credentials work, old ones are refused", async () => {
    const before = Object.fromEntries(await Promise.all(secretNames.map(async (n) => [n, await current(n)] as const)));
    await project.setConfig(STACK, { rotateNow: "incident-1" });
    const r = await up();
    assert.equal(r.code, 0, output(r));
    await remember();
    for (const name of secretNames) assert.equal((await store.describeSecret(name))!.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId, "v2", name);

    const pw = (v: string) => (JSON.parse(v) as { Password: string }).Password;
    const key = (v: string) => (JSON.parse(v) as { PrivateKey: string }).PrivateKey;
    for (const [name, id] of [["web1", "ecs/i-sandboxweb1/root"], ["web2", "ecs/i-sandboxweb2/root"]] as const) {
      assert.equal(await loginAs(name, { password: pw(await current(id)) }), true, `${name}: the new password logs in`);
      assert.equal(await loginAs(name, { password: pw(before[id]!) }), false, `${name}: the old password is refused`);
    }
    assert.equal(await loginAs("web1", { privateKey: key(await current("ecs/i-sandboxweb1/root-key")) }), true);
    assert.equal(await loginAs("web1", { privateKey: key(before["ecs/i-sandboxweb1/root-key"]!) }), false);
    assert.equal(await signs(ramPair(await current("ram/app-ci"))), true, "the new AccessKey signs");
    // Pulumi.dev.yaml: ramPreviousKeyAction deactivate.
    assert.equal(await signs(ramPair(before["ram/app-ci"]!)), false, "the old AccessKey is refused");

    const again = await up("--expect-no-changes");
    assert.equal(again.code, 0, `the same trigger rotates once: ${output(again)}`);
  });

  it("a customValue set in stack config is what the host gets, at once, and nothing else changes", async () => {
    const custom = "Custom-Passw0rd-for-web2-2026!";
    seen.add(custom);
    await project.setSecret(STACK, "web2CustomPassword", custom);
    const r = await up();
    assert.equal(r.code, 0, output(r));
    assert.equal((JSON.parse(await current("ecs/i-sandboxweb2/root")) as { Password: string }).Password, custom);
    assert.equal(await loginAs("web2", { password: custom }), true);
    assert.equal((await store.describeSecret("ecs/i-sandboxweb1/root"))!.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId, "v2", "web1 was not rotated");
    await project.pulumiOk(["config", "rm", "web2CustomPassword"], { stack: STACK });
    const again = await up("--expect-no-changes");
    assert.equal(again.code, 0, `dropping customValue again is no change: ${output(again)}`);
  });

  it("scheduled rotation by the runner CLI between deploys is not drift: preview --refresh --expect-no-changes passes, refresh leaves nothing to do", async () => {
    const at = new Date(Date.now() + 8 * 86_400_000).toISOString();
    const run = await cli(["run", "--at", at, "--json"]);
    const report = JSON.parse(run.stdout) as { outcomes: Array<{ name: string; status: string }> };
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status]).sort(), secretNames.map((n) => [n, "rotated"]));
    await remember();

    const preview = await driftCheck();
    assert.equal(preview.code, 0, `healthy rotation flagged as drift: ${output(preview)}`);
    const refresh = await project.pulumi(["refresh", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(refresh.code, 0, output(refresh));
    const after = await project.pulumi(["preview", "--expect-no-changes"], { stack: STACK });
    assert.equal(after.code, 0, output(after));
    // Refresh keeps the resources' outputs in step with the runner (the stack's own outputs wait for the next up).
    const exported = JSON.parse((await project.pulumiOk(["stack", "export"], { stack: STACK })).stdout) as {
      deployment: { resources: Array<{ id?: string; outputs?: { versionId?: string } }> };
    };
    assert.equal(exported.deployment.resources.find((r) => r.id === "ram/app-ci")!.outputs!.versionId, "v3");
  });

  it("real drift fails preview --refresh --expect-no-changes naming each resource and why; pulumi up --refresh repairs it", async () => {
    // A password changed out of band, the managed key line deleted, the RAM key deactivated.
    const web2 = web("web2").host;
    const changed = await web2.exec("chpasswd", { stdin: "root:Out-of-band-Passw0rd-1\n" });
    assert.equal(changed.code, 0, changed.stderr);
    const keyLine = (JSON.parse(await current("ecs/i-sandboxweb1/root-key")) as { PublicKey: string }).PublicKey.split(" ").slice(0, 2).join(" ");
    const removed = await web("web1").host.exec(`grep -vF '${keyLine.split(" ")[1]}' /root/.ssh/authorized_keys > /tmp/ak && cat /tmp/ak > /root/.ssh/authorized_keys`);
    assert.equal(removed.code, 0, removed.stderr);
    const ramKey = ramPair(await current("ram/app-ci")).accessKeyId;
    await ramClient(sandbox.emulator).updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName: "app-ci", userAccessKeyId: ramKey, status: "Inactive" }));

    const preview = await driftCheck();
    assert.notEqual(preview.code, 0, "drift went unnoticed");
    const text = output(preview);
    // `--diff` prints each step as "~ <type>: (update)" then its "[urn=...::<name>]".
    const updates = [...text.matchAll(/\(update\)\n\s+\[id=[^\]]*\]\n\s+\[urn=[^\]]*::([\w-]+)\]/g)].map((m) => m[1]).sort();
    assert.deepEqual(updates, ["app-ci-access-key", "web1-root-key", "web2-root-password"], text);
    // Why: the refreshed health of each, as the refresh part of the same output shows it.
    assert.equal(text.match(/\+ \[0\]: "rejected"/g)?.length, 3, text);
    for (const secret of seen) assert.ok(!text.includes(secret));

    // Without --refresh the engine diffs the last saved outputs, which were healthy: nothing to do.
    const plain = await up("--expect-no-changes");
    assert.equal(plain.code, 0, `plain up saw the drift: ${output(plain)}`);
    const repair = await up("--refresh");
    assert.equal(repair.code, 0, output(repair));
    await remember();
    const clean = await driftCheck();
    assert.equal(clean.code, 0, `still drifted after the repair: ${output(clean)}`);
    assert.equal(await loginAs("web2", { password: (JSON.parse(await current("ecs/i-sandboxweb2/root")) as { Password: string }).Password }), true);
    assert.equal(await signs(ramPair(await current("ram/app-ci"))), true);
  });

  it("a bad input fails at preview naming the property, before anything is contacted", async () => {
    await project.setConfig(STACK, { recoveryWindowDays: "6" });
    const calls = apiLog.length;
    const logins = sandbox.instances.map((i) => (i.host.logs().match(/Connection from/g) ?? []).length);
    const preview = await project.pulumi(["preview"], { stack: STACK });
    assert.notEqual(preview.code, 0);
    assert.match(output(preview), /recoveryWindowDays/);
    assert.match(output(preview), /7/);
    assert.equal(apiLog.length, calls, `the cloud was called: ${apiLog.slice(calls).join("; ")}`);
    assert.deepEqual(
      sandbox.instances.map((i) => (i.host.logs().match(/Connection from/g) ?? []).length),
      logins,
      "a host was contacted",
    );
    await project.setConfig(STACK, { recoveryWindowDays: "7" });
  });

  it("a rotation that fails during pulumi up (host unreachable) fails the update clearly, keeps the old credential working, and the next up completes", async () => {
    const oldWeb2 = await current("ecs/i-sandboxweb2/root");
    web2Proxy.drop(1_000_000);
    await project.setConfig(STACK, { rotateNow: "incident-2" });
    const failed = await up();
    assert.notEqual(failed.code, 0);
    const text = output(failed);
    assert.match(text, /web2-root-password/);
    assert.match(text, /unreachable|ECONNRESET|connect/i);
    for (const secret of seen) assert.ok(!text.includes(secret));
    assert.equal(await current("ecs/i-sandboxweb2/root"), oldWeb2, "the store moved on without the host");
    assert.equal(await loginAs("web2", { password: (JSON.parse(oldWeb2) as { Password: string }).Password }), true, "the old password stopped working");

    web2Proxy.drop(0);
    const retry = await up();
    assert.equal(retry.code, 0, output(retry));
    await remember();
    assert.notEqual(await current("ecs/i-sandboxweb2/root"), oldWeb2);
    assert.equal(await loginAs("web2", { password: (JSON.parse(await current("ecs/i-sandboxweb2/root")) as { Password: string }).Password }), true);
    const clean = await up("--expect-no-changes");
    assert.equal(clean.code, 0, output(clean));
  });

  it("pulumi destroy schedules deletion with the recovery window and leaves every credential on its host; up inside the window restores the same secrets", async () => {
    const versions = Object.fromEntries(await Promise.all(secretNames.map(async (n) => [n, (await store.describeSecret(n))!.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId] as const)));
    const values = Object.fromEntries(await Promise.all(secretNames.map(async (n) => [n, await current(n)] as const)));
    const destroy = await project.pulumi(["destroy", "--yes", "--skip-preview"], { stack: STACK });
    assert.equal(destroy.code, 0, output(destroy));
    for (const name of secretNames) {
      const meta = (await store.listSecrets({ includePendingDeletion: true })).find((m) => m.name === name)!;
      assert.ok(meta.plannedDeleteAt, `${name} is not scheduled for deletion`);
      const days = (Date.parse(meta.plannedDeleteAt) - Date.now()) / 86_400_000;
      assert.ok(days > 6.9 && days <= 7.01, `${name}: ${days} days`);
    }
    const pw = (n: string) => (JSON.parse(values[n]!) as { Password: string }).Password;
    assert.equal(await loginAs("web1", { password: pw("ecs/i-sandboxweb1/root") }), true);
    assert.equal(await loginAs("web2", { password: pw("ecs/i-sandboxweb2/root") }), true);
    assert.equal(await loginAs("web1", { privateKey: (JSON.parse(values["ecs/i-sandboxweb1/root-key"]!) as { PrivateKey: string }).PrivateKey }), true);
    assert.equal(await signs(ramPair(values["ram/app-ci"]!)), true);

    const back = await up();
    assert.equal(back.code, 0, output(back));
    for (const name of secretNames) {
      const meta = (await store.describeSecret(name))!;
      assert.equal(meta.plannedDeleteAt, undefined, name);
      assert.equal(meta.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId, versions[name], `${name} was re-created, not restored`);
    }
  });
});
