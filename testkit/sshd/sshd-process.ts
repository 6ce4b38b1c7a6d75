/**
 * One sshd listener in its own mount and pid namespaces.
 *
 * Process tree (pids as the machine sees them):
 *
 *   node (this test process)
 *    └─ unshare              spawned pid; `setpriv --pdeathsig` exec'd into it,
 *        │                   so it is SIGKILLed if node dies without cleanup
 *        └─ sshd -D -e       pid 1 of the new pid namespace (`--kill-child`:
 *            └─ sshd ...     SIGKILLed if unshare dies); per-connection children
 *
 * Because sshd is the init of its pid namespace, the kernel kills every process
 * left in that namespace (per-connection sshd, user shells, anything they
 * daemonized, commands run through `nsenter --pid`) when sshd exits, and
 * unshare only exits after that. Nothing is ever signalled by name; sshd is
 * signalled only after checking its pid, start time and parent.
 *
 * Inside the mount namespace, overlays over /etc, /root, /home and /var/log
 * keep password, user, authorized_keys and login-record changes in this host's
 * temp dir, and a private tmpfs on /run holds /run/sshd (and utmp).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { LogBuffer } from "./log-buffer";
import {
  descendantsOf,
  isRunning,
  pidNamespaceOf,
  processesInPidNamespace,
  readProcess,
  type ProcessIdentity,
  type ProcessInfo,
} from "./proc";
import { SSHD_PATH } from "./require-root";

export const SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Directories overlaid per host: writes land in DIR/overlay/NAME/upper. */
export const OVERLAYS: ReadonlyArray<{ name: string; target: string }> = [
  { name: "etc", target: "/etc" },
  { name: "root", target: "/root" },
  { name: "home", target: "/home" },
  { name: "var-log", target: "/var/log" },
];

const NAMESPACE_SCRIPT = `set -eu
for spec in ${OVERLAYS.map((o) => `${o.name}:${o.target}`).join(" ")}; do
  name=\${spec%%:*}
  target=\${spec#*:}
  mount -t overlay "ssh-host-$name" \\
    -o "lowerdir=$target,upperdir=$SSH_HOST_DIR/overlay/$name/upper,workdir=$SSH_HOST_DIR/overlay/$name/work" \\
    "$target"
done
mount -t tmpfs -o mode=0755,size=16m ssh-host-run /run
mkdir -m 0755 /run/sshd
exec ${SSHD_PATH} -D -e -f "$SSH_HOST_CONFIG"
`;

/** Creates the overlay upper/work dirs `launchSshd` expects under `dir`. */
export async function prepareOverlayDirs(dir: string): Promise<void> {
  for (const { name } of OVERLAYS) {
    await mkdir(join(dir, "overlay", name, "upper"), { recursive: true, mode: 0o755 });
    await mkdir(join(dir, "overlay", name, "work"), { recursive: true, mode: 0o700 });
  }
}

export interface SshdLaunchOptions {
  /** Host temp dir (absolute), already prepared with `prepareOverlayDirs`. */
  dir: string;
  /** Absolute sshd_config path. */
  configPath: string;
  address: string;
  port: number;
  readyTimeoutMs?: number;
}

export type SshdLaunchOutcome =
  | { kind: "ready"; sshd: SshdProcess }
  /** sshd could not bind ADDRESS:PORT; nothing is left running. */
  | { kind: "address-in-use"; logs: string };

export class SshdProcess {
  readonly launcherPid: number;
  /** sshd listener: pid 1 of the host's pid namespace, pid `sshd.pid` outside. */
  readonly sshd: ProcessIdentity;
  private exitedFlag = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly log: LogBuffer,
    sshd: ProcessIdentity,
    private readonly exited: Promise<void>,
    private readonly closed: Promise<void>,
  ) {
    this.launcherPid = child.pid as number;
    this.sshd = sshd;
    void exited.then(() => {
      this.exitedFlag = true;
    });
  }

  get running(): boolean {
    return !this.exitedFlag && isRunning(this.sshd);
  }

  logs(): string {
    return this.log.text();
  }

  /**
   * Every process in the host's pid namespace right now: the sshd listener,
   * per-connection sshd, sessions, and commands run there by exec().
   */
  processes(): ProcessInfo[] {
    if (!this.running) return [];
    const namespace = pidNamespaceOf(this.sshd.pid);
    return namespace === undefined ? [] : processesInPidNamespace(namespace);
  }

  /**
   * SIGTERM sshd, then SIGKILL it, then SIGKILL unshare, each after `graceMs`.
   * Resolves once unshare has exited, which implies every process of the pid
   * namespace is gone. Idempotent.
   */
  stop(graceMs = 3_000): Promise<void> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  /** Synchronous SIGKILL for the process-exit safety net. */
  killNow(): void {
    this.signalSshd("SIGKILL");
    if (!this.exitedFlag) this.child.kill("SIGKILL");
  }

  private async doStop(graceMs: number): Promise<void> {
    const steps: Array<() => void> = [
      () => this.signalSshd("SIGTERM"),
      () => this.signalSshd("SIGKILL"),
      () => {
        if (!this.exitedFlag) this.child.kill("SIGKILL");
      },
    ];
    for (const step of steps) {
      if (this.exitedFlag) break;
      step();
      if (await within(this.exited, graceMs)) break;
    }
    if (!this.exitedFlag) {
      throw new Error(`sshd host (unshare pid ${this.launcherPid}) did not exit after SIGKILL`);
    }
    // stderr closes once no process holds it any more; bounded, informational.
    await within(this.closed, graceMs);
  }

  /** Signals sshd only if it is still the exact process this host started. */
  private signalSshd(signal: NodeJS.Signals): void {
    if (this.exitedFlag) return;
    const info = readProcess(this.sshd.pid);
    if (!info || info.startTime !== this.sshd.startTime || info.ppid !== this.launcherPid) return;
    try {
      process.kill(this.sshd.pid, signal);
    } catch {
      // exited in between
    }
  }
}

export function launchSshd(options: SshdLaunchOptions): Promise<SshdLaunchOutcome> {
  const { dir, configPath, address, port, readyTimeoutMs = 15_000 } = options;
  const log = new LogBuffer();
  const child = spawn(
    "/usr/bin/setpriv",
    [
      "--pdeathsig",
      "SIGKILL",
      "--",
      "/usr/bin/unshare",
      "--mount",
      "--propagation",
      "private",
      "--pid",
      "--fork",
      "--kill-child",
      "/bin/sh",
      "-c",
      NAMESPACE_SCRIPT,
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: SAFE_PATH, LC_ALL: "C", SSH_HOST_DIR: dir, SSH_HOST_CONFIG: configPath },
    },
  );
  const stderr = child.stderr as NonNullable<typeof child.stderr>;
  stderr.on("data", (chunk: Buffer) => log.write(chunk));
  stderr.on("end", () => log.end());

  let exitDescription = "";
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitDescription = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once("error", () => resolve());
  });
  const closed = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    child.once("error", () => resolve());
  });

  return new Promise<SshdLaunchOutcome>((resolve, reject) => {
    const readyLine = `Server listening on ${address} port ${port}.`;
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      action();
    };
    const fail = async (message: string) => {
      // Make sure nothing of this attempt survives before reporting.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      await within(closed, 3_000);
      reject(new Error(`${message}\n--- sshd host log ---\n${log.text()}`));
    };

    const stopListening = log.onLine((line) => {
      if (line !== readyLine) return;
      finish(() => {
        const sshd = findSshd(child.pid as number);
        if (!sshd) {
          void fail(`sshd printed "${readyLine}" but no sshd child of unshare ${child.pid} was found`);
          return;
        }
        resolve({ kind: "ready", sshd: new SshdProcess(child, log, sshd, exited, closed) });
      });
    });

    const timer = setTimeout(() => {
      finish(() => void fail(`sshd did not report "${readyLine}" within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);

    child.once("error", (err) => finish(() => reject(err)));
    void exited.then(() =>
      finish(() => {
        void within(closed, 3_000).then(() => {
          const logs = log.text();
          if (/Address already in use|Cannot assign requested address|Cannot bind any address/.test(logs)) {
            resolve({ kind: "address-in-use", logs });
          } else {
            reject(new Error(`sshd host exited (${exitDescription}) before listening\n--- sshd host log ---\n${logs}`));
          }
        });
      }),
    );
  });
}

function findSshd(launcherPid: number): ProcessIdentity | undefined {
  const children = descendantsOf(launcherPid).filter((p) => p.ppid === launcherPid);
  if (children.length !== 1 || children[0].comm !== "sshd") return undefined;
  return { pid: children[0].pid, startTime: children[0].startTime };
}

/** Resolves true if `promise` settles within `ms`, false otherwise. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
