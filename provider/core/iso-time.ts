/**
 * ISO-8601 times as the CLI documents them and the store writes them:
 * `2026-12-01T00:00:00Z`, seconds and a fraction optional, and always an
 * offset (`Z` or `+08:00`): without one, `Date.parse` reads the machine's own
 * time zone. `Date.parse` also rolls an impossible date over (2026-02-30 is
 * March 2), so every field is checked against the calendar first.
 */

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

export const ISO_TIME_FORM = "an ISO-8601 time with an offset, e.g. 2026-12-01T00:00:00Z or 2026-12-01T08:00:00+08:00, on a date that exists";

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The time, or undefined when the text is not exactly that form or names a date or time that does not exist. */
export function parseIsoTime(text: string): Date | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0", m[8] ?? "0", m[9] ?? "0"].map(Number) as [number, number, number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
