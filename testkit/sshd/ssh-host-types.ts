/**
 * Contract of a test "ECS instance": a real OpenSSH sshd on its own loopback
 * address, isolated in mount/pid namespaces (see testkit/sshd/ssh-host.ts).
 */
import type { ExecResult, NamespaceExecOptions } from "./ns-exec";
import type { ProcessInfo } from "./proc";

export type { ExecResult } from "./ns-exec";

export type HostKeyType = "ed25519" | "rsa";

export interface SshHostUser {
  /** Login name; created with `useradd -m` inside the host unless it exists there. */
  name: string;
  /**
   * Password set with chpasswd (over stdin). Omitted: a random one.
   * `null`: no password (account stays locked; key-only logins).
   */
  password?: string | null;
  /** OpenSSH public key lines written to ~NAME/.ssh/authorized_keys (0600, owned by NAME). */
  authorizedKeys?: string[];
  /**
   * sudo rights via /etc/sudoers.d/NAME: `true` or "nopasswd" for passwordless
   * sudo, "password" for sudo that asks for the user's own password. Needs
   * sudo installed on the machine.
   */
  sudo?: boolean | "nopasswd" | "password";
}

export interface SshHostOptions {
  users?: SshHostUser[];
  /** Root password; random if omitted. */
  rootPassword?: string;
  /** Lines for /root/.ssh/authorized_keys. The host starts with none otherwise. */
  rootAuthorizedKeys?: string[];
  /** Host key algorithm; default ed25519. */
  hostKeyType?: HostKeyType;
}

export interface HostExecOptions {
  /** Written to the command's stdin (the way to pass secrets). */
  stdin?: string | Buffer;
  /** Run as this user of the host; default root. */
  user?: string;
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
}

export interface StartedSshHost extends AsyncDisposable {
  /** Loopback address sshd listens on (127.X.Y.Z). */
  readonly host: string;
  readonly port: number;
  /** "SHA256:..." exactly as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  /** Host public key as an OpenSSH line ("ssh-ed25519 AAAA... comment"). */
  readonly hostPublicKey: string;
  readonly hostKeyType: HostKeyType;
  readonly rootPassword: string;
  /** name -> password (null for key-only users). */
  readonly users: Readonly<Record<string, string | null>>;
  /** The sshd listener's pid (as this machine sees it). */
  readonly pid: number;
  /** A pid in the host's mount/pid namespaces (sshd's). */
  readonly nsPid: number;
  /** The unshare process this host spawned (parent of sshd). */
  readonly launcherPid: number;
  /** Host temp dir (host key, config, overlay layers); removed by stop(). */
  readonly tempDir: string;

  /** Runs `sh -c command` inside the host (its /etc, /root, /home), as root or `user`. */
  exec(command: string, options?: HostExecOptions): Promise<ExecResult>;
  /** Reads a file as the host sees it; throws if it cannot be read. */
  readFile(path: string): Promise<string>;
  /** sshd's log so far (LogLevel VERBOSE; contains no passwords). */
  logs(): string;
  /** Every process in the host's pid namespace now (listener, per-connection sshd, sessions, exec'd commands). */
  processes(): ProcessInfo[];
  /** Stops everything this host started and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Options accepted by the low-level namespace runner, re-exported for helpers. */
export type { NamespaceExecOptions };
