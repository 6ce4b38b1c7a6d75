import { spawn } from "node:child_process";

/** Cloud Assistant keeps at most this much output per execution; the rest is counted in Dropped. */
const MAX_OUTPUT_BYTES = 24 * 1024;
/** How long a timed-out script gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/**
 * Runs inside the host's mount namespace. It is a fixed program: the script
 * body arrives on stdin and is written to a private temp file, so it never
 * appears on any command line (visible in `ps`). The script itself then runs
 * with stdin from /dev/null, as the Cloud Assistant agent runs it, from the
 * user's home directory. $1 is the user name.
 */
const WRAPPER = [
  'f=$(mktemp /tmp/.acs-command.XXXXXXXX) || exit 125',
  'trap \'rm -f "$f"\' EXIT',
  "trap 'exit 143' TERM INT",
  'cat >"$f" || exit 125',
  'home=$(getent passwd "$1" | cut -d: -f6)',
  'cd "${home:-/}" 2>/dev/null || cd /',
  'if [ "$1" = root ]; then /bin/sh "$f" </dev/null',
  'else chown "$1" "$f" && runuser -u "$1" -- /bin/sh "$f" </dev/null; fi',
].join("\n");

export type ScriptOutcome =
  | { kind: "exited"; exitCode: number; output: Buffer; dropped: number }
  | { kind: "timeout"; exitCode: number; output: Buffer; dropped: number }
  | { kind: "account-missing" }
  | { kind: "unreachable" }
  | { kind: "error"; output: Buffer; dropped: number };

export interface ScriptRequest {
  nsPid: number;
  username: string;
  script: Buffer;
  timeoutMs: number;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function run(args: string[], stdin?: Buffer): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("nsenter", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", (e) => resolve({ code: null, stderr: e.message }));
    child.on("close", (code) => resolve({ code, stderr }));
    child.stdin.end(stdin);
  });
}

/** Collects output up to the service's cap and counts what it throws away. */
class OutputTail {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;

  push(chunk: Buffer): void {
    const room = MAX_OUTPUT_BYTES - this.kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  get output(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Really executes Cloud Assistant scripts on registered test hosts via
 * `nsenter --target <nsPid> --mount`, one process group per execution so a
 * timeout kills everything the script started.
 */
export class ScriptRunner {
  private readonly running = new Set<number>();

  async execute(request: ScriptRequest): Promise<ScriptOutcome> {
    if (!processExists(request.nsPid)) return { kind: "unreachable" };
    const target = ["--target", String(request.nsPid), "--mount", "--"];
    const probe = await run([...target, "id", "-u", request.username]);
    if (probe.code !== 0) {
      if (!processExists(request.nsPid) || /nsenter:/.test(probe.stderr)) return { kind: "unreachable" };
      return { kind: "account-missing" };
    }
    return this.spawnScript(target, request);
  }

  private spawnScript(target: string[], request: ScriptRequest): Promise<ScriptOutcome> {
    return new Promise((resolve) => {
      const child = spawn("nsenter", [...target, "/bin/sh", "-c", WRAPPER, "acs-command", request.username], {
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
      });
      const tail = new OutputTail();
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const pid = child.pid;
      if (pid !== undefined) this.running.add(pid);
      const timer = setTimeout(() => {
        timedOut = true;
        this.killGroup(pid, "SIGTERM");
        killTimer = setTimeout(() => this.killGroup(pid, "SIGKILL"), KILL_GRACE_MS);
      }, request.timeoutMs);
      child.stdout.on("data", (c: Buffer) => tail.push(c));
      child.stderr.on("data", (c: Buffer) => tail.push(c));
      child.stdin.on("error", () => undefined);
      child.on("error", () => {
        clearTimeout(timer);
        resolve({ kind: "error", output: tail.output, dropped: tail.dropped });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        if (pid !== undefined) this.running.delete(pid);
        const exitCode = code ?? 128 + (signal ? signalNumber(signal) : 0);
        const kind = timedOut ? "timeout" : "exited";
        resolve({ kind, exitCode, output: tail.output, dropped: tail.dropped });
      });
      child.stdin.end(request.script);
    });
  }

  private killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone: nothing to stop.
    }
  }

  /** Stops every script this runner started (emulator shutdown). */
  stopAll(): void {
    for (const pid of this.running) this.killGroup(pid, "SIGKILL");
    this.running.clear();
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}
