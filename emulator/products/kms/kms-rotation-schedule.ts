import { isoSeconds } from "../../core/clock";
import type { EmulatorStateData, SecretRecord } from "../../state/state-types";
import { kmsErrors } from "./kms-errors";

/**
 * A managed secret's rotation schedule, as CreateSecret and
 * UpdateSecretRotationPolicy set it and DescribeSecret / GetSecretValue show it.
 *
 * RotationInterval is integer[d|h|m|s], from 6 hours to 8,760 hours, and reads
 * back in seconds ("604800s"): the English UpdateSecretRotationPolicy and
 * CreateSecret references. (The Chinese UpdateSecretRotationPolicy page says
 * 168 hours at least; the English pages and the console's RAM secrets, 7 to
 * 365 days in whole days, disagree with each other; 6 h is the wider rule, kept.)
 * The next automatic rotation is the last one (or, before any, the creation)
 * plus the interval; a date already past rotates at once (the reference).
 */
const MIN_INTERVAL_SECONDS = 6 * 3600;
const MAX_INTERVAL_SECONDS = 8760 * 3600;
const UNIT_SECONDS: Readonly<Record<string, number>> = { d: 86400, h: 3600, m: 60, s: 1 };
/**
 * After a failed automatic rotation, the next attempt waits this long. The
 * docs say nothing about retries; without a pause the schedule, still past,
 * would retry at once forever.
 */
export const AUTOMATIC_RETRY_AFTER_FAILURE_MS = 60 * 60 * 1000;

export function rotationIntervalSeconds(raw: string, parameter = "RotationInterval"): number {
  const m = /^(\d{1,12})([dhms])$/.exec(raw);
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] ?? "s"] ?? 1) : Number.NaN;
  if (!(seconds >= MIN_INTERVAL_SECONDS && seconds <= MAX_INTERVAL_SECONDS)) {
    throw kmsErrors.invalidParameter(`${parameter} must be integer[d|h|m|s] from 6h to 8760h, e.g. 7d or 604800s.`);
  }
  return seconds;
}

export function isManaged(secret: SecretRecord): boolean {
  return secret.secretType !== "Generic";
}

/** When the next automatic rotation is due, or undefined when automatic rotation is off. */
export function nextRotationAt(secret: SecretRecord): number | undefined {
  const r = secret.rotation;
  if (!r?.automatic || r.intervalSeconds === undefined) return undefined;
  const scheduled = Date.parse(r.rotationBase) + r.intervalSeconds * 1000;
  return r.retryAfter === undefined ? scheduled : Math.max(scheduled, Date.parse(r.retryAfter));
}

/** Whether the secret's target is still there: a rotation of a secret whose instance or user is gone cannot succeed. */
function targetExists(secret: SecretRecord, data: EmulatorStateData): boolean {
  const c = secret.extendedConfig ?? {};
  if (secret.secretType === "ECS") return data.instances[String(c.InstanceId)] !== undefined;
  if (secret.secretType === "RAMCredentials") return data.users[String(c.UserName)] !== undefined;
  return true;
}

/** The rotation fields DescribeSecret and GetSecretValue add for a managed secret (AutomaticRotation: Enabled, Disabled or Invalid). */
export function rotationView(secret: SecretRecord, data: EmulatorStateData): Record<string, string> {
  const r = secret.rotation;
  if (!isManaged(secret) || !r) return {};
  const next = nextRotationAt(secret);
  const automatic = !targetExists(secret, data) ? "Invalid" : r.automatic ? "Enabled" : "Disabled";
  return {
    AutomaticRotation: automatic,
    ...(r.intervalSeconds === undefined ? {} : { RotationInterval: `${r.intervalSeconds}s` }),
    ...(next === undefined ? {} : { NextRotationDate: isoSeconds(new Date(next)) }),
    ...(r.lastRotationDate === undefined ? {} : { LastRotationDate: r.lastRotationDate }),
  };
}
