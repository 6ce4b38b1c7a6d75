import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface, type Interface } from "node:readline";

/**
 * A consumer process: credentials in its environment, commands on stdin, one
 * JSON report per line on stdout, each starting with {"phase" (client
 * libraries print lines of their own: the Go SDK logs to stdout). Each kind
 * of consumer program names its reports and commands.
 */
export class ConsumerProcess<Report extends { readonly phase: string }, Command extends string> {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private stderr = "";

  constructor(file: string, args: string[], env: Record<string, string>) {
    this.child = spawn(file, args, { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on("line", (line) => {
      if (!line.startsWith('{"phase"')) return;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.pending.push(line);
    });
  }

  /** The next report, or an error naming the process's last stderr lines. */
  next(timeoutMs = 30_000): Promise<Report> {
    const line = this.pending.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line) as Report);
    const why = () => `stderr: ${this.stderr.split("\n").slice(-5).join(" | ")}`;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.reject(new Error(`consumer exited (${this.child.exitCode ?? this.child.signalCode}); ${why()}`));
    return new Promise((resolve, reject) => {
      // One listener per wait, removed when it ends: a bench asks thousands of times.
      const exited = (code: number | null) => {
        clearTimeout(timer);
        this.waiting = undefined;
        reject(new Error(`consumer exited (${code}); ${why()}`));
      };
      const timer = setTimeout(() => {
        this.child.off("exit", exited);
        this.waiting = undefined;
        reject(new Error(`no report within ${timeoutMs} ms; ${why()}`));
      }, timeoutMs);
      this.child.once("exit", exited);
      this.waiting = (l) => {
        clearTimeout(timer);
        this.child.off("exit", exited);
        resolve(JSON.parse(l) as Report);
      };
    });
  }

  send(command: Command, timeoutMs?: number): Promise<Report> {
    this.child.stdin.write(`${command}\n`);
    return this.next(timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end("quit\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
