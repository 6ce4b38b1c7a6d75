import { Writable } from "node:stream";
import { runCli } from "../../provider/cli/program";
import { createLogger } from "../../provider/core/log";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import type { RunnerIo } from "../../provider/cli/runner-commands";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The runner's JSON log lines (what `run`, `rotate` and the event sinks log). */
  readonly logs: string;
}

/** `managed-secrets` in-process on a test's context: stdout, stderr and the runner's log lines captured apart; `runner` replaces `--every`'s wait. */
export function inProcessCli(context: () => RuntimeContext, runner: Pick<RunnerIo, "wait" | "signal"> = {}): (args: readonly string[]) => Promise<CliRun> {
  return async (args) => {
    let out = "";
    let err = "";
    const logLines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (c, _e, cb) => { logLines.push(String(c)); cb(); } }) });
    const io = { out: { write: (s: string) => void (out += s) }, err: { write: (s: string) => void (err += s) }, context, runner: { logger, ...runner } };
    const code = await runCli(args, io);
    return { code, out, err, logs: logLines.join("") };
  };
}
