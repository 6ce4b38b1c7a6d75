import { createHash } from "node:crypto";
import type { ConnectConfig } from "ssh2";

/**
 * What every hop (the instance, and the bastion in front of it) connects
 * with: its own file so the session and the bastion both take it from below
 * instead of from each other.
 */

export type SshCredential = { readonly password: string } | { readonly privateKey: string };

export const CONNECT_TIMEOUT_MS = 10_000;

export function fingerprintOf(hostKey: Buffer): string {
  return `SHA256:${createHash("sha256").update(hostKey).digest("base64").replace(/=+$/, "")}`;
}

/**
 * How every hop connects: to the pinned host key only (the key it presented
 * is reported, so a mismatch can be named), with only the credential given.
 */
export function pinnedConnectConfig(
  to: { readonly host: string; readonly port: number; readonly hostKeyFingerprint: string },
  username: string,
  credential: SshCredential,
  presented: (fingerprint: string) => void,
): ConnectConfig {
  return {
    host: to.host,
    port: to.port,
    username,
    readyTimeout: CONNECT_TIMEOUT_MS,
    // Keyboard-interactive would let a host prompt for anything; we only ever offer what we were given.
    tryKeyboard: false,
    // Only the given credential's method: ssh2 otherwise asks with "none" first, which a host with an empty
    // password and PermitEmptyPasswords lets in, so a key it does not hold would pass as accepted (and it costs a round trip).
    authHandler: ["password" in credential ? "password" : "publickey"],
    hostVerifier: (key: Buffer) => {
      const fingerprint = fingerprintOf(key);
      presented(fingerprint);
      return fingerprint === to.hostKeyFingerprint;
    },
    ...("password" in credential ? { password: credential.password } : { privateKey: credential.privateKey }),
  };
}
