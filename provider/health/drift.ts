import { parseRotationPeriod } from "../validation/rotation-period";

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

export type Drift = "pending-deletion" | "rotation-settings" | string;

/** Problems an update repairs by rotating; pending deletion is repaired by restoring, settings by re-applying them. */
export const ROTATION_REPAIRS: ReadonlySet<string> = new Set(["rejected", "overdue", "interrupted", "failing"]);

export function driftOf(olds: RefreshedFacts, declaredRotationPeriod: string | undefined): Drift[] {
  const drift: Drift[] = [];
  if (olds.plannedDeleteAt) drift.push("pending-deletion");
  for (const p of olds.health?.problems ?? []) drift.push(p);
  const declared = declaredRotationPeriod === undefined ? undefined : parseRotationPeriod(declaredRotationPeriod);
  // Only a refreshed value can differ from what the last update wrote: someone changed the schedule out of band.
  if (olds.rotationPeriodSeconds !== declared && olds.rotationPeriod === declaredRotationPeriod) drift.push("rotation-settings");
  return drift;
}

export function needsRotation(drift: readonly Drift[]): boolean {
  return drift.some((d) => ROTATION_REPAIRS.has(d));
}
