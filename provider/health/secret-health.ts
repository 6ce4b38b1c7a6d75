import { describeError, isManagedSecretsError } from "../core/errors";
import type { SecretMeta } from "../store/secret-store";
import { ROTATION_LEASE_TTL_MS } from "../rotation/rotate-secret";
import { judgeDue } from "../schedule/due";
import { FAILURE_META } from "../schedule/secret-outcome";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../core/retry";
import { retryableAboveClients } from "../alicloud/cloud-api-error";
import type { KmsRotationEvent } from "../alicloud/cms-system-events";
import { eventsSince, kmsRotationState } from "./kms-rotation-health";

/**
 * One health model for `managed-secrets check` (CI without Pulumi) and the
 * provider's refresh (CI with Pulumi), so both say the same thing about the
 * same secret. A secret is healthy when its current credential works (if
 * probed), its rotation is not overdue beyond the tolerance, no rotation was
 * left half-done, and the last scheduled rotation did not fail.
 */

/** How late a due rotation may be before it counts as overdue: the runner's schedule plus slack for one missed tick. */
export const DEFAULT_OVERDUE_TOLERANCE_MS = 60 * 60_000;

/**
 * A probe that cannot reach its target is tried again before it counts: one
 * dropped connection must not turn a CI preview red. A rejected credential
 * or a foreign host key is an answer, and is never retried; nor is a cloud
 * API error, which its client retried already.
 */
export const PROBE_RETRY: RetryPolicy = { ...DEFAULT_RETRY, attempts: 3, baseDelayMs: 500, maxDelayMs: 2_000 };

export type HealthProblem = "overdue" | "rejected" | "unreachable" | "host-key-mismatch" | "target-unverified" | "interrupted" | "failing";

export interface SecretHealth {
  readonly name: string;
  readonly healthy: boolean;
  readonly problems: readonly HealthProblem[];
  /** One sentence per problem, for people. Never a credential. */
  readonly details: readonly string[];
  readonly pendingDeletion: boolean;
}

export interface AssessOptions {
  readonly now: Date;
  readonly toleranceMs?: number;
  /** A fresh login/call with the current credential, nothing changed; undefined when the target cannot be tried (probe-target.ts). Absent: not probed. */
  readonly probe?: () => Promise<boolean | undefined>;
  /** For a secret KMS rotates: its rotation events from a time on (kms-rotation-health.ts). Absent: not read. */
  readonly kmsEvents?: (since: Date) => Promise<readonly KmsRotationEvent[]>;
}

export async function assessSecret(meta: SecretMeta, options: AssessOptions): Promise<SecretHealth> {
  const problems: HealthProblem[] = [];
  const details: string[] = [];
  const add = (problem: HealthProblem, detail: string) => {
    problems.push(problem);
    details.push(detail);
  };
  const pendingDeletion = meta.plannedDeleteAt !== undefined;
  let rotating: string | undefined;
  if (!pendingDeletion && meta.managed) {
    // KMS rotates it: its own record and events say how rotation goes; the product's schedule metadata is not written.
    const tolerance = options.toleranceMs ?? DEFAULT_OVERDUE_TOLERANCE_MS;
    let events: readonly KmsRotationEvent[] = [];
    try {
      events = options.kmsEvents ? await options.kmsEvents(eventsSince(meta, meta.managed)) : [];
    } catch (e) {
      add("unreachable", `KMS's rotation events (CloudMonitor DescribeSystemEventAttribute) could not be read: ${describeError(e)}`);
    }
    const state = kmsRotationState(meta, meta.managed, events, options.now, tolerance);
    rotating = state.rotatingSince;
    for (const f of state.findings) add(f.problem, f.detail);
  } else if (!pendingDeletion) {
    const pending = meta.versions.find((v) => v.stages.includes("ACSPending"));
    if (pending && options.now.getTime() - Date.parse(pending.createdAt) > ROTATION_LEASE_TTL_MS) {
      add("interrupted", `a rotation to ${pending.versionId} was interrupted at ${pending.createdAt}; run managed-secrets rotate ${meta.name} to complete it`);
    }
    const verdict = judgeDue(meta, options.now);
    const tolerance = options.toleranceMs ?? DEFAULT_OVERDUE_TOLERANCE_MS;
    if (verdict.due && verdict.dueAt && !pending && options.now.getTime() - Date.parse(verdict.dueAt) > tolerance) {
      add("overdue", `rotation was due at ${verdict.dueAt}`);
    }
    const failure = meta.metadata[FAILURE_META.code];
    if (failure) add("failing", `the last scheduled rotation failed with ${failure} at ${meta.metadata[FAILURE_META.at] ?? "an unknown time"}`);
  }
  if (options.probe) {
    const probed = await withRetry(PROBE_RETRY, options.probe, retryableAboveClients);
    if (probed.ok) {
      // While KMS carries out a rotation, the target may already hold the value KMS has not stored yet.
      if (probed.value === false && rotating === undefined) add("rejected", "the target rejects the current credential");
    } else if (isManagedSecretsError(probed.error, "HostKeyMismatch")) {
      add("host-key-mismatch", describeError(probed.error));
    } else if (isManagedSecretsError(probed.error, "TargetUnverified")) {
      add("target-unverified", describeError(probed.error));
    } else {
      const tries = probed.attempts > 1 ? ` (${probed.attempts} attempts)` : "";
      add("unreachable", `${describeError(probed.error)}${tries}`);
    }
  }
  return { name: meta.name, healthy: problems.length === 0, problems, details, pendingDeletion };
}
