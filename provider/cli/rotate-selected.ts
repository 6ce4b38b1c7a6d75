import { ManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import type { TargetFacts } from "../rotation/target-registry";
import { selection } from "../runner/selection";
import type { EventSink } from "../events/event-sink";
import { observedRotation as observed } from "../events/observed-rotation";
import { countOutcomes, DEFAULT_CONCURRENCY, runOnce } from "../runner/run-once";
import type { DueVerdict } from "../schedule/due";
import { gateFrom, type BlastRadiusFlags } from "./blast-radius-options";
import { emitAttempts, eventSinkFrom, type EventFlags } from "./event-options";
import { passDisplay, printRunReport, RunFailed, RunStoppedEarly, type RunnerIo } from "./runner-commands";
import { chooseLogFormat, type LogFormat } from "./log-format";

/**
 * `rotate --select ...`: rotate now every selected secret, whatever its
 * schedule, under the same blast radius as a scheduled pass (canary, failure
 * budget, one per host, rate). A fleet-wide "rotate everything on i-abc now"
 * is exactly when one bad host or a bad image must not take the rest down.
 */

export interface RotateSelectedFlags extends BlastRadiusFlags, EventFlags {
  readonly concurrency?: number;
  readonly json?: boolean;
  /** The global --log-format, if given. */
  readonly logFormat?: LogFormat;
}

/** Every selected secret is due at the time the pass judges at (the context's clock, as `run` judges), never the machine's own. */
export const rotateNow = (_meta: SecretMeta, at: Date): DueVerdict => ({ due: true, reason: "rotate now", dueAt: at.toISOString() });

/** The blast-radius flags that mean something only over several secrets. */
const FLEET_ONLY_FLAGS = [
  ["canary", "--canary"],
  ["maxFailures", "--max-failures"],
  ["perHost", "--per-host"],
  ["rate", "--rate"],
  ["concurrency", "--concurrency"],
] as const;

/** One named secret has no blast radius: a fleet flag without --select is a mistake worth saying. */
export function refuseFleetFlags(flags: RotateSelectedFlags): void {
  const given = FLEET_ONLY_FLAGS.find(([key]) => flags[key] !== undefined);
  if (given) throw new ManagedSecretsError("InvalidInput", `${given[1]} applies to several secrets: use it with --select, not with one <name>`, { property: given[1] });
}

export async function rotateSelected(io: RunnerIo, flags: RotateSelectedFlags): Promise<void> {
  const ctx = io.context();
  const display = passDisplay(io, { json: flags.json, logFormat: chooseLogFormat(flags.logFormat, process.env, io.err.isTTY) });
  const events = eventSinkFrom(flags, display, io.context, display.logger);
  const report = await runOnce({
    store: ctx.store,
    clock: ctx.clock,
    owner: `cli:${ctx.owner}`,
    targetFor: (meta) => ctx.targets.targetFor(meta, ctx),
    concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
    select: selection(flags.select, ctx.targets),
    gate: gateFrom(flags, ctx.targets),
    judge: rotateNow,
    onAttempt: emitAttempts(events, "rotate-now", ctx.clock, (meta) => ctx.targets.factsOf(meta)),
    ...display.runOptions,
  }).finally(display.stop);
  await events?.flush();
  printRunReport(io, report, { json: flags.json });
  if (report.stoppedEarly) throw new RunStoppedEarly(report.stoppedEarly);
  if (countOutcomes(report).failed > 0) throw new RunFailed();
}

/** `rotate <name>`: the one rotation, reported with trigger rotate-now. */
export function observedRotation<T extends { readonly versionId: string; readonly previousVersionId: string }>(
  meta: SecretMeta,
  facts: TargetFacts | undefined,
  sink: EventSink | undefined,
  clock: () => Date,
  run: () => Promise<T>,
): Promise<T> {
  return observed(meta, facts, sink, clock, "rotate-now", run);
}
