import type { Logger } from "pino";
import { describeError } from "../core/errors";
import type { SecretMeta, SecretStore } from "../store/secret-store";
import type { RotationTarget } from "../rotation/rotation-target";
import { ROTATION_LEASE_TTL_MS } from "../rotation/rotate-secret";
import { readPendingRetirements } from "../schedule/pending-retirements";
import { mapBounded } from "../core/map-bounded";

/**
 * The runner's half of a grace period: previous credentials a rotation
 * recorded as pending retirement (RamSecret previousKeyGracePeriod) are
 * retired by the first pass that finds them due, as of the pass's judged
 * time (`run --at` included). Each secret's work is done under its rotation
 * lease, so it never interleaves with a rotation of the same secret; a held
 * lease just leaves it for the next pass. A pending retirement is not drift
 * and not a failure: a secret waiting out its grace is healthy.
 */

export type RetirementResult = "deactivated" | "deleted" | "dropped" | "would-retire" | "failed";

export interface RetirementReport {
  readonly name: string;
  /** The credential's id (an AccessKey id), never its secret. */
  readonly id: string;
  readonly result: RetirementResult;
  readonly reason: string;
}

export interface RetireDueOptions {
  readonly store: SecretStore;
  readonly owner: string;
  readonly targetFor: (meta: SecretMeta) => RotationTarget;
  readonly concurrency?: number;
  readonly dryRun?: boolean;
  readonly logger?: Logger;
  readonly describeFailure?: (reason: string) => string;
}

export async function retireDue(options: RetireDueOptions, secrets: readonly SecretMeta[], judgedAt: Date): Promise<RetirementReport[]> {
  const due = secrets
    .filter((meta) => !meta.plannedDeleteAt)
    .map((meta) => ({ meta, entries: readPendingRetirements(meta.metadata).filter((e) => Date.parse(e.dueAt) <= judgedAt.getTime()) }))
    .filter((d) => d.entries.length > 0);
  if (options.dryRun) {
    return due.flatMap(({ meta, entries }) => entries.map((e) => ({ name: meta.name, id: e.id, result: "would-retire" as const, reason: `grace period ended at ${e.dueAt}` })));
  }
  const reports = await mapBounded(due, options.concurrency ?? 1, ({ meta }) => retireOne(options, meta, judgedAt));
  return reports.flat();
}

async function retireOne(options: RetireDueOptions, meta: SecretMeta, judgedAt: Date): Promise<RetirementReport[]> {
  const { store, owner, logger } = options;
  const name = meta.name;
  if (!(await store.acquireLease(name, owner, ROTATION_LEASE_TTL_MS))) {
    logger?.info({ secret: name, event: "retire-skipped", reason: "lease held" }, "another rotator holds the lease; the next pass retires what is due");
    return [];
  }
  try {
    const done = (await options.targetFor(meta).retireDue?.(judgedAt)) ?? [];
    for (const r of done) {
      const log = r.result === "dropped" ? logger?.warn.bind(logger) : logger?.info.bind(logger);
      log?.({ secret: name, event: r.result === "dropped" ? "retire-dropped" : "retired", accessKeyId: r.id, result: r.result }, r.reason);
    }
    return done.map((r) => ({ name, ...r }));
  } catch (e) {
    const reason = (options.describeFailure ?? ((s) => s))(describeError(e));
    logger?.warn({ secret: name, event: "retire-failed" }, reason);
    return readPendingRetirements(meta.metadata)
      .filter((entry) => Date.parse(entry.dueAt) <= judgedAt.getTime())
      .map((entry) => ({ name, id: entry.id, result: "failed" as const, reason }));
  } finally {
    await store.releaseLease(name, owner);
  }
}
