import { createHash } from "node:crypto";

/**
 * Rotation schedule as it is kept in a secret's metadata: plain strings so the
 * same keys work as local-store fields and as KMS tags. The runner finds due
 * secrets from these alone.
 */
export const META = {
  rotationPeriodSeconds: "rotationPeriodSeconds",
  lastRotatedAt: "lastRotatedAt",
  nextRotationAt: "nextRotationAt",
  rotationTrigger: "rotationTrigger",
} as const;

/**
 * When the product last asked KMS to rotate a secret KMS rotates itself
 * (RotateSecret): KMS keeps no record of who asked or when, and health counts
 * the rotation as under way from then until KMS's event for it comes.
 */
export const KMS_ROTATION_REQUESTED = "kmsRotationRequestedAt";

/** Metadata after a rotation (or creation) at `now`: next due time follows the declared period. */
export function rotationScheduleAfter(metadata: Readonly<Record<string, string>>, now: Date): Record<string, string | null> {
  return scheduleFor(metadata[META.rotationPeriodSeconds], now.toISOString());
}

/** The schedule for a period (seconds as text, absent = automatic rotation off) counted from `lastRotatedAt`. */
export function scheduleFor(periodSeconds: string | undefined, lastRotatedAt: string): Record<string, string | null> {
  const seconds = periodSeconds ? Number(periodSeconds) : undefined;
  return {
    [META.lastRotatedAt]: lastRotatedAt,
    [META.rotationPeriodSeconds]: seconds ? String(seconds) : null,
    [META.nextRotationAt]: seconds ? new Date(Date.parse(lastRotatedAt) + seconds * 1000).toISOString() : null,
  };
}

/**
 * The store keeps a digest of a rotationTrigger, not the trigger: a trigger is
 * free text of any length (a release note, a timestamp), while store metadata
 * has limits (KMS: 20 tags of 128 characters per secret). A fixed 50
 * characters in the tag alphabet fit every store, so no trigger can fail a
 * rotation at finish, after the target already took the new value. Equality
 * is all the record is used for.
 */
export function recordedTrigger(trigger: string): string {
  return `sha256:${createHash("sha256").update(trigger, "utf8").digest("base64url")}`;
}

/** The metadata a rotation writes at finish, with any trigger in its recorded form. */
export function finishMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out = { ...metadata };
  const trigger = out[META.rotationTrigger];
  if (trigger !== undefined) out[META.rotationTrigger] = recordedTrigger(trigger);
  return out;
}
