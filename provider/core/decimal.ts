/**
 * Numbers people type (CLI flags, the runner's environment) in one form only:
 * decimal digits, no sign, no leading zero, no exponent, no hex, no spaces.
 * `Number()` alone takes "1e1", "0x10", " 8" and "" (as 0), so a typo or a
 * value from another tool's syntax would pass as something nobody meant.
 */

const WHOLE = /^(?:0|[1-9][0-9]{0,14})$/;

/** A whole number in [min, max] written exactly as decimal digits, or undefined. */
export function wholeNumberIn(text: string, min: number, max: number): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** A decimal with at most `fractionDigits` digits after the point, in [min, max], or undefined. */
export function decimalIn(text: string, min: number, max: number, fractionDigits: number): number | undefined {
  const m = /^(?:0|[1-9][0-9]{0,14})(?:\.([0-9]+))?$/.exec(text);
  if (!m || (m[1] !== undefined && m[1].length > fractionDigits)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}
