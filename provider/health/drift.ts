import type { RotationPeriod } from "../validation/rotation-period";
import type { HealthProblem } from "./secret-health";

/**
 * Drift as both resources see it after a refresh: how the refreshed outputs
 * depart from the declaration. A rotation done on schedule changes only
 * store facts (version, value, times), never anything here, so CI stays
 * green through healthy rotation.
 */

/** Refreshed facts every managed secret's outputs carry. */
export interface RefreshedFacts {
  readonly plannedDeleteAt?: string;
  readonly health?: { readonly healthy: boolean; readonly problems: readonly string[] };
  /** Live, from the store. */
  readonly rotationPeriodSeconds?: number;
  /** As declared at the last create/update. */
  readonly rotationPeriod?: string;
}

/**
 * What a refresh can find. A problem in state that this version does not
 * name (state written by a later version) is still drift: "unknown-problem".
 */
export type Drift = "pending-deletion" | "rotation-settings" | HealthProblem | "unknown-problem";

/** Every problem the health model names: a record, so the compiler says when one is missing. */
const HEALTH_PROBLEMS: Readonly<Record<HealthProblem, true>> = {
  overdue: true,
  rejected: true,
  unreachable: true,
  "host-key-mismatch": true,
  "target-unverified": true,
  interrupted: true,
  failing: true,
};

/** State holds the problems as strings: the ones the health model named, unless a later version wrote it. */
function isHealthProblem(problem: string): problem is HealthProblem {
  return Object.hasOwn(HEALTH_PROBLEMS, problem);
}

/** Problems an update repairs by rotating; pending deletion is repaired by restoring, settings by re-applying them. */
export const ROTATION_REPAIRS: ReadonlySet<Drift> = new Set<Drift>(["rejected", "overdue", "interrupted", "failing"]);

export function driftOf(olds: RefreshedFacts, declared: RotationPeriod | undefined): Drift[] {
  const drift: Drift[] = [];
  if (olds.plannedDeleteAt) drift.push("pending-deletion");
  for (const p of olds.health?.problems ?? []) drift.push(isHealthProblem(p) ? p : "unknown-problem");
  // Only a refreshed value can differ from what the last update wrote: someone changed the schedule out of band.
  if (olds.rotationPeriodSeconds !== declared?.seconds && olds.rotationPeriod === declared?.text) drift.push("rotation-settings");
  return drift;
}

export function needsRotation(drift: readonly Drift[]): boolean {
  return drift.some((d) => ROTATION_REPAIRS.has(d));
}
