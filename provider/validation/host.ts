import { isIP } from "node:net";

/**
 * What connection.host may be. The value reaches ssh2's connect, log lines,
 * error messages and the store's metadata (where the runner reads it back),
 * so anything that is not a plain name or address is refused up front: a
 * string with spaces or of a megabyte is a mistake, never a host, and must
 * not turn into "unreachable, try again" much later.
 */
export const MAX_HOST_LENGTH = 253;
export const HOST_FORM = `a host name (labels of 1..63 letters, digits or hyphens, separated by dots, at most ${MAX_HOST_LENGTH} characters) or an IPv4/IPv6 address`;

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  // A fully qualified name may end with the root's dot.
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return (
    name.length <= MAX_HOST_LENGTH &&
    name.split(".").every((label) => LABEL.test(label)) &&
    // All digits and dots but not an IPv4 address (10.0.0.256): a typo, and resolvers disagree on what it means.
    !/^[0-9.]+$/.test(name)
  );
}
