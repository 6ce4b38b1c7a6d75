/**
 * KMS's rotation interval format: an integer with a unit (d, h, m, s), between
 * 6 hours and 8760 hours. KMS reports it back in seconds ("604800s"), so the
 * same text round-trips through both backends.
 */
export const MIN_ROTATION_SECONDS = 6 * 3600;
export const MAX_ROTATION_SECONDS = 8760 * 3600;
export const ROTATION_PERIOD_FORM = "an integer with unit d, h, m or s (e.g. 30d, 12h, 604800s) between 6h and 8760h";

const UNIT_SECONDS = { d: 86400, h: 3600, m: 60, s: 1 } as const;

/** A rotation period as declared and as the store and the schedule use it, parsed once where the input is read. */
export interface RotationPeriod {
  readonly text: string;
  readonly seconds: number;
}

/** Seconds, or undefined when the text is not a valid KMS rotation interval. */
export function parseRotationPeriod(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,9})([dhms])$/.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  if (seconds < MIN_ROTATION_SECONDS || seconds > MAX_ROTATION_SECONDS) return undefined;
  return seconds;
}
