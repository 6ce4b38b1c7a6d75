import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateClientKeyPair, type ClientKeyPair } from "../../../testkit/ssh-client/client-keys";
import { createServer, type AddressInfo } from "node:net";
import { createHostDir, removeHostDir } from "../../../testkit/sshd/host-dir";
import { generateHostKey } from "../../../testkit/sshd/host-key";
import { randomLoopbackAddress } from "../../../testkit/sshd/loopback";
import { exists, listProcesses, readProcess, type ProcessIdentity } from "../../../testkit/sshd/proc";
import { renderSshdConfig } from "../../../testkit/sshd/sshd-config";
import { launchSshd, prepareOverlayDirs } from "../../../testkit/sshd/sshd-process";
import {
  HostKeyMismatchError,
  closeSsh,
  connectSsh,
  execOn,
  sshExec,
  tryLogin,
  type SshExecResult,
} from "../../../testkit/ssh-client/ssh-client";
import { hostTarget, requireRootForHosts, startSshHost, type StartedSshHost } from "../../../testkit/sshd/ssh-host";

const execFileAsync = promisify(execFile);

function shadowEntry(shadow: string, user: string): string {
  const line = shadow.split("\n").find((l) => l.startsWith(`${user}:`));
  assert.ok(line, `no ${user} entry in shadow`);
  return line.split(":")[1];
}

/** Polls `condition` until it holds (bounded). */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10)); // poll interval, not a wait for readiness
  }
}

function count(text: string, pattern: RegExp): number {
  return text.split("\n").filter((l) => pattern.test(l)).length;
}

describe("test hosts: real sshd on loopback, isolated per host", function () {
  let a: StartedSshHost;
  let b: StartedSshHost;
  let deployKey: ClientKeyPair;
  let opsKey: ClientKeyPair;
  const deployPassword = "deploy-Pa55-word";

  before(async function () {
    requireRootForHosts();
    [deployKey, opsKey] = await Promise.all([generateClientKeyPair("ed25519"), generateClientKeyPair("rsa")]);
    [a, b] = await Promise.all([
      startSshHost({
        users: [
          { name: "deploy", password: deployPassword, authorizedKeys: [deployKey.publicKey] },
          { name: "ops", password: null, authorizedKeys: [opsKey.publicKey] },
        ],
      }),
      startSshHost({ hostKeyType: "rsa" }),
    ]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      for (const h of [a, b]) if (h) console.error(`--- sshd log ${h.host}:${h.port} ---\n${h.logs()}`);
    }
  });

  it("starts two hosts at once on distinct loopback addresses with distinct host keys", () => {
    for (const h of [a, b]) {
      assert.match(h.host, /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
      assert.ok(h.port > 0 && h.port < 65536);
      assert.match(h.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      assert.equal(count(h.logs(), /^Server listening on /), 1, "sshd listens exactly once");
      assert.ok(h.pid > 1 && h.nsPid === h.pid);
    }
    assert.notEqual(a.host, b.host);
    assert.notEqual(a.hostKeyFingerprint, b.hostKeyFingerprint);
    assert.notEqual(a.rootPassword, b.rootPassword);
    assert.match(a.hostPublicKey, /^ssh-ed25519 /);
    assert.match(b.hostPublicKey, /^ssh-rsa /);
    assert.deepEqual(Object.keys(a.users), ["deploy", "ops"]);
    assert.equal(a.users.deploy, deployPassword);
    assert.equal(a.users.ops, null);
  });

  it("reports the host key fingerprint exactly as ssh-keygen -lf does, for the key the server serves", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fp-test-"));
    try {
      for (const h of [a, b]) {
        const file = join(dir, `${h.port}.pub`);
        await writeFile(file, h.hostPublicKey + "\n");
        const fromFile = (await execFileAsync("ssh-keygen", ["-lf", file])).stdout.split(" ")[1];
        assert.equal(fromFile, h.hostKeyFingerprint);

        const type = h.hostKeyType === "rsa" ? "rsa" : "ed25519";
        const scanned = await execFileAsync("ssh-keyscan", ["-T", "10", "-t", type, "-p", String(h.port), h.host]);
        const served = join(dir, `${h.port}.scan`);
        await writeFile(served, scanned.stdout);
        const lines = (await execFileAsync("ssh-keygen", ["-lf", served])).stdout.trim().split("\n");
        assert.equal(lines.length, 1);
        assert.equal(lines[0].split(" ")[1], h.hostKeyFingerprint);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("accepts root's password and rejects a wrong one, on both hosts", async () => {
    const before = count(a.logs(), /^Accepted password for root /);
    const results = await Promise.all([
      tryLogin({ ...hostTarget(a), username: "root", password: a.rootPassword }),
      tryLogin({ ...hostTarget(a), username: "root", password: a.rootPassword + "x" }),
      tryLogin({ ...hostTarget(b), username: "root", password: b.rootPassword }),
      tryLogin({ ...hostTarget(b), username: "root", password: a.rootPassword }),
    ]);
    assert.deepEqual(results, [true, false, true, false]);
    assert.equal(count(a.logs(), /^Accepted password for root /) - before, 1);
    assert.doesNotMatch(a.logs() + b.logs(), new RegExp(a.rootPassword), "passwords never reach the logs");
  });

  it("refuses a server whose host key does not match the expected fingerprint", async () => {
    await assert.rejects(
      tryLogin({ host: a.host, port: a.port, hostKeyFingerprint: b.hostKeyFingerprint, username: "root", password: a.rootPassword }),
      (err: unknown) => err instanceof HostKeyMismatchError && err.actual === a.hostKeyFingerprint,
    );
  });

  it("throws (does not return false) when the host is unreachable", async () => {
    const port = a.port === 65535 ? 65534 : a.port + 1;
    await assert.rejects(tryLogin({ ...hostTarget(a), port, username: "root", password: a.rootPassword }), /ECONNREFUSED/);
  });

  it("keeps chpasswd inside host A: host B and this machine's /etc/shadow are unchanged", async () => {
    const machineBefore = shadowEntry(readFileSync("/etc/shadow", "utf8"), "root");
    const aBefore = shadowEntry(await a.readFile("/etc/shadow"), "root");
    const bBefore = shadowEntry(await b.readFile("/etc/shadow"), "root");
    assert.notEqual(aBefore, bBefore);

    const newPassword = "rotated-" + a.rootPassword;
    const changed = await a.exec("chpasswd", { stdin: `root:${newPassword}\n` });
    assert.equal(changed.code, 0, changed.stderr);

    try {
      assert.notEqual(shadowEntry(await a.readFile("/etc/shadow"), "root"), aBefore);
      assert.equal(shadowEntry(await b.readFile("/etc/shadow"), "root"), bBefore);
      assert.equal(shadowEntry(readFileSync("/etc/shadow", "utf8"), "root"), machineBefore);

      const logins = await Promise.all([
        tryLogin({ ...hostTarget(a), username: "root", password: newPassword }),
        tryLogin({ ...hostTarget(a), username: "root", password: a.rootPassword }),
        tryLogin({ ...hostTarget(b), username: "root", password: b.rootPassword }),
        tryLogin({ ...hostTarget(b), username: "root", password: newPassword }),
      ]);
      assert.deepEqual(logins, [true, false, true, false]);
    } finally {
      const restored = await a.exec("chpasswd", { stdin: `root:${a.rootPassword}\n` });
      assert.equal(restored.code, 0, restored.stderr);
    }
  });

  it("creates users only inside the host, with password and authorized-key logins", async () => {
    assert.doesNotMatch(readFileSync("/etc/passwd", "utf8"), /^(deploy|ops):/m);
    assert.equal(existsSync("/home/deploy"), false);
    assert.equal(count(await a.readFile("/etc/passwd"), /^deploy:/), 1);
    assert.equal(count(await b.readFile("/etc/passwd"), /^deploy:/), 0);

    const logins = await Promise.all([
      tryLogin({ ...hostTarget(a), username: "deploy", password: deployPassword }),
      tryLogin({ ...hostTarget(a), username: "deploy", privateKey: deployKey.privateKey }),
      tryLogin({ ...hostTarget(a), username: "deploy", privateKey: opsKey.privateKey }),
      tryLogin({ ...hostTarget(a), username: "ops", privateKey: opsKey.privateKey }),
      tryLogin({ ...hostTarget(a), username: "ops", password: deployPassword }),
      tryLogin({ ...hostTarget(b), username: "deploy", password: deployPassword }),
    ]);
    assert.deepEqual(logins, [true, true, false, true, false, false]);

    const modes = await a.exec("stat -c '%U:%G %a %n' ~/.ssh ~/.ssh/authorized_keys", { user: "deploy" });
    assert.equal(modes.code, 0, modes.stderr);
    assert.deepEqual(modes.stdout.trim().split("\n"), [
      "deploy:deploy 700 /home/deploy/.ssh",
      "deploy:deploy 600 /home/deploy/.ssh/authorized_keys",
    ]);
    assert.equal(await a.readFile("/home/deploy/.ssh/authorized_keys"), deployKey.publicKey + "\n");
    assert.equal(await a.readFile("/root/.ssh/authorized_keys"), "", "root starts with no keys");

    const whoami = await sshExec({ ...hostTarget(a), username: "deploy", privateKey: deployKey.privateKey, command: "id -un; pwd" });
    assert.deepEqual(whoami, { stdout: "deploy\n/home/deploy\n", stderr: "", code: 0, signal: null });
  });

  it("gives sudo users a sudoers entry, or says to apt-get install sudo", async function () {
    if (!existsSync("/usr/bin/sudo")) {
      await assert.rejects(startSshHost({ users: [{ name: "admin", sudo: true }] }), /apt-get install sudo/);
      return;
    }
    const key = await generateClientKeyPair();
    const host = await startSshHost({ users: [{ name: "admin", sudo: true, authorizedKeys: [key.publicKey] }] });
    try {
      const r = await sshExec({ ...hostTarget(host), username: "admin", privateKey: key.privateKey, command: "sudo -n id -un" });
      assert.equal(r.stdout, "root\n");
    } finally {
      await host.stop();
    }
  });

  it("exec runs inside the host's mount namespace, as root or as a user, with stdin", async () => {
    const mine = await a.exec("cat > /root/marker && cat /root/marker", { stdin: "only-in-a" });
    assert.deepEqual(mine, { stdout: "only-in-a", stderr: "", code: 0 });
    assert.equal(existsSync("/root/marker"), false);
    assert.equal((await b.exec("test -e /root/marker")).code, 1);
    assert.deepEqual(await a.exec("id -un; pwd", { user: "deploy" }), { stdout: "deploy\n/home/deploy\n", stderr: "", code: 0 });
    assert.equal((await a.exec("exit 7")).code, 7);
    await assert.rejects(a.readFile("/no/such/file"), /cannot read \/no\/such\/file/);
  });

  it("stop() ends every process of the host, including sessions and exec'd commands, and removes its temp dir", async () => {
    const host = await startSshHost({ users: [{ name: "deploy", authorizedKeys: [deployKey.publicKey] }] });
    let stopped = false;
    try {
      assert.deepEqual(host.processes().map((p) => p.pid), [host.pid], "only the listener before any connection");

      // A root session and a user session, each with a command still running.
      const sessions = await Promise.all([
        connectSsh({ ...hostTarget(host), username: "root", password: host.rootPassword }),
        connectSsh({ ...hostTarget(host), username: "deploy", privateKey: deployKey.privateKey }),
      ]);
      const running: Array<Promise<SshExecResult>> = [];
      for (const s of sessions) {
        await new Promise<void>((resolve, reject) => {
          s.exec("echo started; exec sleep 600", (err, channel) => {
            if (err) return reject(err);
            channel.once("data", () => resolve());
            running.push(
              new Promise((done) => channel.on("close", () => done({ stdout: "", stderr: "", code: null, signal: null }))),
            );
          });
        });
      }
      // And a command run through exec() that would outlive the host.
      const execd = host.exec("exec sleep 600");
      await until(() => host.processes().filter((p) => p.comm === "sleep").length === 3);

      const processes = host.processes();
      const comms = processes.map((p) => p.comm).sort();
      // listener + root session (sshd, sleep) + deploy session (sshd monitor, sshd user, sleep) + exec'd sleep
      assert.deepEqual(comms, ["sleep", "sleep", "sleep", "sshd", "sshd", "sshd", "sshd"]);
      const identities: ProcessIdentity[] = [
        ...processes,
        readProcess(host.launcherPid) as ProcessIdentity,
      ];
      assert.ok(identities.every(exists));

      await host.stop();
      stopped = true;

      assert.deepEqual(identities.filter(exists), [], "no process of the host is left");
      assert.equal(existsSync(host.tempDir), false);
      assert.deepEqual(host.processes(), []);
      assert.equal((await execd).code, 137, "exec'd command was killed with the host");
      await Promise.all(running);
      await Promise.all(sessions.map(closeSsh));
      await assert.rejects(host.exec("true"), /is stopped/);
      await host.stop(); // idempotent
      await assert.rejects(tryLogin({ ...hostTarget(host), username: "root", password: host.rootPassword }), /ECONNREFUSED/);
    } finally {
      if (!stopped) await host.stop();
    }
  });

  it("disposes itself with await using", async () => {
    let dir: string;
    let listener: ProcessIdentity;
    {
      await using host = await startSshHost();
      dir = host.tempDir;
      listener = host.processes()[0];
      assert.equal(listener.pid, host.pid);
      assert.equal(await tryLogin({ ...hostTarget(host), username: "root", password: host.rootPassword }), true);
    }
    assert.equal(exists(listener), false);
    assert.equal(existsSync(dir), false);
  });

  it("runs a remote command over ssh and returns its output and exit code", async () => {
    const client = await connectSsh({ ...hostTarget(a), username: "root", password: a.rootPassword });
    try {
      assert.deepEqual(await execOn(client, "cat; echo err >&2; exit 3", "in"), { stdout: "in", stderr: "err\n", code: 3, signal: null });
    } finally {
      await closeSsh(client);
    }
  });
});

describe("sshd launch on a taken address", () => {
  it("reports address-in-use (so startSshHost retries elsewhere) and leaves nothing running", async () => {
    requireRootForHosts();
    const dir = await createHostDir();
    const server = createServer();
    try {
      await prepareOverlayDirs(dir);
      const key = await generateHostKey(dir, "ed25519");
      const address = randomLoopbackAddress();
      const port = await new Promise<number>((resolve) => {
        server.listen(0, address, () => resolve((server.address() as AddressInfo).port));
      });
      const configPath = join(dir, "sshd_config");
      await writeFile(configPath, renderSshdConfig({ address, port, hostKeyPath: key.path }));
      const outcome = await launchSshd({ dir, configPath, address, port });
      assert.equal(outcome.kind, "address-in-use");
      assert.match(outcome.kind === "address-in-use" ? outcome.logs : "", /Address already in use/);
      const cmdline = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return ""; // exited meanwhile
        }
      };
      const leftovers = listProcesses().filter((p) => cmdline(p.pid).includes(configPath));
      assert.deepEqual(leftovers, []);
    } finally {
      server.close();
      await removeHostDir(dir);
    }
  });
});

describe("requireRootForHosts", () => {
  it("fails loudly, naming root and openssh-server, when not run as root", async () => {
    requireRootForHosts();
    const script = `require(${JSON.stringify(join(__dirname, "../../../testkit/sshd/require-root.ts"))}).requireRootForHosts()`;
    const result = await execFileAsync("/usr/bin/setpriv", [
      "--reuid=65534", "--regid=65534", "--clear-groups", "--",
      process.execPath, "--import", "tsx", "-e", script,
    ], { cwd: join(__dirname, "../../.."), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp" } }).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /these tests start real sshd hosts in mount namespaces: run as root/);
    assert.match(result.stderr, /apt-get install openssh-server/);
  });
});
