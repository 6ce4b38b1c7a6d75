/**
 * Run a program inside a test host: `nsenter --target NSPID --mount --pid`, so
 * it sees the host's /etc, /root, /home, and dies with the host (it is forked
 * into the host's pid namespace). Secrets go over stdin, never into argv.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { SAFE_PATH } from "./sshd-process";

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code; 128 + signal number when killed by a signal (as a shell reports it). */
  code: number;
}

export interface NamespaceExecOptions {
  stdin?: string | Buffer;
  /** Run as this user of the host (via runuser); default root. */
  user?: string;
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
}

/** argv that runs `argv` inside the namespaces of `nsPid`, optionally as `user`. */
export function nsenterArgv(nsPid: number, argv: readonly string[], user?: string): string[] {
  const base = ["/usr/bin/nsenter", `--target=${nsPid}`, "--mount", "--pid", "--"];
  if (user === undefined || user === "root") return [...base, ...argv];
  return [...base, "/usr/sbin/runuser", "-u", user, "--", ...argv];
}

/** argv for a shell command run from the user's home directory. */
export function shellArgv(command: string): string[] {
  return ["/bin/sh", "-c", 'cd "$HOME" 2>/dev/null || cd /; exec /bin/sh -c "$1"', "sh", command];
}

/**
 * Runs `argv` in the host and collects its output. `track` is told about the
 * nsenter child so the host can account for it when stopping.
 */
export function runInNamespace(
  nsPid: number,
  argv: readonly string[],
  options: NamespaceExecOptions = {},
  track?: (child: ChildProcess) => void,
): Promise<ExecResult> {
  const [file, ...args] = nsenterArgv(nsPid, argv, options.user);
  const home = options.user === undefined || options.user === "root" ? "/root" : undefined;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: SAFE_PATH, LC_ALL: "C", ...(home ? { HOME: home } : {}) },
    });
    track?.(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
      });
    });
    // The command may exit without reading stdin; that is not our error.
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? "");
  });
}
