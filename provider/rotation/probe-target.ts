import type { RotationTarget } from "./rotation-target";

/**
 * The probe refresh and `check` make: a fresh login or signed call with the
 * current credential, nothing changed. Undefined when the target cannot be
 * tried from outside at all (a Windows password KMS rotates): then only the
 * rotating party's own record speaks for it, and no verdict is made up.
 */
export async function probeTarget(target: RotationTarget, current: () => Promise<string>): Promise<boolean | undefined> {
  if (target.canProbe !== undefined && !(await target.canProbe())) return undefined;
  return target.accepts(await current());
}
