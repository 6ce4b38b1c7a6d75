import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

/**
 * Runs an examples/ entry the way its npm script does (`tsx examples/X.ts`),
 * in its own process group so a test can signal it like a terminal's Ctrl-C
 * and, whatever happens, stop everything it started.
 */

export const REPO = resolve(__dirname, "..", "..");

export interface ScriptRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text` (or rejects when the script exits first). */
  waitFor(text: string | RegExp): Promise<string>;
  /** Resolves with the exit code (or 128 + signal number) once the process exits. */
  readonly exited: Promise<number>;
  /** Signals the whole process group, as a terminal does on Ctrl-C. */
  signalGroup(signal: NodeJS.Signals): void;
}

export function runScript(script: string, options: { args?: string[]; env?: NodeJS.ProcessEnv; asUser?: number } = {}): ScriptRun {
  // As package.json runs it: one node process with tsx loaded. Through tsx's CLI there would be two, and
  // the parent, when the child does not acknowledge a signal within 30 ms (a loaded machine), exits 130
  // and SIGKILLs the child before its cleanup runs.
  const argv = ["--import", "tsx", script, ...(options.args ?? [])];
  const env = { ...process.env, ...options.env };
  // The script runs as a newcomer runs it: no loader or condition inherited from mocha.
  delete env.NODE_OPTIONS;
  const [command, args] =
    options.asUser === undefined
      ? [process.execPath, argv]
      : ["/usr/bin/setpriv", [`--reuid=${options.asUser}`, `--regid=${options.asUser}`, "--clear-groups", process.execPath, ...argv]];
  const child = spawn(command, args, { cwd: REPO, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: Array<{ test: (s: string) => boolean; resolve: (s: string) => void; reject: (e: Error) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(out);
      }
    }
  };
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((res) => {
    child.once("close", (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`${script} exited (${code ?? signal}) before printing what was awaited:\n${out}\n${err}`));
      res(code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : signal === "SIGINT" ? 2 : 0));
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise((res, rej) => {
        const test = typeof text === "string" ? (s: string) => s.includes(text) : (s: string) => text.test(s);
        if (test(out)) res(out);
        else if (child.exitCode !== null || child.signalCode !== null) rej(new Error(`${script} already exited:\n${out}\n${err}`));
        else waiters.push({ test, resolve: res, reject: rej });
      }),
    exited,
    signalGroup: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** Last resort for a test that failed midway: the script's whole group, by its own process group id. */
export async function killScript(run: ScriptRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.signalGroup("SIGTERM");
  const timer = setTimeout(() => run.signalGroup("SIGKILL"), 20_000);
  await run.exited;
  clearTimeout(timer);
}
