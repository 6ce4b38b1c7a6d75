/**
 * The life of three secrets declared through the resource provider plugin,
 * the same in every language: a password and a key pair on web1 (with an
 * admin connection to repair them) and the RAM user's AccessKey, against the
 * sandbox. Each language's suite supplies a driver that runs its program
 * under the real engine (the CLI with a program file for YAML; the Automation
 * API's inline program for Python and Go) and registers these steps.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import * as $Ram from "@alicloud/ram20150501";
import { openStore } from "../../provider/context/open-store";
import type { SecretStore } from "../../provider/store/secret-store";
import { ramClient, stsClient } from "../../testkit/emulator/sdk-clients";
import { REPO_ROOT } from "../../testkit/pulumi/pulumi-cli";
import { sandboxCliEnv, startSandbox, type Sandbox } from "../../testkit/sandbox/sandbox";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";

const execFileP = promisify(execFile);

export const SECRET_NAMES = ["ecs/i-sandboxweb1/root", "ecs/i-sandboxweb1/root-key", "ram/app-ci"] as const;
/** Resource names in every language's program, by secret. */
export const RESOURCE_NAMES = { "ecs/i-sandboxweb1/root": "web1-root", "ecs/i-sandboxweb1/root-key": "web1-root-key", "ram/app-ci": "app-key" } as const;

export interface ConfigEntry {
  readonly value: string;
  readonly secret: boolean;
}

/** The result of one engine operation: its exit (0 = success) and everything it printed. */
export interface OpResult {
  readonly code: number;
  readonly text: string;
}

export interface OpOptions {
  readonly refresh?: boolean;
  readonly expectNoChanges?: boolean;
}

/** One language's way of running the program under the engine. */
export interface LifecycleDriver {
  /** The program's config (its own keys, and the plugin's as `alicloud-managed-secrets:<name>`), all of it. */
  setConfig(config: Readonly<Record<string, ConfigEntry>>): Promise<void>;
  up(options?: OpOptions): Promise<OpResult>;
  preview(options?: OpOptions): Promise<OpResult>;
  destroy(): Promise<OpResult>;
  /** `pulumi stack export` of the stack. */
  exportState(): Promise<string>;
  /** Every file of the backend. */
  backendText(): Promise<string>;
  stop(): Promise<void>;
}

/** The program's config for a sandbox: what the README tells a user to set. */
export function lifecycleConfig(sandbox: Sandbox, rotateNow = "initial"): Record<string, ConfigEntry> {
  const web1 = sandbox.instances.find((i) => i.name === "web1")!;
  const plain = (value: string | number) => ({ value: String(value), secret: false });
  const secret = (value: string) => ({ value, secret: true });
  return {
    web1Host: plain(web1.connection.host),
    web1Port: plain(web1.connection.port),
    web1HostKeyFingerprint: plain(web1.connection.hostKeyFingerprint),
    web1RootPassword: secret(web1.rootPassword),
    web1RootPrivateKey: secret(web1.rootPrivateKey!),
    web1AdminPrivateKey: secret(web1.adminPrivateKey),
    ramUserName: plain(sandbox.ramUser.userName),
    ramAccessKeyId: plain(sandbox.ramUser.accessKeyId),
    ramAccessKeySecret: secret(sandbox.ramUser.accessKeySecret),
    rotateNow: plain(rotateNow),
    "alicloud-managed-secrets:localPath": plain(sandbox.store.path),
    "alicloud-managed-secrets:passphrase": secret(sandbox.store.passphrase),
    "alicloud-managed-secrets:region": plain(sandbox.cloud.regionId),
    "alicloud-managed-secrets:endpoint": plain(sandbox.cloud.endpoint),
    "alicloud-managed-secrets:accessKeyId": plain(sandbox.cloud.accessKeyId),
    "alicloud-managed-secrets:accessKeySecret": secret(sandbox.cloud.accessKeySecret),
  };
}

/** Every credential the store has held, in every version, so leak scans cover rotated ones too. */
export async function storedCredentials(store: SecretStore): Promise<string[]> {
  const found: string[] = [];
  for (const meta of await store.listSecrets({ includePendingDeletion: true })) {
    for (const v of meta.versions) {
      const parsed = JSON.parse((await store.getValue(meta.name, { versionId: v.versionId })).value) as Record<string, string>;
      for (const k of ["Password", "PrivateKey", "AccessKeySecret"]) if (parsed[k]) found.push(parsed[k]!);
    }
  }
  return found;
}

export interface LifecycleOptions {
  /** Runs the whole story (YAML); otherwise the parts the other languages repeat are left out. */
  readonly full: boolean;
}

/** Registers the lifecycle's steps in the calling describe(); `makeDriver` is called once, after the sandbox is up. */
export function pluginLifecycle(makeDriver: (sandbox: Sandbox) => Promise<LifecycleDriver>, options: LifecycleOptions): void {
  let sandbox: Sandbox;
  let driver: LifecycleDriver;
  let store: SecretStore;
  const seen = new Set<string>();

  const current = async (name: string) => (await store.getValue(name, { stage: "ACSCurrent" })).value;
  const versionOf = async (name: string) => (await store.describeSecret(name))!.versions.find((v) => v.stages.includes("ACSCurrent"))!.versionId;
  const field = (value: string, key: string) => (JSON.parse(value) as Record<string, string>)[key]!;
  const web1 = () => sandbox.instances.find((i) => i.name === "web1")!;
  const login = (secret: { password: string } | { privateKey: string }) =>
    tryLogin({ host: web1().host.host, port: web1().host.port, hostKeyFingerprint: web1().host.hostKeyFingerprint, username: "root", ...secret });
  const signs = async (value: string) => {
    try {
      return Boolean((await stsClient(sandbox.emulator, { accessKeyId: field(value, "AccessKeyId"), accessKeySecret: field(value, "AccessKeySecret") }).getCallerIdentity()).body?.arn);
    } catch {
      return false;
    }
  };
  const remember = async () => {
    for (const c of await storedCredentials(store)) seen.add(c);
  };
  const ok = (r: OpResult, what: string) => assert.equal(r.code, 0, `${what}:\n${r.text}`);
  const noLeak = (text: string, where: string) => {
    for (const s of seen) assert.ok(!text.includes(s), `a credential is in ${where}`);
  };
  const cli = (args: string[]) =>
    execFileP(process.execPath, ["--import", "tsx", join(REPO_ROOT, "provider", "cli", "main.ts"), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandboxCliEnv(sandbox) },
      maxBuffer: 16 << 20,
    });

  before(async function () {
    this.timeout(900_000);
    requireRootForHosts();
    sandbox = await startSandbox();
    for (const c of sandbox.credentials()) seen.add(c);
    store = openStore({ store: "local", localPath: sandbox.store.path, passphrase: sandbox.store.passphrase });
    driver = await makeDriver(sandbox);
    await driver.setConfig(lifecycleConfig(sandbox));
  });
  after(async () => {
    await driver?.stop().catch(() => undefined);
    await sandbox?.stop();
  });

  it("up creates the three secrets from the credentials that work today; a second up changes nothing", async () => {
    ok(await driver.up(), "up");
    for (const name of SECRET_NAMES) assert.equal(await versionOf(name), "v1", name);
    ok(await driver.up({ expectNoChanges: true }), "up --expect-no-changes");
  });

  it("keeps every credential out of the state and the backend in plaintext; credential outputs are Pulumi secrets", async () => {
    await remember();
    const exported = await driver.exportState();
    noLeak(exported, "`pulumi stack export`");
    noLeak(await driver.backendText(), "the backend's files");
    const resources = (JSON.parse(exported) as { deployment: { resources: Array<{ type: string; outputs?: Record<string, unknown>; inputs?: Record<string, unknown> }> } }).deployment.resources;
    const isSecret = (v: unknown) => typeof v === "object" && v !== null && (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270";
    const ecs = resources.filter((r) => r.type === "alicloud-managed-secrets:index:EcsSecret");
    assert.equal(ecs.length, 2);
    for (const r of ecs) assert.ok(isSecret(r.outputs!.value) && isSecret(r.inputs!.initialValue), "an ECS credential is not a secret in state");
    const ram = resources.find((r) => r.type === "alicloud-managed-secrets:index:RamSecret")!;
    assert.ok(isSecret(ram.outputs!.accessKeySecret) && isSecret(ram.inputs!.initialAccessKeySecret));
    const provider = resources.find((r) => r.type === "pulumi:providers:alicloud-managed-secrets")!;
    assert.ok(isSecret(provider.inputs!.passphrase) && isSecret(provider.inputs!.accessKeySecret), "the provider's credentials are not secrets in state");
  });

  it("rotateNow in config rotates every secret during up: the new credentials work, the old ones are refused", async () => {
    const before = Object.fromEntries(await Promise.all(SECRET_NAMES.map(async (n) => [n, await current(n)] as const)));
    await driver.setConfig(lifecycleConfig(sandbox, "incident-1"));
    ok(await driver.up(), "up with a new rotateNow");
    await remember();
    for (const name of SECRET_NAMES) assert.equal(await versionOf(name), "v2", name);
    assert.equal(await login({ password: field(await current(SECRET_NAMES[0]), "Password") }), true, "the new password logs in");
    assert.equal(await login({ password: field(before[SECRET_NAMES[0]]!, "Password") }), false, "the old password still logs in");
    assert.equal(await login({ privateKey: field(await current(SECRET_NAMES[1]), "PrivateKey") }), true, "the new key logs in");
    assert.equal(await signs(await current(SECRET_NAMES[2])), true, "the new AccessKey signs");
    assert.equal(await signs(before[SECRET_NAMES[2]]!), false, "the old AccessKey still signs (previousKeyAction deactivate)");
    ok(await driver.up({ expectNoChanges: true }), "the same rotateNow rotates once");
  });

  it("a rotation by the runner between deploys is not drift: preview --refresh --expect-no-changes passes", async () => {
    const run = await cli(["run", "--at", new Date(Date.now() + 8 * 86_400_000).toISOString(), "--json"]);
    const report = JSON.parse(run.stdout) as { outcomes: Array<{ name: string; status: string }> };
    assert.deepEqual(report.outcomes.map((o) => [o.name, o.status]).sort(), SECRET_NAMES.map((n) => [n, "rotated"]));
    await remember();
    ok(await driver.preview({ refresh: true, expectNoChanges: true }), "healthy rotation flagged as drift");
  });

  it("real drift (a password changed on the host, the RAM key deactivated) fails preview --refresh --expect-no-changes; up --refresh repairs it", async () => {
    const changed = await web1().host.exec("chpasswd", { stdin: "root:Out-of-band-Passw0rd-1\n" });
    assert.equal(changed.code, 0, changed.stderr);
    const ramKey = field(await current(SECRET_NAMES[2]), "AccessKeyId");
    await ramClient(sandbox.emulator).updateAccessKey(new $Ram.UpdateAccessKeyRequest({ userName: sandbox.ramUser.userName, userAccessKeyId: ramKey, status: "Inactive" }));

    const drifted = await driver.preview({ refresh: true, expectNoChanges: true });
    assert.notEqual(drifted.code, 0, `drift went unnoticed:\n${drifted.text}`);
    assert.match(drifted.text, /web1-root\b/);
    assert.match(drifted.text, /app-key/);
    noLeak(drifted.text, "the preview's output");

    ok(await driver.up({ refresh: true }), "up --refresh");
    await remember();
    ok(await driver.preview({ refresh: true, expectNoChanges: true }), "still drifted after the repair");
    assert.equal(await login({ password: field(await current(SECRET_NAMES[0]), "Password") }), true);
    assert.equal(await signs(await current(SECRET_NAMES[2])), true);
  });

  it("destroy schedules deletion with the 7-day recovery window and leaves the credentials working; up inside the window restores the same secrets", async () => {
    const versions = Object.fromEntries(await Promise.all(SECRET_NAMES.map(async (n) => [n, await versionOf(n)] as const)));
    const values = Object.fromEntries(await Promise.all(SECRET_NAMES.map(async (n) => [n, await current(n)] as const)));
    ok(await driver.destroy(), "destroy");
    for (const name of SECRET_NAMES) {
      const meta = (await store.listSecrets({ includePendingDeletion: true })).find((m) => m.name === name)!;
      const days = (Date.parse(meta.plannedDeleteAt ?? "") - Date.now()) / 86_400_000;
      assert.ok(days > 6.9 && days <= 7.01, `${name}: deletion in ${days} days`);
    }
    assert.equal(await login({ password: field(values[SECRET_NAMES[0]]!, "Password") }), true);
    assert.equal(await signs(values[SECRET_NAMES[2]]!), true);

    ok(await driver.up(), "up after destroy");
    for (const name of SECRET_NAMES) {
      const meta = (await store.describeSecret(name))!;
      assert.equal(meta.plannedDeleteAt, undefined, name);
      assert.equal(await versionOf(name), versions[name], `${name} was re-created, not restored`);
    }
    if (options.full) {
      await remember();
      noLeak(await driver.exportState(), "`pulumi stack export` at the end");
      noLeak(await driver.backendText(), "the backend's files at the end");
    }
  });
}
