import { strict as assert } from "node:assert";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "node:net";
import * as $Ecs from "@alicloud/ecs20140526";
import { requireRootForHosts } from "../../testkit/sshd/ssh-host";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import { ecsClient, stsClient } from "../../testkit/emulator/sdk-clients";
import type { EmulatorHandle } from "../../emulator";
import { killScript, runScript, type ScriptRun } from "../support/run-script";

/**
 * `npm run sandbox`: what it prints is enough to use it (every printed
 * setting is checked against the running sandbox), and Ctrl-C or SIGTERM
 * stops everything it started and removes its temp dir.
 */

interface Printed {
  dir: string;
  pid: number;
  endpoint: string;
  regionId: string;
  admin: { accessKeyId: string; accessKeySecret: string };
  instances: Array<{ instanceId: string; host: string; port: number; hostKeyFingerprint: string; rootPassword: string }>;
  ram: { userName: string; accessKeyId: string; accessKeySecret: string };
}

function field(out: string, label: string): string {
  const m = new RegExp(`^ +${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: +(\\S+)`, "m").exec(out);
  assert.ok(m, `the banner prints ${label}`);
  return m[1]!;
}

function parseBanner(out: string): Printed {
  const instances = [...out.matchAll(/^ {2}(i-\w+) \((\w+)\)\n +ssh: +(\S+) port (\d+)\n +host key: +(\S+)\n +root password: +(\S+)/gm)].map((m) => ({
    instanceId: m[1]!, host: m[3]!, port: Number(m[4]), hostKeyFingerprint: m[5]!, rootPassword: m[6]!,
  }));
  return {
    dir: /^Files \(0600\) in (\S+):/m.exec(out)![1]!,
    pid: Number(/kill -TERM (\d+)$/m.exec(out)![1]),
    endpoint: field(out, "endpoint"),
    regionId: field(out, "region"),
    admin: { accessKeyId: field(out, "admin AccessKeyId"), accessKeySecret: field(out, "admin AccessKeySecret") },
    instances,
    ram: { userName: field(out, "user name"), accessKeyId: field(out, "AccessKeyId"), accessKeySecret: field(out, "AccessKeySecret") },
  };
}

/** Enough of an EmulatorHandle for the SDK client helpers: where it listens, signed with `creds`. */
function emulatorAt(p: Printed): EmulatorHandle {
  return { endpoint: p.endpoint, regionId: p.regionId, ...p.admin } as EmulatorHandle;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("npm run sandbox", function () {
  this.timeout(120_000);
  let run: ScriptRun | undefined;

  before(() => requireRootForHosts());
  afterEach(async () => killScript(run));

  it("prints settings that work, and Ctrl-C stops everything and removes its temp dir", async () => {
    run = runScript("examples/sandbox.ts", { args: ["--quiet"] });
    const out = await run.waitFor(/^Sandbox ready\. .*kill -TERM \d+$/m);
    const p = parseBanner(out);
    assert.equal(p.instances.length, 2);

    // The emulator answers with the printed admin key, and knows the instances at their printed addresses.
    const described = await ecsClient(emulatorAt(p)).describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: p.regionId }));
    const listed = (described.body?.instances?.instance ?? []).map((i) => [i.instanceId, i.vpcAttributes?.privateIpAddress?.ipAddress?.[0]]).sort();
    assert.deepEqual(listed, p.instances.map((i) => [i.instanceId, i.host]).sort());
    // The RAM user's printed key signs as that user.
    const identity = (await stsClient(emulatorAt(p), p.ram).getCallerIdentity()).body;
    assert.match(identity?.arn ?? "", new RegExp(`:user/${p.ram.userName}$`));
    // Each instance takes its printed root password, with the printed host key pinned.
    for (const i of p.instances) {
      assert.equal(await tryLogin({ host: i.host, port: i.port, hostKeyFingerprint: i.hostKeyFingerprint, username: "root", password: i.rootPassword }), true, i.instanceId);
    }
    // The key pair file logs in; every file is private; the env file and the config lines name the same values.
    const key = await readFile(`${p.dir}/secrets/web1RootPrivateKey`, "utf8");
    const web1 = p.instances[0]!;
    assert.equal(await tryLogin({ host: web1.host, port: web1.port, hostKeyFingerprint: web1.hostKeyFingerprint, username: "root", privateKey: key }), true);
    for (const file of ["sandbox.env", "known_hosts", "secrets/web1RootPrivateKey", "secrets/managed-secrets.passphrase", "secrets/ramAccessKeySecret"]) {
      assert.equal(statSync(`${p.dir}/${file}`).mode & 0o077, 0, `${file} is private`);
    }
    const env = await readFile(`${p.dir}/sandbox.env`, "utf8");
    assert.match(env, new RegExp(`^MANAGED_SECRETS_ENDPOINT='${p.endpoint}'$`, "m"));
    assert.match(env, new RegExp(`^ALIBABA_CLOUD_ACCESS_KEY_SECRET='${p.admin.accessKeySecret}'$`, "m"));
    assert.equal(await readFile(`${p.dir}/secrets/ramAccessKeySecret`, "utf8"), p.ram.accessKeySecret);
    assert.match(out, /^ {2}pulumi config set instances '\[\{"name":"web1","instanceId":"i-sandboxweb1",/m);
    assert.match(out, new RegExp(`^ {2}pulumi config set --secret web1RootPassword < ${p.dir}/secrets/web1RootPassword$`, "m"));
    assert.match(out, new RegExp(`^ {2}pulumi config set managed-secrets:endpoint ${p.endpoint}$`, "m"));

    // Ctrl-C in a terminal signals the whole foreground process group.
    run.signalGroup("SIGINT");
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stdout(), /SIGINT: stopping the sandbox\.\.\.\nStopped the emulator and 2 instances; removed /);
    assert.equal(existsSync(p.dir), false, "the temp dir is removed");
    const [host, port] = p.endpoint.split(":") as [string, string];
    assert.equal(await portOpen(host, Number(port)), false, "the emulator is stopped");
    for (const i of p.instances) assert.equal(await portOpen(i.host, i.port), false, `${i.instanceId}'s sshd is stopped`);
  });

  it("the CLI commands it prints work as printed: adopt, a dry run, a rotation 31 days on, a green check", async () => {
    run = runScript("examples/sandbox.ts", { args: ["--quiet"] });
    const out = await run.waitFor(/^Sandbox ready\. .*kill -TERM \d+$/m);
    const p = parseBanner(out);
    const lines = out.split("\n").filter((l) => /^ {2}(set -a;|npx tsx provider\/cli\/main\.ts )/.test(l)).map((l) => l.trim());
    assert.deepEqual(lines.map((l) => l.split(" ").slice(0, 5).join(" ")), [
      `set -a; . ${p.dir}/sandbox.env; set`,
      "npx tsx provider/cli/main.ts adopt ecs",
      "npx tsx provider/cli/main.ts adopt ecs",
      "npx tsx provider/cli/main.ts adopt ram",
      "npx tsx provider/cli/main.ts list",
      "npx tsx provider/cli/main.ts run --dry-run",
      "npx tsx provider/cli/main.ts run --at",
      "npx tsx provider/cli/main.ts check",
      "npx tsx provider/cli/main.ts get-value ecs/i-sandboxweb1/root",
    ]);
    const { execFile } = await import("node:child_process");
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MANAGED_SECRETS_|ALIBABA_CLOUD_)/.test(k)));
    const shell = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile("bash", ["-euo", "pipefail", "-c", lines.join("\n")], { cwd: join(__dirname, "..", ".."), env: { ...env, NODE_OPTIONS: "" }, timeout: 90_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(shell.code, 0, `${shell.stdout}\n${shell.stderr}`);
    assert.match(shell.stdout, /^dry run: 0 rotated, 3 would rotate, 0 skipped, 0 failed/m);
    assert.match(shell.stdout, /^3 rotated, 0 would rotate, 0 skipped, 0 failed/m);
    assert.match(shell.stdout, /^all 3 secrets healthy$/m);
    const password = shell.stdout.trimEnd().split("\n").pop()!;
    const web1 = p.instances.find((i) => i.instanceId === "i-sandboxweb1")!;
    assert.notEqual(password, web1.rootPassword, "the run rotated web1's root password");
    assert.equal(await tryLogin({ host: web1.host, port: web1.port, hostKeyFingerprint: web1.hostKeyFingerprint, username: "root", password }), true);
  });

  it("SIGTERM to the pid it prints stops it the same way", async () => {
    run = runScript("examples/sandbox.ts", { args: ["--quiet"] });
    const p = parseBanner(await run.waitFor(/^Sandbox ready\. .*kill -TERM \d+$/m));
    process.kill(p.pid, "SIGTERM");
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stdout(), /SIGTERM: stopping the sandbox\.\.\.\nStopped the emulator and 2 instances; removed /);
    assert.equal(existsSync(p.dir), false);
    for (const i of p.instances) assert.equal(await portOpen(i.host, i.port), false, `${i.instanceId}'s sshd is stopped`);
  });

  it("without root, says why and how to run it", async () => {
    run = runScript("examples/sandbox.ts", { asUser: 65534 });
    assert.equal(await run.exited, 2, run.stderr());
    assert.match(run.stderr(), /^npm run sandbox needs root/m);
    assert.match(run.stderr(), /sudo npm run sandbox/);
  });
});
