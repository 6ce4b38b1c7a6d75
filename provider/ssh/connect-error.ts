import { ManagedSecretsError } from "../core/errors";

/**
 * Why an SSH connection failed, in the product's codes: a foreign host key
 * first (never retried), then a refused login, then anything at the socket
 * level (may clear up: the caller may retry). The direct and bastion hops
 * differ only in how they name what the user must fix.
 */
export interface ConnectWording {
  /** "connect to" or "use bastion". */
  readonly refusing: string;
  /** The input that pins this hop's host key. */
  readonly hostKeyProperty: string;
  /** What the host rejected, as the message names it. */
  readonly rejected: string;
  /** The input the error points at; a direct connection's errors name none. */
  readonly property?: string;
}

export function connectError(
  err: Error & { level?: string; code?: string },
  where: string,
  pinned: { readonly host: string; readonly port: number; readonly hostKeyFingerprint: string },
  presented: string | undefined,
  wording: ConnectWording,
): ManagedSecretsError {
  const details = (property: string | undefined) => (property === undefined ? undefined : { property });
  if (presented !== undefined && presented !== pinned.hostKeyFingerprint) {
    return new ManagedSecretsError(
      "HostKeyMismatch",
      `refusing to ${wording.refusing} ${pinned.host}:${pinned.port}: it presented host key ${presented}, but ${pinned.hostKeyFingerprint} is pinned (${wording.hostKeyProperty})`,
      details(wording.property && wording.hostKeyProperty),
    );
  }
  if (err.level === "client-authentication") {
    return new ManagedSecretsError("AuthenticationFailed", `${where} rejected ${wording.rejected}`, details(wording.property));
  }
  return new ManagedSecretsError("Unreachable", `cannot reach ${where}: ${err.code ?? err.message}`, details(wording.property));
}
