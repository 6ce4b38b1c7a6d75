import { Writable } from "node:stream";
import { runCli } from "../../provider/cli/program";
import { createLogger } from "../../provider/core/log";
import type { RuntimeContext } from "../../provider/context/runtime-context";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The runner's JSON log lines (what `run`, `rotate` and the event sinks log). */
  readonly logs: string;
}

/** `managed-secrets` in-process on a test's context: stdout, stderr and the runner's log lines captured apart. */
export function inProcessCli(context: () => RuntimeContext): (args: readonly string[]) => Promise<CliRun> {
  return async (args) => {
    let out = "";
    let err = "";
    const logLines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c, _e, cb) => { logLines.push(String(c)); cb(); } }) });
    const io = { out: { write: (s: string) => void (out += s) }, err: { write: (s: string) => void (err += s) }, context, runner: { logger } };
    const code = await runCli(args, io);
    return { code, out, err, logs: logLines.join("") };
  };
}
