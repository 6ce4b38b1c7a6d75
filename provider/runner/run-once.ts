import type { Logger } from "pino";
import { describeError, isManagedSecretsError } from "../core/errors";
import type { Clock } from "../core/clock";
import type { SecretMeta, SecretStore } from "../store/secret-store";
import type { RotationTarget } from "../rotation/rotation-target";
import { rotateSecret } from "../rotation/rotate-secret";
import { judgeDue, type DueVerdict } from "../schedule/due";
import { FAILURE_META, type OutcomeStatus, type SecretOutcome } from "../schedule/secret-outcome";
import { CLOUD_API_RETRY, DEFAULT_RETRY, withRetry, type RetryPolicy } from "../core/retry";
import { retryableAboveClients } from "../alicloud/cloud-api-error";
import { THROTTLED, THROTTLE_MAX_TRIES, mapAdaptive, type AdaptivePoolOptions, type AdaptivePoolStats } from "./adaptive-pool";
import { isThrottled } from "./throttling";
import { retireDue, type RetirementReport } from "./due-retirements";

/**
 * One pass of the rotation runner: find what is due, rotate it with bounded
 * concurrency, each secret under its own lease, and report every secret's
 * outcome. The same function serves `managed-secrets run`, the Function
 * Compute timer, and tests.
 */

/**
 * The most times one pass sends one cloud API call of one secret's rotation:
 * the client's tries (CLOUD_API_RETRY, 5) for each of the pool's tries of a
 * rotation the cloud keeps throttling (THROTTLE_MAX_TRIES, 8), each after a
 * wait for a fresh quota window. A rotation that failed on any other cloud
 * error is not run again in the pass: its client retried the call already.
 * A call the client sends once (RAM CreateAccessKey) is sent at most
 * THROTTLE_MAX_TRIES times.
 */
export const MAX_CLOUD_SENDS_PER_CALL_PER_PASS = THROTTLE_MAX_TRIES * CLOUD_API_RETRY.attempts;

/** SSH-bound work: enough to overlap session set-up on a handful of hosts without flooding sshd's MaxStartups. */
export const DEFAULT_CONCURRENCY = 8;
/** The most rotations one pass runs at once, however it is asked for (a flag, the function's environment, the deployment). */
export const MAX_CONCURRENCY = 64;

export interface RunReport {
  readonly startedAt: string;
  /** The time what is due was judged against (`--at`, or now). */
  readonly judgedAt: string;
  readonly outcomes: readonly SecretOutcome[];
  /** How the cloud's throttling shaped the pass (adaptive-pool.ts). */
  readonly throttling?: AdaptivePoolStats;
  /** Secrets whose recovery window had passed, removed in this pass. */
  readonly purged: readonly string[];
  /** Previous credentials whose grace period had ended, retired in this pass (due-retirements.ts). */
  readonly retired: readonly RetirementReport[];
  /** Why the pass stopped starting rotations before all due ones (blast-radius.ts). */
  readonly stoppedEarly?: string;
}

/**
 * Decides when each due rotation may start (blast-radius.ts): `order` once
 * over the due list, `admit` before each start (false: not attempted), and
 * `settle` after each attempt ends.
 */
export interface RunGate {
  order<T extends { readonly meta: SecretMeta }>(due: readonly T[]): T[];
  admit(meta: SecretMeta): Promise<boolean>;
  settle(meta: SecretMeta, outcome: SecretOutcome): void;
  stoppedEarly(): string | undefined;
}

export interface RunOptions {
  readonly store: SecretStore;
  readonly clock: Clock;
  readonly owner: string;
  readonly targetFor: (meta: SecretMeta) => RotationTarget;
  readonly concurrency?: number;
  readonly dryRun?: boolean;
  /** Judge what is due as of this time instead of now. */
  readonly at?: Date;
  /** Only names with this prefix. */
  readonly prefix?: string;
  /** Only the secrets this picks (selection.ts turns `--select` terms into it). */
  readonly select?: (meta: SecretMeta) => boolean;
  readonly gate?: RunGate;
  /** What is due (default: the schedule); `rotate --select` calls every selected secret due now. */
  readonly judge?: (meta: SecretMeta, at: Date) => DueVerdict;
  /** Every attempt that ran, as it ends (events). */
  readonly onAttempt?: (meta: SecretMeta, outcome: SecretOutcome) => void;
  /** How a rotation is tried again after a transient failure no layer below retried (retryableAboveClients). */
  readonly retry?: RetryPolicy;
  /** How the pool waits out throttling (tests inject a sleep). */
  readonly throttling?: Omit<AdaptivePoolOptions, "maxConcurrency">;
  readonly logger?: Logger;
  /** How many secrets this pass will rotate (or list, in a dry run), before the first starts. */
  readonly onDue?: (total: number) => void;
  readonly onProgress?: (done: number, total: number, outcome: SecretOutcome) => void;
}

/** Why a pass leaves a secret KMS rotates itself alone. */
export const KMS_ROTATES: DueVerdict = { due: false, reason: "rotated by KMS itself (rotatedBy kms): KMS keeps its schedule; managed-secrets rotate <name> asks KMS to rotate it now" };

/** Codes the products answer when RAM refuses the caller (RAM/STS, KMS, ECS). */
const ACCESS_DENIED = /\b(NoPermission|Forbidden\.NoPermission|Forbidden\.RAM)\b/;

/**
 * A refusal usually means the secret is outside what the runner's role was
 * scoped to, which the service's own words do not say: name the settings.
 */
export function withPermissionHint(reason: string): string {
  if (!ACCESS_DENIED.test(reason)) return reason;
  return `${reason} (the runner's RAM role is not allowed this: a RAM secret's user must be in managed-secrets-runner:ramUsers, a secret's name under secretPrefix, its encryption key the configured encryptionKeyId, a Cloud Assistant instance in cloudAssistantInstances)`;
}

export function countOutcomes(report: RunReport): Record<OutcomeStatus, number> {
  const counts: Record<OutcomeStatus, number> = { rotated: 0, "would-rotate": 0, skipped: 0, failed: 0, "not-attempted": 0 };
  for (const o of report.outcomes) counts[o.status]++;
  // A retirement that failed is retried by the next pass, but this pass failed at it.
  counts.failed += report.retired.filter((r) => r.result === "failed").length;
  return counts;
}

export async function runOnce(options: RunOptions): Promise<RunReport> {
  const { store, clock, logger } = options;
  const startedAt = clock().toISOString();
  const judgedAt = options.at ?? clock();
  const purged = options.dryRun ? [] : await store.purgeExpired();
  for (const name of purged) logger?.info({ secret: name, event: "purged" }, "recovery window passed: secret purged");

  // Only what judging needs, so the kms store reads the fleet in bulk; a damaged secret is reported and the rest go on.
  const unreadable: SecretOutcome[] = [];
  const listed = await store.listSecrets({
    prefix: options.prefix,
    detail: "schedule",
    onUnreadable: (name, error) => {
      const code = isManagedSecretsError(error) ? error.code : "Unexpected";
      logger?.warn({ secret: name, event: "failed", code }, describeError(error));
      unreadable.push({ name, status: "failed", reason: describeError(error), errorCode: code, attempts: 0, durationMs: 0 });
    },
  });
  const secrets = options.select ? listed.filter(options.select) : listed;
  const retired = await retireDue({ ...options, describeFailure: withPermissionHint }, secrets, judgedAt);
  const judge = options.judge ?? judgeDue;
  // KMS rotates these itself, on its own schedule: no pass ever writes their values (`rotate <name>` asks KMS).
  const verdicts = secrets.map((meta) => ({ meta, verdict: meta.managed ? KMS_ROTATES : judge(meta, judgedAt) }));
  const gate = options.dryRun ? undefined : options.gate;
  const due = gate ? gate.order(verdicts.filter((v) => v.verdict.due)) : verdicts.filter((v) => v.verdict.due);
  const notDue: SecretOutcome[] = verdicts
    .filter((v) => !v.verdict.due)
    .map(({ meta, verdict }) => ({ name: meta.name, status: "skipped", reason: verdict.reason, attempts: 0, durationMs: 0 }));

  options.onDue?.(due.length);
  let done = 0;
  const admissions = new Map<number, boolean>();
  const pool = { maxConcurrency: options.concurrency ?? DEFAULT_CONCURRENCY, ...options.throttling };
  const { results: rotated, stats: throttling } = await mapAdaptive(due, pool, async ({ meta, verdict }, index, lastTry) => {
    // A throttled secret comes back later: it was admitted once, and counts once.
    if (!admissions.has(index)) admissions.set(index, gate ? await gate.admit(meta) : true);
    const admitted = admissions.get(index)!;
    const outcome = options.dryRun
      ? ({ name: meta.name, status: "would-rotate", reason: verdict.reason, attempts: 0, durationMs: 0 } as const)
      : !admitted
        ? ({ name: meta.name, status: "not-attempted", reason: `not attempted: ${gate!.stoppedEarly()}`, attempts: 0, durationMs: 0 } as const)
        : await rotateOne(options, meta, verdict.reason, judgedAt, lastTry);
    if (outcome === THROTTLED) return THROTTLED;
    if (admitted && !options.dryRun) {
      gate?.settle(meta, outcome);
      options.onAttempt?.(meta, outcome);
    }
    options.onProgress?.(++done, due.length, outcome);
    return outcome;
  });

  const outcomes = [...rotated, ...notDue, ...unreadable].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // A budget spent by the last due secret stopped nothing: the pass stopped early only if a due secret was left unattempted.
  const stoppedEarly = rotated.some((o) => o.status === "not-attempted") ? gate?.stoppedEarly() : undefined;
  return { startedAt, judgedAt: judgedAt.toISOString(), outcomes, purged, retired, throttling, ...(stoppedEarly ? { stoppedEarly } : {}) };
}

async function rotateOne(options: RunOptions, meta: SecretMeta, why: string, judgedAt: Date, lastTry: boolean): Promise<SecretOutcome | typeof THROTTLED> {
  const { store, clock, logger } = options;
  const started = Date.now();
  const previousVersionId = meta.versions.find((v) => v.stages.includes("ACSCurrent"))?.versionId;
  const attempt = await withRetry(
    options.retry ?? DEFAULT_RETRY,
    async () => {
      const target = options.targetFor(meta);
      return rotateSecret({
        store,
        name: meta.name,
        target,
        owner: options.owner,
        clock,
        // The list was read before the lease: another rotator may have done this one since.
        skipIf: (fresh) => ((options.judge ?? judgeDue)(fresh, judgedAt).due ? undefined : "already rotated by another rotator"),
      });
    },
    // Only what no layer below retried (an SSH host that is down, a lease another rotator holds, the local
    // store's lock): a cloud API error was retried by its client, and throttling goes back to the pool instead.
    retryableAboveClients,
  );
  const durationMs = Date.now() - started;

  if (attempt.ok && attempt.value.notNeeded !== undefined) {
    logger?.info({ secret: meta.name, event: "skipped", reason: attempt.value.notNeeded }, "nothing to do");
    return { name: meta.name, status: "skipped", reason: attempt.value.notNeeded, attempts: attempt.attempts, durationMs };
  }
  if (attempt.ok) {
    // The rotation's finish step cleared any earlier failure record with its own write.
    logger?.info({ secret: meta.name, event: "rotated", versionId: attempt.value.versionId, attempts: attempt.attempts, durationMs }, `rotated (${why})`);
    return { name: meta.name, status: "rotated", reason: why, versionId: attempt.value.versionId, previousVersionId: attempt.value.previousVersionId, attempts: attempt.attempts, durationMs };
  }

  const error = attempt.error;
  // Not this secret's failure: the pool slows down and tries it again (nothing was changed by the refused call).
  if (isThrottled(error) && !lastTry) {
    logger?.info({ secret: meta.name, event: "throttled", attempts: attempt.attempts }, "the cloud API throttled this rotation: trying it again later, with fewer at once");
    return THROTTLED;
  }
  // Another rotator holding the lease is doing this very job: not a failure of ours.
  if (isManagedSecretsError(error, "LeaseHeld")) {
    logger?.info({ secret: meta.name, event: "skipped", reason: "lease held" }, "another rotator holds the lease");
    return { name: meta.name, status: "skipped", reason: "another rotator holds its lease", attempts: attempt.attempts, durationMs };
  }
  const reason = withPermissionHint(describeError(error));
  const code = isManagedSecretsError(error) ? error.code : "Unexpected";
  logger?.warn({ secret: meta.name, event: "failed", code, attempts: attempt.attempts }, reason);
  try {
    await store.updateSecret(meta.name, { metadata: { [FAILURE_META.code]: code, [FAILURE_META.at]: clock().toISOString() } });
  } catch (e) {
    logger?.warn({ secret: meta.name, event: "record-failed" }, describeError(e));
  }
  return { name: meta.name, status: "failed", reason, errorCode: code, previousVersionId, attempts: attempt.attempts, durationMs };
}
