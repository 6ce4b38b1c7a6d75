import { describeError, isManagedSecretsError } from "../errors";
import type { SecretMeta } from "../store/secret-store";
import { ROTATION_LEASE_TTL_MS } from "../rotation/rotate-secret";
import { judgeDue } from "../runner/due";
import { FAILURE_META } from "../runner/run-once";

/**
 * One health model for `managed-secrets check` (CI without Pulumi) and the
 * provider's refresh (CI with Pulumi), so both say the same thing about the
 * same secret. A secret is healthy when its current credential works (if
 * probed), its rotation is not overdue beyond the tolerance, no rotation was
 * left half-done, and the last scheduled rotation did not fail.
 */

/** How late a due rotation may be before it counts as overdue: the runner's schedule plus slack for one missed tick. */
export const DEFAULT_OVERDUE_TOLERANCE_MS = 60 * 60_000;

export type HealthProblem = "overdue" | "rejected" | "unreachable" | "host-key-mismatch" | "interrupted" | "failing";

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
  /** A fresh login/call with the current credential, nothing changed. Absent: not probed. */
  readonly probe?: () => Promise<boolean>;
}

export async function assessSecret(meta: SecretMeta, options: AssessOptions): Promise<SecretHealth> {
  const problems: HealthProblem[] = [];
  const details: string[] = [];
  const add = (problem: HealthProblem, detail: string) => {
    problems.push(problem);
    details.push(detail);
  };
  const pendingDeletion = meta.plannedDeleteAt !== undefined;
  if (!pendingDeletion) {
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
    try {
      if (!(await options.probe())) add("rejected", "the target rejects the current credential");
    } catch (e) {
      if (isManagedSecretsError(e, "HostKeyMismatch")) add("host-key-mismatch", describeError(e));
      else add("unreachable", describeError(e));
    }
  }
  return { name: meta.name, healthy: problems.length === 0, problems, details, pendingDeletion };
}
