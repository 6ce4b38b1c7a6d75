import { ManagedSecretsError, restoreAdvice, secretNotFound, secretPendingDeletion } from "../../core/errors";
import type { StoreDocument, StoredSecret, Tombstone } from "./store-document";

/**
 * Where a name stands in the deletion lifecycle at a given instant:
 * live -> pending (inside its recovery window) -> absent (purged, or never existed).
 * A secret whose window has passed is absent even before anyone purges it, so
 * reads agree with writes without having to write.
 */
export type Lookup =
  | { readonly state: "live"; readonly secret: StoredSecret }
  | { readonly state: "pending"; readonly secret: StoredSecret; readonly plannedDeleteAt: string }
  | { readonly state: "absent"; readonly tombstone?: Tombstone };

/** Long enough to explain a surprising SecretNotFound after a holiday; short enough to stay small. */
const TOMBSTONE_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const MAX_TOMBSTONES = 1000;

export function lookup(doc: StoreDocument, name: string, now: Date): Lookup {
  const secret = doc.secrets.get(name);
  if (secret !== undefined) {
    const planned = secret.plannedDeleteAt;
    if (planned === undefined) return { state: "live", secret };
    if (!windowPassed(planned, now)) return { state: "pending", secret, plannedDeleteAt: planned };
    return { state: "absent", tombstone: { name, deletedAt: planned, reason: "window-passed" } };
  }
  const tombstone = doc.tombstones.findLast((t) => t.name === name);
  return tombstone === undefined ? { state: "absent" } : { state: "absent", tombstone };
}

/** The secret, if it may be read or changed now; otherwise the error that says why not. */
export function requireLive(doc: StoreDocument, name: string, now: Date): StoredSecret {
  const found = lookup(doc, name, now);
  if (found.state === "live") return found.secret;
  if (found.state === "pending") throw pendingDeletion(name, found.plannedDeleteAt);
  throw notFound(name, found.tombstone);
}

export function windowPassed(plannedDeleteAt: string, now: Date): boolean {
  return Date.parse(plannedDeleteAt) <= now.getTime();
}

/** Removes secrets whose window has passed, remembering them as tombstones; returns their names. */
export function purgeExpiredSecrets(doc: StoreDocument, now: Date): string[] {
  const purged: string[] = [];
  for (const [name, secret] of doc.secrets) {
    if (secret.plannedDeleteAt !== undefined && windowPassed(secret.plannedDeleteAt, now)) {
      doc.secrets.delete(name);
      addTombstone(doc, { name, deletedAt: secret.plannedDeleteAt, reason: "window-passed" });
      purged.push(name);
    }
  }
  pruneTombstones(doc, now);
  return purged;
}

export function addTombstone(doc: StoreDocument, tombstone: Tombstone): void {
  doc.tombstones = doc.tombstones.filter((t) => t.name !== tombstone.name);
  doc.tombstones.push(tombstone);
}

export function forgetTombstone(doc: StoreDocument, name: string): void {
  doc.tombstones = doc.tombstones.filter((t) => t.name !== name);
}

function pruneTombstones(doc: StoreDocument, now: Date): void {
  const cutoff = now.getTime() - TOMBSTONE_RETENTION_MS;
  const kept = doc.tombstones.filter((t) => Date.parse(t.deletedAt) > cutoff);
  doc.tombstones = kept.slice(Math.max(0, kept.length - MAX_TOMBSTONES));
}

export function notFound(name: string, tombstone?: Tombstone): ManagedSecretsError {
  let why = "";
  if (tombstone?.reason === "window-passed") {
    why = `: its recovery window passed at ${tombstone.deletedAt} and it was deleted for good`;
  } else if (tombstone?.reason === "forced") {
    why = `: it was deleted without a recovery window at ${tombstone.deletedAt}`;
  }
  return secretNotFound(name, why);
}

export function pendingDeletion(name: string, plannedDeleteAt: string): ManagedSecretsError {
  return secretPendingDeletion(name, plannedDeleteAt, restoreAdvice(name));
}
