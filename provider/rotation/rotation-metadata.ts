/**
 * Rotation schedule as it is kept in a secret's metadata: plain strings so the
 * same keys work as local-store fields and as KMS tags. The runner finds due
 * secrets from these alone.
 */
export const META = {
  kind: "kind",
  rotationPeriodSeconds: "rotationPeriodSeconds",
  lastRotatedAt: "lastRotatedAt",
  nextRotationAt: "nextRotationAt",
  rotationTrigger: "rotationTrigger",
} as const;

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
