/**
 * Fleet bench, Ansible contender: the way many teams rotate a fleet's
 * passwords today. One `ansible-playbook` run (bench/ansible/rotate-passwords.yml):
 *
 *   play 1: as root over key auth, the `user` module sets each user's password
 *           from a SHA-512 crypt hash (`openssl passwd -6 -stdin`, fed on stdin;
 *           BENCH_FLEET_ANSIBLE_HASH=yescrypt for the hash passwd itself writes);
 *   play 2: a fresh SSH login as each user with the new password (`raw: true`,
 *           password auth through sshpass, no connection sharing).
 *
 * forks = number of hosts. Host keys are verified: every connection uses
 * StrictHostKeyChecking=yes against a known_hosts file holding each host's
 * public key (never StrictHostKeyChecking=no). Secrets never reach a command
 * line: passwords go to openssl on stdin and to Ansible in a 0600 inventory in
 * a 0700 temp dir that is deleted afterwards; Ansible hands them to sshpass
 * through a pipe (-d<fd>).
 */
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ANSIBLE_DIR = resolve(__dirname, "ansible");
const PLAYBOOK = join(ANSIBLE_DIR, "rotate-passwords.yml");

export interface AnsibleFleetHost {
  /** Inventory name, e.g. "h0". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** "ssh-ed25519 AAAA... comment" */
  readonly hostPublicKey: string;
  /** Users of this host and the passwords to rotate them to. */
  readonly users: ReadonlyArray<{ readonly name: string; readonly newPassword: string }>;
}

export interface AnsibleRunResult {
  /** Hashing + the whole ansible-playbook run, end to end. */
  readonly wallMs: number;
  readonly hashMs: number;
  /** Per secret: its `user` loop item's share of its host's task, plus its login check. Keyed "host/user". */
  readonly perSecretMs: ReadonlyMap<string, number>;
  /** Loop items / logins Ansible reported as failed or unreachable. */
  readonly failures: readonly string[];
}

export type Availability = { readonly ok: true; readonly version: string } | { readonly ok: false; readonly why: string };

/** ansible-playbook (Debian `ansible`), sshpass (password logins for play 2) and openssl (hashes). */
export function ansibleAvailability(): Availability {
  const probe = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  const ansible = probe("ansible-playbook", ["--version"]);
  if (ansible.error || ansible.status !== 0) {
    return { ok: false, why: "ansible-playbook not found; install it with: apt-get install ansible" };
  }
  const sshpass = probe("sshpass", ["-V"]);
  if (sshpass.error || sshpass.status !== 0) {
    return { ok: false, why: "sshpass not found (Ansible needs it for the password-login check); install it with: apt-get install sshpass" };
  }
  const openssl = probe("openssl", ["version"]);
  if (openssl.error || openssl.status !== 0) return { ok: false, why: "openssl not found; install it with: apt-get install openssl" };
  return { ok: true, version: (ansible.stdout.split("\n")[0] ?? "").trim() };
}

/** A root key pair for Ansible, made by ssh-keygen in `dir` (empty passphrase; the file is 0600). */
export async function makeAnsibleRootKey(dir: string): Promise<{ privateKeyPath: string; publicKey: string }> {
  const privateKeyPath = join(dir, "id_ed25519");
  const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fleet-bench-ansible", "-f", privateKeyPath], { encoding: "utf8" });
  if (made.error || made.status !== 0) throw new Error(`ssh-keygen failed: ${made.error?.message ?? made.stderr}`);
  return { privateKeyPath, publicKey: (await readFile(`${privateKeyPath}.pub`, "utf8")).trim() };
}

export type AnsibleHash = "sha512" | "yescrypt";

/**
 * yescrypt with the cost Debian's pam_unix (and so `passwd`) uses ("j9T"), through libxcrypt via
 * Python's crypt module; the salt is 16 bytes from os.urandom. Passwords arrive on stdin, one per line.
 */
const YESCRYPT_SCRIPT = `
import warnings
warnings.simplefilter("ignore")
import crypt, os, sys
alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
for line in sys.stdin.read().split("\\n"):
    if line:
        # 16 random bytes in crypt base64: 21 full characters, then one carrying the last 2 bits.
        salt = "".join(alphabet[b % 64] for b in os.urandom(21)) + alphabet[os.urandom(1)[0] % 4]
        hashed = crypt.crypt(line, "$y$j9T$" + salt)
        if not hashed or not hashed.startswith("$y$"):
            sys.exit("libxcrypt refused the yescrypt salt")
        print(hashed)
`;

/**
 * Crypt hashes, one per password, passwords on stdin only: SHA-512 from `openssl passwd -6 -stdin`
 * (the default), or yescrypt (what passwd itself writes on Debian 12).
 */
async function cryptHashes(passwords: readonly string[], method: AnsibleHash): Promise<string[]> {
  const [cmd, args, prefix] = method === "sha512" ? ["openssl", ["passwd", "-6", "-stdin"], "$6$"] : ["python3", ["-c", YESCRYPT_SCRIPT], "$y$"];
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res, rej) => {
    child.once("error", rej);
    child.once("close", (code) => res(code));
  });
  child.stdin.end(passwords.map((p) => `${p}\n`).join(""));
  const code = await exited;
  const hashes = out.split("\n").filter(Boolean);
  if (code !== 0 || hashes.length !== passwords.length || !hashes.every((h) => h.startsWith(prefix))) {
    throw new Error(`${method} hashing with ${cmd} failed (exit ${code}): ${err.trim()}`);
  }
  return hashes;
}

/** YAML double-quoted scalar (JSON's escapes are valid YAML), tagged !unsafe so Jinja never templates it. */
function unsafe(text: string): string {
  return `!unsafe ${JSON.stringify(text)}`;
}

export interface AnsibleRunOptions {
  readonly hosts: readonly AnsibleFleetHost[];
  readonly privateKeyPath: string;
  readonly forks: number;
  readonly hash: AnsibleHash;
  /** The run is stopped (its process group, by pid) after this long. */
  readonly timeoutMs: number;
}

export async function runAnsibleRotation(options: AnsibleRunOptions): Promise<AnsibleRunResult> {
  const dir = await mkdtemp(join(tmpdir(), "ms-fleet-ansible-"));
  // Interrupted (Ctrl-C): stop the playbook's process group and delete the inventory before dying of the signal.
  const running: { pid?: number } = {};
  const onSignal = (signal: NodeJS.Signals) => {
    if (running.pid !== undefined) {
      try {
        process.kill(-running.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    const knownHosts = join(dir, "known_hosts");
    const controlDir = join(dir, "cp");
    await mkdir(controlDir, { mode: 0o700 });
    await mkdir(join(dir, "local"), { mode: 0o700 });
    await writeFile(
      knownHosts,
      options.hosts.map((h) => `[${h.host}]:${h.port} ${h.hostPublicKey.split(/\s+/).slice(0, 2).join(" ")}\n`).join(""),
      { mode: 0o600 },
    );
    const sshCommon = `-o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`;
    await writeFile(
      join(dir, "ansible.cfg"),
      [
        "[defaults]",
        `inventory = ${join(dir, "inventory.yml")}`,
        `forks = ${options.forks}`,
        "host_key_checking = True",
        "callbacks_enabled = bench_timing",
        `callback_plugins = ${ANSIBLE_DIR}`,
        `local_tmp = ${join(dir, "local")}`,
        "interpreter_python = /usr/bin/python3",
        "retry_files_enabled = False",
        "gathering = explicit",
        "timeout = 30",
        "",
        "[ssh_connection]",
        "pipelining = True",
        "ssh_args = -o ControlMaster=auto -o ControlPersist=60s",
        `ssh_common_args = ${sshCommon}`,
        `control_path_dir = ${controlDir}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );

    const started = process.hrtime.bigint();
    const all = options.hosts.flatMap((h) => h.users.map((u) => u.newPassword));
    const hashes = await cryptHashes(all, options.hash);
    const hashMs = Number(process.hrtime.bigint() - started) / 1e6;

    let k = 0;
    const inventory: string[] = ["all:", "  children:", "    fleet:", "      hosts:"];
    for (const h of options.hosts) {
      inventory.push(
        `        ${h.name}:`,
        `          ansible_host: ${h.host}`,
        `          ansible_port: ${h.port}`,
        "          ansible_user: root",
        `          ansible_ssh_private_key_file: ${options.privateKeyPath}`,
        "          ansible_ssh_extra_args: -o IdentitiesOnly=yes",
        "          bench_users:",
      );
      for (const u of h.users) inventory.push(`            - name: ${u.name}`, `              hash: ${unsafe(hashes[k++]!)}`);
    }
    inventory.push(
      "    logins:",
      "      vars:",
      // A fresh connection per login: no ControlMaster sharing, password auth only.
      '        ansible_ssh_args: "-o ControlMaster=no -o ControlPath=none"',
      '        ansible_ssh_extra_args: "-o PubkeyAuthentication=no -o PreferredAuthentications=password"',
      "      hosts:",
    );
    for (const h of options.hosts) {
      for (const u of h.users) {
        inventory.push(
          `        ${h.name}-${u.name}:`,
          `          ansible_host: ${h.host}`,
          `          ansible_port: ${h.port}`,
          `          ansible_user: ${u.name}`,
          `          ansible_password: ${unsafe(u.newPassword)}`,
        );
      }
    }
    await writeFile(join(dir, "inventory.yml"), inventory.join("\n") + "\n", { mode: 0o600 });

    const timing = join(dir, "timing.jsonl");
    const run = await runPlaybook(dir, timing, options.timeoutMs, running);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    await closeControlMasters(controlDir);
    if (run.timedOut) throw new Error(`ansible-playbook did not finish within ${options.timeoutMs / 1000}s; it was stopped`);

    const { perSecretMs, failures } = parseTimings(await readFile(timing, "utf8").catch(() => ""), options.hosts);
    if (run.code !== 0 && failures.length === 0) {
      throw new Error(`ansible-playbook exited ${run.code}:\n${run.output.split("\n").slice(-30).join("\n")}`);
    }
    return { wallMs, hashMs, perSecretMs, failures };
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    await rm(dir, { recursive: true, force: true });
  }
}

function runPlaybook(dir: string, timing: string, timeoutMs: number, running: { pid?: number }): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((res, rej) => {
    const child = spawn("ansible-playbook", [PLAYBOOK], {
      cwd: dir,
      // Its own process group, so a timeout stops ansible and the ssh processes it started, by this pid.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ANSIBLE_CONFIG: join(dir, "ansible.cfg"),
        BENCH_ANSIBLE_TIMING: timing,
        ANSIBLE_NOCOLOR: "1",
        ANSIBLE_FORCE_COLOR: "0",
      },
    });
    running.pid = child.pid;
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      running.pid = undefined;
      res({ code, output, timedOut });
    });
  });
}

/** Ends the ControlPersist masters of play 1 (processes this run started) through their control sockets. */
async function closeControlMasters(controlDir: string): Promise<void> {
  const sockets = await readdir(controlDir).catch(() => [] as string[]);
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((res) => {
          const c = spawn("ssh", ["-o", `ControlPath=${join(controlDir, s)}`, "-O", "exit", "fleet-bench"], { stdio: "ignore" });
          c.once("error", () => res());
          c.once("close", () => res());
        }),
    ),
  );
}

interface TimingLine {
  readonly t: number;
  readonly event: string;
  readonly host: string;
  readonly task: string;
  readonly label?: string;
}

/**
 * Per secret: (its loop item's completion - the previous completion on the
 * same host, or the task's start there) + (its login's ok - its login's start).
 */
function parseTimings(text: string, hosts: readonly AnsibleFleetHost[]): { perSecretMs: Map<string, number>; failures: string[] } {
  const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as TimingLine);
  const perSecretMs = new Map<string, number>();
  const failures: string[] = [];
  const lastOnHost = new Map<string, number>();
  const loginStart = new Map<string, number>();
  const loginHost = new Map<string, string>();
  for (const h of hosts) for (const u of h.users) loginHost.set(`${h.name}-${u.name}`, `${h.name}/${u.name}`);
  for (const l of lines) {
    if (l.task === "set password") {
      if (l.event === "start") lastOnHost.set(l.host, l.t);
      else if (l.event === "item_ok" && l.label !== undefined) {
        perSecretMs.set(`${l.host}/${l.label}`, (perSecretMs.get(`${l.host}/${l.label}`) ?? 0) + (l.t - (lastOnHost.get(l.host) ?? l.t)) * 1000);
        lastOnHost.set(l.host, l.t);
      } else if (l.event === "item_failed" || l.event === "failed" || l.event === "unreachable") {
        failures.push(`set password on ${l.host}${l.label ? ` for ${l.label}` : ""}: ${l.event}`);
        lastOnHost.set(l.host, l.t);
      }
    } else if (l.task === "fresh login") {
      const key = loginHost.get(l.host);
      if (key === undefined) continue;
      if (l.event === "start") loginStart.set(l.host, l.t);
      else if (l.event === "ok") perSecretMs.set(key, (perSecretMs.get(key) ?? 0) + (l.t - (loginStart.get(l.host) ?? l.t)) * 1000);
      else failures.push(`fresh login as ${key}: ${l.event}`);
    }
  }
  return { perSecretMs, failures };
}
