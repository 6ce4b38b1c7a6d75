import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { describeError, isManagedSecretsError } from "../core/errors";
import { runtimeContext, type RuntimeContext } from "../context/runtime-context";
import { registerAcceptRollbackCommand } from "./accept-rollback-command";
import { registerCleanLeasesCommand } from "./clean-leases-command";
import type { Output } from "./output";
import { CheckFailed, registerRunnerCommands, RunFailed, RunStoppedEarly, type RunnerIo } from "./runner-commands";
import { registerAdoptCommands } from "./adopt-commands";
import { registerReportCommand } from "./report-command";
import { registerSecretCommands } from "./secret-commands";
import { LOG_FORMAT_ENV, LOG_FORMATS } from "./log-format";

/**
 * `managed-secrets`: the same store and rotation protocol as the Pulumi
 * provider, for operators and scripts. Every command takes --json; errors go
 * to stderr as one line with their code.
 */

/** Scripts branch on these, so they are part of the interface (README, --help). */
const EXIT_CODES = { done: 0, failed: 1, usage: 2, stoppedEarly: 3 } as const;

const EXIT_CODES_HELP = `
Exit codes: 0 done, 1 a secret failed or drifted, 2 usage error (1 also when the store or a secret cannot be used),
3 run or rotate --select stopped early (a canary failed or --max-failures was spent; the summary lists what was not attempted).
Errors are one line on stderr: managed-secrets: <Code>: <message> (codes: provider/core/errors.ts).
`;

export interface CliIo {
  readonly out: Output;
  readonly err: Output;
  /** Injected so tests run commands in-process against their own store. */
  readonly context?: () => RuntimeContext;
  /** Everything on stdin, for credential files given as -; tests inject it. */
  readonly stdin?: () => Promise<string>;
  /** Runner-only injections (logger, wait, abort signal) for tests. */
  readonly runner?: Pick<RunnerIo, "logger" | "wait" | "signal">;
}

function buildProgram(io: CliIo): Command {
  const ctx = () => (io.context ?? runtimeContext)();
  const program = new Command("managed-secrets")
    .description("Rotated ECS passwords / SSH keys and RAM AccessKeys, from the command line")
    .version(packageVersion(), "-V, --version", "print the version")
    // runCli prints usage errors as one line with a hint; commander's own text (and the whole help) would bury it.
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s), outputError: () => undefined })
    .exitOverride()
    .addOption(
      new Option("--log-format <format>", `log lines on stderr: human (short lines, the default on a terminal) or json (the default otherwise; also ${LOG_FORMAT_ENV})`).choices([
        ...LOG_FORMATS,
      ]),
    )
    .addHelpText("after", EXIT_CODES_HELP);

  registerSecretCommands(program, { out: io.out, err: io.err, context: ctx, runner: io.runner });
  registerAdoptCommands(program, { out: io.out, context: ctx, ...(io.stdin ? { stdin: io.stdin } : {}) });
  registerRunnerCommands(program, { out: io.out, err: io.err, context: ctx, ...io.runner });
  registerReportCommand(program, { out: io.out, context: ctx });
  registerAcceptRollbackCommand(program, { out: io.out, context: ctx });
  registerCleanLeasesCommand(program, { out: io.out, context: ctx });
  return program;
}

/** Runs argv (without node and script), returning the exit code (EXIT_CODES); never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  const commandNames = new Set(program.commands.map((c) => c.name()));
  const command = argv.find((a) => commandNames.has(a));
  const usage = (message: string, suggestion = "") => {
    io.err.write(`managed-secrets: ${message}\n`);
    io.err.write(`hint: run managed-secrets${command ? ` ${command}` : ""} --help${suggestion}\n`);
    return EXIT_CODES.usage;
  };
  if (argv.length === 0) return usage("UsageError: no command given");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_CODES.done;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT_CODES.done; // --help, --version
      // Commander says "error: unknown command 'rotat'\n(Did you mean rotate?)": keep the sentence, move the guess to the hint.
      const [first, ...rest] = e.message.replace(/^error: /, "").split("\n");
      const guess = rest.join(" ").trim().replace(/^\((.*)\)$/, "$1");
      return usage(`UsageError: ${first}`, guess ? ` (${guess.charAt(0).toLowerCase()}${guess.slice(1)})` : "");
    }
    // run and check have printed their own report; only the exit code is left to say.
    if (e instanceof RunStoppedEarly) return EXIT_CODES.stoppedEarly;
    if (e instanceof RunFailed || e instanceof CheckFailed) return EXIT_CODES.failed;
    if (isManagedSecretsError(e, "InvalidInput") || isManagedSecretsError(e, "UsageError")) return usage(describeError(e));
    io.err.write(`managed-secrets: ${describeError(e)}\n`);
    return EXIT_CODES.failed;
  }
}

/** package.json sits two folders up from the source and three from dist/. */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, "package.json");
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "alicloud-managed-secrets" && pkg.version) return pkg.version;
  }
  return "unknown";
}
