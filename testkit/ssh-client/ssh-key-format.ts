/**
 * OpenSSH public key lines and fingerprints, computed the way OpenSSH does:
 * "SHA256:" + unpadded base64 of sha256(key blob).
 */
import { createHash } from "node:crypto";

export interface OpenSshPublicKey {
  /** Key type as written in the line, e.g. "ssh-ed25519", "ssh-rsa". */
  type: string;
  /** The decoded key blob (what the server sends during key exchange). */
  blob: Buffer;
  comment: string;
}

export function parseOpenSshPublicKey(line: string): OpenSshPublicKey {
  const [type, base64, ...comment] = line.trim().split(/\s+/);
  if (!type || !base64) throw new Error("not an OpenSSH public key line");
  const blob = Buffer.from(base64, "base64");
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (nameLength < 0 || blob.subarray(4, 4 + nameLength).toString("latin1") !== type) {
    throw new Error(`public key blob does not start with its type ${type}`);
  }
  return { type, blob, comment: comment.join(" ") };
}

export function sha256Fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

export function fingerprintOfPublicKeyLine(line: string): string {
  return sha256Fingerprint(parseOpenSshPublicKey(line).blob);
}
