/** The running-host handle returned by startSshHost. */
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { removeHostDir } from "./host-dir";
import { registerExitCleanup } from "./exit-cleanup";
import { runInNamespace, shellArgv, type ExecResult } from "./ns-exec";
import type { ProcessInfo } from "./proc";
import type { HostExecOptions, HostKeyType, StartedSshHost } from "./ssh-host-types";
import type { SshdProcess } from "./sshd-process";

export interface StartedSshHostFields {
  host: string;
  port: number;
  hostKeyFingerprint: string;
  hostPublicKey: string;
  hostKeyType: HostKeyType;
  rootPassword: string;
  users: Record<string, string | null>;
  tempDir: string;
}

export class StartedSshHostImpl implements StartedSshHost {
  readonly host: string;
  readonly port: number;
  readonly hostKeyFingerprint: string;
  readonly hostPublicKey: string;
  readonly hostKeyType: HostKeyType;
  readonly rootPassword: string;
  readonly users: Readonly<Record<string, string | null>>;
  readonly tempDir: string;
  readonly pid: number;
  readonly nsPid: number;
  readonly launcherPid: number;

  private readonly execChildren = new Set<ChildProcess>();
  private readonly unregisterExitCleanup: () => void;
  private stopping: Promise<void> | undefined;

  constructor(
    fields: StartedSshHostFields,
    private readonly sshd: SshdProcess,
  ) {
    this.host = fields.host;
    this.port = fields.port;
    this.hostKeyFingerprint = fields.hostKeyFingerprint;
    this.hostPublicKey = fields.hostPublicKey;
    this.hostKeyType = fields.hostKeyType;
    this.rootPassword = fields.rootPassword;
    this.users = Object.freeze({ ...fields.users });
    this.tempDir = fields.tempDir;
    this.pid = sshd.sshd.pid;
    this.nsPid = sshd.sshd.pid;
    this.launcherPid = sshd.launcherPid;
    this.unregisterExitCleanup = registerExitCleanup(() => {
      for (const child of this.execChildren) child.kill("SIGKILL");
      sshd.killNow();
      rmSync(this.tempDir, { recursive: true, force: true });
    });
  }

  exec(command: string, options: HostExecOptions = {}): Promise<ExecResult> {
    return this.run(shellArgv(command), options);
  }

  async readFile(path: string): Promise<string> {
    const result = await this.run(["/bin/cat", "--", path]);
    if (result.code !== 0) {
      throw new Error(`cannot read ${path} in host ${this.host}: ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  logs(): string {
    return this.sshd.logs();
  }

  processes(): ProcessInfo[] {
    return this.sshd.processes();
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Runs argv in the host's namespaces; refuses once stop() has begun. */
  run(argv: readonly string[], options: HostExecOptions = {}): Promise<ExecResult> {
    if (this.stopping) {
      return Promise.reject(new Error(`host ${this.host}:${this.port} is stopped`));
    }
    return runInNamespace(this.nsPid, argv, options, (child) => {
      this.execChildren.add(child);
      child.once("close", () => this.execChildren.delete(child));
      child.once("error", () => this.execChildren.delete(child));
    });
  }

  private async doStop(): Promise<void> {
    try {
      // Ends sshd, and with it every process in the host's pid namespace,
      // including commands forked there by exec().
      await this.sshd.stop();
      await this.reapExecChildren();
    } finally {
      await removeHostDir(this.tempDir);
      this.unregisterExitCleanup();
    }
  }

  /** nsenter parents exit once their child in the namespace is gone; make sure. */
  private async reapExecChildren(): Promise<void> {
    const pending = [...this.execChildren];
    if (pending.length === 0) return;
    const closed = pending.map((c) => new Promise<void>((r) => c.once("close", () => r())));
    const timer = setTimeout(() => pending.forEach((c) => c.kill("SIGKILL")), 3_000);
    try {
      await Promise.all(closed);
    } finally {
      clearTimeout(timer);
    }
  }
}
