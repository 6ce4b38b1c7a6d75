import { createHash } from "node:crypto";

/**
 * Leases in KMS, which has no compare-and-set. What it does guarantee
 * (PutSecretValue, KMS API reference): a VersionId is written once; putting
 * the same VersionId with the same data succeeds and changes nothing; the same
 * VersionId with other data is rejected (Rejected.ResourceExist). CreateSecret
 * of a name that exists is rejected the same way. That is a create-if-absent
 * per VersionId, and it is enough:
 *
 * - The lease of a secret lives in a companion secret of its own,
 *   managed-secrets-lease/<sha256 of the name>, whose ACSCurrent version is the
 *   lease. Its id is managed-secrets-lease-<epoch>; its data names the owner
 *   and the expiry ({"owner","expiresAt"}), or says the lease was released
 *   ({"owner","releasedAt"}). Epoch 1 is the CreateSecret of the companion.
 * - To take, renew or release, a rotator reads the lease, decides, and writes
 *   epoch + 1. Two rotators that read the same epoch race for the same
 *   VersionId: the first write lands, the second gets Rejected.ResourceExist
 *   and reads again. No one can write epoch + 1 after someone else did.
 *
 * Why a companion and not versions of the secret itself: at 10 versions
 * PutSecretValue rolls out the earliest version, and the reference does not
 * promise that a version with a stage is spared. Every take and release is a
 * put; had they gone into the secret, a few failed rotations in a row would
 * have pushed ACSCurrent out. Now the secret gets one put per new value, and
 * the companion's earliest version is never the lease (the newest is).
 *
 * Limits, by design:
 * - Expiry compares the writer's clock with the reader's: clocks more than a
 *   few seconds apart shorten or lengthen leases by that much.
 * - Superseded lease versions roll out of the companion at its 10-version
 *   limit. A rotator that read epoch N and then stalled while others went
 *   past N + 1 and rolled N + 1 out could write N + 1 again. The store
 *   refuses to write on a read older than LEASE_MAX_READ_AGE_MS, far shorter
 *   than the several rotations such a roll-out needs.
 * - Leases written by versions of this product before the companion (versions
 *   of the secret with the stage ManagedSecretsLease) are not seen: upgrade
 *   every rotator of a store together. Those versions are never read as values.
 * - The companion holds no credential and carries no format tag, so
 *   listSecrets never shows it; deleting a secret force-deletes its companion.
 */

/** Version ids with this prefix belong to the store; callers may not use them. */
export const RESERVED_VERSION_PREFIX = "managed-secrets-";
export const LEASE_VERSION_PREFIX = `${RESERVED_VERSION_PREFIX}lease-`;
/** Lost races before acquireLease reports the lease as taken: someone else keeps winning. */
export const LEASE_CAS_ATTEMPTS = 3;
/** A decision is only written while the read it rests on is this fresh (real time, not the business clock). */
export const LEASE_MAX_READ_AGE_MS = 10_000;

export type LeaseRecord = { readonly owner: string; readonly expiresAt: string } | { readonly owner: string; readonly releasedAt: string };

/** Names of the companion secrets that hold leases; callers may not create secrets under it. */
export const LEASE_SECRET_PREFIX = `${RESERVED_VERSION_PREFIX}lease/`;

/** A hash, not the name itself: the prefix plus a 192-character name would not fit KMS's 192. */
export function leaseSecretName(name: string): string {
  return `${LEASE_SECRET_PREFIX}${createHash("sha256").update(name, "utf8").digest("hex")}`;
}

export function isReservedVersionId(versionId: string): boolean {
  return versionId.startsWith(RESERVED_VERSION_PREFIX);
}

export function isLeaseVersionId(versionId: string): boolean {
  return versionId.startsWith(LEASE_VERSION_PREFIX);
}

export function leaseVersionId(epoch: number): string {
  return `${LEASE_VERSION_PREFIX}${epoch}`;
}

/** The epoch of a lease version id; 0 when there is none yet. */
export function epochOf(versionId: string | undefined): number {
  const m = versionId === undefined ? null : /^managed-secrets-lease-(\d{1,15})$/.exec(versionId);
  return m ? Number(m[1]) : 0;
}

/** Fixed key order: a retried put sends the same bytes, which KMS accepts as the same version. */
export function encodeLease(record: LeaseRecord): string {
  return "expiresAt" in record
    ? JSON.stringify({ owner: record.owner, expiresAt: record.expiresAt })
    : JSON.stringify({ owner: record.owner, releasedAt: record.releasedAt });
}

/** Undefined for data that is not a lease record: such a lease counts as free. */
export function decodeLease(text: string): LeaseRecord | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.owner !== "string") return undefined;
    if (typeof v.expiresAt === "string" && !Number.isNaN(Date.parse(v.expiresAt))) return { owner: v.owner, expiresAt: v.expiresAt };
    if (typeof v.releasedAt === "string") return { owner: v.owner, releasedAt: v.releasedAt };
  } catch {
    // fall through: not ours
  }
  return undefined;
}

/** The owner while the lease is held at `now`; undefined when it is free, released or expired. */
export function holderAt(record: LeaseRecord | undefined, now: Date): string | undefined {
  if (record === undefined || !("expiresAt" in record)) return undefined;
  return Date.parse(record.expiresAt) > now.getTime() ? record.owner : undefined;
}
