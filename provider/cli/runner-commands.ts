import { Command, InvalidArgumentError, Option } from "commander";
import type { Logger } from "pino";
import { ManagedSecretsError, describeError } from "../core/errors";
import { lowCapacityWarning } from "../store/store-capacity";
import type { RuntimeContext } from "../context/runtime-context";
import type { SecretMeta } from "../store/secret-store";
import type { LocalSecretStore } from "../store/local/local-store";
import { countOutcomes, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, runOnce, type RunReport } from "../runner/run-once";
import { type SecretOutcome } from "../schedule/secret-outcome";
import { assessSecret, DEFAULT_OVERDUE_TOLERANCE_MS, type SecretHealth } from "../health/secret-health";
import { kmsEventsOf } from "../health/kms-rotation-health";
import { probeTarget } from "../rotation/probe-target";
import { createLogger } from "../core/log";
import { mapBounded } from "../core/map-bounded";
import { wholeNumberIn } from "../core/decimal";
import { ISO_TIME_FORM, parseIsoTime } from "../core/iso-time";
import { longSleep } from "../core/long-sleep";
import { jsonText, printTable, type Output } from "./output";
import { blastRadiusOptions, gateFrom, selectOption, type BlastRadiusFlags } from "./blast-radius-options";
import { emitAttempts, eventOptions, eventSinkFrom, type EventFlags } from "./event-options";
import { selection, type SelectTerm } from "../runner/selection";
import { chooseLogFormat, humanLogLine, type LogFormat } from "./log-format";
import { terminalProgress, type TerminalProgress, type TerminalStream } from "./terminal-progress";

/**
 * `run` and `check`: the runner's CLI doors. Output is for people on a
 * terminal (a progress bar, short log lines above it, and a summary table)
 * and for machines elsewhere (JSON log lines on stderr, --json on stdout);
 * the summary table is the same either way, and the exit code says whether
 * anything failed.
 */

export interface RunnerIo {
  readonly out: Output;
  /** Log lines and the progress bar; a terminal when isTTY. */
  readonly err: Output & TerminalStream;
  readonly context: () => RuntimeContext;
  /** Tests inject a logger that writes where they can read it. */
  readonly logger?: Logger;
  /** `--every` waits between passes; tests replace the wait. */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DAY_MS = UNIT_MS.d;

/** `--every`: at most a week, so the wait between passes is one timer well inside Node's limit (2^31-1 ms, about 24.8 days). */
export const EVERY_RANGE = { min: 60_000, max: 7 * DAY_MS, text: "1m..7d" } as const;
/** `--tolerance` is never waited for, only compared; a year is more than any rotation period allows to be late. */
export const TOLERANCE_RANGE = { min: 60_000, max: 365 * DAY_MS, text: "1m..365d" } as const;

function interval(range: { readonly min: number; readonly max: number; readonly text: string }): (text: string) => number {
  return (text) => {
    const m = /^([1-9][0-9]{0,9})([smhd])$/.exec(text);
    const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
    if (!(ms >= range.min && ms <= range.max)) throw new InvalidArgumentError(`must be an integer with unit s, m, h or d, ${range.text} (e.g. 15m)`);
    return ms;
  };
}

export const parseEvery = interval(EVERY_RANGE);
export const parseTolerance = interval(TOLERANCE_RANGE);

export function parseAt(text: string): Date {
  const at = parseIsoTime(text);
  if (!at) throw new InvalidArgumentError(`must be ${ISO_TIME_FORM}`);
  return at;
}

export function parseConcurrency(text: string): number {
  const n = wholeNumberIn(text, 1, MAX_CONCURRENCY);
  if (n === undefined) throw new InvalidArgumentError(`must be an integer 1..${MAX_CONCURRENCY}, in decimal digits`);
  return n;
}

const ALLOW_MISSING_STORE = "--allow-missing-store";
const allowMissingStore = () => new Option(ALLOW_MISSING_STORE, "treat a local store file that does not exist as an empty store (otherwise an error)");

/**
 * A missing local file reads as an empty store, and an empty store is all
 * healthy with nothing due: a mistyped path would pass CI silently.
 */
async function requireStore(ctx: RuntimeContext, allowMissing: boolean | undefined): Promise<void> {
  if (allowMissing === true || ctx.store.kind !== "local") return;
  const local = ctx.store as LocalSecretStore;
  if (await local.fileExists()) return;
  throw new ManagedSecretsError(
    "StoreConfig",
    `the local store file ${local.path} does not exist: check managed-secrets:localPath / MANAGED_SECRETS_LOCAL_PATH, or pass ${ALLOW_MISSING_STORE} if an empty store is expected`,
    { property: "localPath" },
  );
}

interface RunFlags extends BlastRadiusFlags, EventFlags {
  allowMissingStore?: boolean;
  once?: boolean;
  every?: number;
  dryRun?: boolean;
  at?: Date;
  concurrency: number;
  prefix?: string;
  json?: boolean;
  logFormat: LogFormat;
}

export function registerRunnerCommands(program: Command, io: RunnerIo): void {
  const run = program
    .command("run")
    .description("rotate every secret that is due (automatic rotation on, next rotation time passed, not pending deletion)")
    .option("--once", "one pass, then exit (the default)")
    .option("--every <interval>", `a pass every interval, e.g. 15m (${EVERY_RANGE.text})`, parseEvery)
    .option("--dry-run", "list what would rotate and why; rotate nothing")
    .option("--at <time>", "act as of this ISO time: judge what is due, and schedule the next rotation, from it (a replay rotates nothing twice)", parseAt)
    .option("--concurrency <n>", "rotations in flight (1..64)", parseConcurrency, DEFAULT_CONCURRENCY)
    .option("--prefix <prefix>", "only secrets whose names start with this")
    .addOption(allowMissingStore())
    .addOption(new Option("--json", "print the report as JSON"));
  for (const option of [...blastRadiusOptions(), ...eventOptions()]) run.addOption(option);
  run.action(async (options: Omit<RunFlags, "logFormat">, command: Command) => {
      if (options.once && options.every !== undefined) {
        throw new ManagedSecretsError("InvalidInput", "--once and --every exclude each other", { property: "--every" });
      }
      const globals = command.optsWithGlobals<{ logFormat?: LogFormat }>();
      const flags: RunFlags = { ...options, logFormat: chooseLogFormat(globals.logFormat, process.env, io.err.isTTY) };
      await requireStore(io.context(), flags.allowMissingStore);
      let failed: boolean;
      let stoppedEarly: string | undefined;
      for (;;) {
        const report = await runPass(io, flags);
        failed = countOutcomes(report).failed > 0;
        stoppedEarly = report.stoppedEarly;
        if (flags.every === undefined || io.signal?.aborted) break;
        await (io.wait ?? longSleep)(flags.every, io.signal ?? new AbortController().signal);
        if (io.signal?.aborted) break;
      }
      if (stoppedEarly) throw new RunStoppedEarly(stoppedEarly);
      if (failed) throw new RunFailed();
    });

  program
    .command("check")
    .description("exit non-zero when any secret is overdue, rejected by its target, unreachable, interrupted or failing")
    .option("--at <time>", "judge as of this ISO time", parseAt)
    .option("--tolerance <interval>", `how late a due rotation may be (${TOLERANCE_RANGE.text}, default 1h)`, parseTolerance)
    .option("--no-probe", "do not log in with the current credentials")
    .option("--concurrency <n>", "probes in flight (1..64)", parseConcurrency, DEFAULT_CONCURRENCY)
    .option("--prefix <prefix>", "only secrets whose names start with this")
    .addOption(selectOption())
    .addOption(allowMissingStore())
    .addOption(new Option("--json", "print the findings as JSON"))
    .action(async (flags: { at?: Date; tolerance?: number; probe: boolean; concurrency: number; prefix?: string; select?: SelectTerm[]; json?: boolean; allowMissingStore?: boolean }) => {
      const ctx = io.context();
      await requireStore(ctx, flags.allowMissingStore);
      const now = flags.at ?? ctx.clock();
      const secrets = (await ctx.store.listSecrets({ prefix: flags.prefix, includePendingDeletion: true, detail: "schedule" })).filter(selection(flags.select, ctx.targets));
      const findings = await mapBounded(secrets, flags.concurrency, async (listed) => {
        const meta = await withPendingVersion(ctx, listed);
        return assessSecret(meta, {
          now,
          toleranceMs: flags.tolerance ?? DEFAULT_OVERDUE_TOLERANCE_MS,
          probe:
            flags.probe && !meta.plannedDeleteAt
              ? async () => probeTarget(ctx.targets.targetFor(meta, ctx), async () => (await ctx.store.getValue(meta.name)).value)
              : undefined,
          ...(meta.managed ? { kmsEvents: kmsEventsOf(ctx.cloud, meta.name) } : {}),
        });
      });
      printFindings(io, findings, flags.json === true);
      await warnOfCapacity(ctx, io.err);
      if (findings.some((f) => !f.healthy)) throw new CheckFailed(findings.filter((f) => !f.healthy).length);
    });
}

/**
 * `check` judges from the schedule listing (on the kms store, ListSecrets
 * alone: ceil(N/100) calls, not two per secret). A listing marks an
 * unfinished rotation but may not know when its ACSPending version was made
 * (versionId ""), and "interrupted" is judged by that time: those few
 * secrets are read in full.
 */
async function withPendingVersion(ctx: RuntimeContext, meta: SecretMeta): Promise<SecretMeta> {
  if (!meta.versions.some((v) => v.versionId === "" && v.stages.includes("ACSPending"))) return meta;
  return (await ctx.store.describeSecret(meta.name)) ?? meta;
}

/**
 * The store's room for new secrets (a KMS instance's secret quota), said on
 * stderr when under LOW_CAPACITY_FRACTION, or when it cannot be read: a
 * warning, not a finding, since every secret it holds still rotates (new
 * versions use no quota); the next create is what would fail.
 */
async function warnOfCapacity(ctx: RuntimeContext, err: Output): Promise<void> {
  if (ctx.store.capacity === undefined) return;
  try {
    const capacity = await ctx.store.capacity();
    const low = capacity && lowCapacityWarning(capacity);
    if (low) err.write(`warning: ${low}\n`);
  } catch (e) {
    err.write(`warning: the store's room for new secrets could not be read: ${describeError(e)}\n`);
  }
}

/** A failed pass or check: already reported, so the CLI only sets the exit code. */
export class RunFailed extends Error {
  constructor() {
    super("some secrets failed to rotate");
  }
}
/** The pass stopped starting rotations (a canary failed, or the failure budget was spent): some due secrets were not attempted. */
export class RunStoppedEarly extends RunFailed {
  constructor(readonly why: string) {
    super();
  }
}
export class CheckFailed extends Error {
  constructor(readonly unhealthy: number) {
    super(`${unhealthy} secret(s) need attention`);
  }
}

async function runPass(io: RunnerIo, flags: RunFlags): Promise<RunReport> {
  const ctx = io.context();
  const display = passDisplay(io, flags);
  const logger = display.logger;
  const events = flags.dryRun ? undefined : eventSinkFrom(flags, display, io.context, logger);
  const report = await runOnce({
    store: ctx.store,
    clock: flags.at ? actingAs(ctx.clock, flags.at) : ctx.clock,
    owner: `runner:${ctx.owner}`,
    targetFor: (meta) => ctx.targets.targetFor(meta, ctx),
    concurrency: flags.concurrency,
    dryRun: flags.dryRun,
    at: flags.at,
    prefix: flags.prefix,
    select: selection(flags.select, ctx.targets),
    gate: gateFrom(flags, ctx.targets),
    onAttempt: emitAttempts(events, "schedule", ctx.clock, (meta) => ctx.targets.factsOf(meta)),
    ...display.runOptions,
  }).finally(display.stop);
  await events?.flush();
  printRunReport(io, report, flags);
  return report;
}

/**
 * What a pass (run, rotate --select) shows while it runs: on a terminal, the
 * progress bar with log lines and --events lines written above it; the
 * report itself is printed after, the same either way.
 */
export function passDisplay(io: RunnerIo, flags: { readonly json?: boolean; readonly logFormat: LogFormat }) {
  const bar = io.err.isTTY && !flags.json ? terminalProgress(io.err) : undefined;
  const logger = io.logger ?? logTo(flags.logFormat, bar, io.err);
  return {
    logger,
    out: bar ? { write: (text: string) => bar.above(() => io.out.write(text)) } : io.out,
    runOptions: {
      logger,
      onDue: (total: number) => bar?.start(total),
      onProgress: (done: number, total: number) => {
        bar?.update(done);
        if (done === total) bar?.stop();
      },
    },
    stop: () => bar?.stop(),
  };
}

/** The summary of a pass (run, rotate --select): the same table on a terminal and off it, or the report as JSON. */
export function printRunReport(io: Pick<RunnerIo, "out">, report: RunReport, flags: { readonly json?: boolean; readonly dryRun?: boolean }): void {
  if (flags.json) {
    io.out.write(jsonText(report));
    return;
  }
  const counts = countOutcomes(report);
  const shown = report.outcomes.filter((o) => o.status !== "skipped" || o.reason === "another rotator holds its lease");
  for (const r of report.retired) io.out.write(`retire ${r.name} ${r.id} ${r.result}: ${r.reason}\n`);
  if (report.outcomes.length === 0) io.out.write("no secrets\n");
  else if (shown.length > 0) printTable(io.out, shown.map(row), ["name", "status", "version", "attempts", "ms", "reason"]);
  if (shown.length === 0 && report.outcomes.length > 0) {
    io.out.write(`${flags.dryRun ? "dry run: " : ""}nothing due (${report.outcomes.length} secrets checked)${report.purged.length ? `, ${report.purged.length} purged` : ""} (judged at ${report.judgedAt})\n`);
    return;
  }
  io.out.write(
    `${flags.dryRun ? "dry run: " : ""}${counts.rotated} rotated, ${counts["would-rotate"]} would rotate, ${counts.skipped} skipped, ${counts.failed} failed` +
      `${counts["not-attempted"] ? `, ${counts["not-attempted"]} not attempted` : ""}` +
      `${report.purged.length ? `, ${report.purged.length} purged` : ""} (judged at ${report.judgedAt})\n`,
  );
  if (report.stoppedEarly) io.out.write(`stopped early: ${report.stoppedEarly}\n`);
}

/**
 * A run as of a time ahead of the clock records its rotations at that time,
 * so their next rotation is a period after it and a replay finds nothing due;
 * one as of a past time never records a rotation before it happened.
 */
function actingAs(clock: () => Date, at: Date): () => Date {
  return () => new Date(Math.max(clock().getTime(), at.getTime()));
}

function row(o: SecretOutcome): Record<string, unknown> {
  return { name: o.name, status: o.status, version: o.versionId ?? "", attempts: o.attempts || "", ms: o.durationMs || "", reason: o.reason };
}

function printFindings(io: RunnerIo, findings: readonly SecretHealth[], json: boolean): void {
  if (json) {
    io.out.write(jsonText(findings));
    return;
  }
  printTable(
    io.out,
    findings.map((f) => ({ name: f.name, health: f.healthy ? (f.pendingDeletion ? "pending deletion" : "ok") : f.problems.join(","), detail: f.details.join("; ") })),
    ["name", "health", "detail"],
  );
  const bad = findings.filter((f) => !f.healthy).length;
  io.out.write(bad === 0 ? `all ${findings.length} secrets healthy\n` : `${bad} of ${findings.length} secrets need attention\n`);
}

/** Log lines go above the progress bar while it is drawn, straight to stderr otherwise. */
function logTo(format: LogFormat, bar: TerminalProgress | undefined, err: Output): Logger {
  const write = (line: string) => (bar ? bar.log(line) : err.write(line));
  return createLogger({
    destination: {
      write: (chunk: string) => {
        for (const line of chunk.split("\n")) if (line) write(`${format === "human" ? humanLogLine(line) : line}\n`);
      },
    },
  });
}
