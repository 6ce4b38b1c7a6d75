/**
 * previousKeyGracePeriod: how long the previous AccessKey keeps working after
 * a rotation before previousKeyAction (deactivate / delete) is carried out.
 * Go-style durations ("30m", "1h", "1h30m", "24h") because that is how
 * Alibaba's Go and Python clients write their refresh intervals, and h is
 * the largest unit there: a grace period is hours, not days.
 *
 * At least 1m: the runner's shortest `--every`, so a shorter grace could not
 * be honoured any closer than a plain retire. At most 168h: a week for every
 * app to re-read the secret is beyond any cache TTL Alibaba's clients
 * document (1h default), and a longer grace would keep a second live key
 * for most of a short rotation period. "0" (any unit) or absent: retire at
 * once, as before.
 */
export const MIN_GRACE_SECONDS = 60;
export const MAX_GRACE_SECONDS = 168 * 3600;
export const GRACE_PERIOD_FORM = 'a duration in h, m and s such as "30m", "1h", "1h30m" or "24h", from 1m to 168h ("0" for none)';

const UNIT_SECONDS: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1 };
const DURATION = /^(?:[0-9]{1,6}[hms])+$/;

/** Seconds (0 = no grace), or undefined when the text is not an accepted grace period. */
export function parseGracePeriod(text: string): number | undefined {
  if (text === "0") return 0;
  if (!DURATION.test(text)) return undefined;
  const parts = [...text.matchAll(/([0-9]+)([hms])/g)];
  // Each unit once, largest first, as Go's time.Duration.String() writes them.
  const units = parts.map((p) => p[2]!).join("");
  if (!["h", "m", "s", "hm", "hs", "ms", "hms"].includes(units)) return undefined;
  const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
  if (seconds === 0) return 0;
  return seconds >= MIN_GRACE_SECONDS && seconds <= MAX_GRACE_SECONDS ? seconds : undefined;
}
