import { createHash } from "node:crypto";
import type { KmsSecretSummary } from "../../alicloud/kms-client";
import type { KmsCall } from "./kms-call";
import { KMS_NOT_FOUND, isKmsCode, storeErrorFrom } from "./kms-errors";
import { LIST_CONCURRENCY, listSecretPages, listVersions } from "./kms-listing";
import { mapBounded } from "../../core/map-bounded";
import { FORMAT_TAG } from "./kms-tags";
import { isLeaseVersionId } from "./kms-lease";

/**
 * What earlier releases of the store left in KMS, read only to be recognised
 * and removed (the leases themselves live in the lease table now, kms-lease.ts):
 *
 * - the previous release kept each secret's lease in a companion secret,
 *   managed-secrets-lease/<sha256 of the name>, whose versions
 *   managed-secrets-lease-<epoch> held {"owner","expiresAt"} or
 *   {"owner","releasedAt"}; created at a secret's first rotation and
 *   force-deleted with it, so a secret deleted outside the product left its
 *   companion behind;
 * - the release before that kept leases as versions of the secret itself,
 *   with the same version ids: never values (valueVersions leaves them out).
 *
 * `managed-secrets clean-leases` lists the companions and removes them, and
 * nothing else: a secret is removed only if its name has the companion form,
 * it carries no store tag, every version is a lease version and its value is
 * a lease record (so it holds no credential), and no earlier release's
 * rotator holds the lease right now.
 */

export const LEASE_COMPANION_PREFIX = "managed-secrets-lease/";
const COMPANION_NAME = /^managed-secrets-lease\/[0-9a-f]{64}$/;

export function leaseCompanionName(name: string): string {
  return `${LEASE_COMPANION_PREFIX}${createHash("sha256").update(name, "utf8").digest("hex")}`;
}

type CompanionRecord = { readonly owner: string; readonly expiresAt: string } | { readonly owner: string; readonly releasedAt: string };

/** Undefined for data that is not a companion's lease record. */
export function decodeCompanionLease(text: string): CompanionRecord | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown> | null;
    if (v === null || typeof v !== "object" || typeof v.owner !== "string") return undefined;
    const keys = Object.keys(v).sort().join(",");
    if (keys === "expiresAt,owner" && typeof v.expiresAt === "string" && !Number.isNaN(Date.parse(v.expiresAt))) return { owner: v.owner, expiresAt: v.expiresAt };
    if (keys === "owner,releasedAt" && typeof v.releasedAt === "string") return { owner: v.owner, releasedAt: v.releasedAt };
  } catch {
    // not a lease record
  }
  return undefined;
}

/** What clean-leases found, one row per secret of the companion form. */
export interface LeaseCompanion {
  readonly name: string;
  /**
   * orphaned: its secret is gone; legacy: its secret exists (the lease table
   * serves it now); held: an earlier release's rotator holds it until
   * `heldUntil` (left alone); not-a-lease: not what the store wrote (left alone).
   */
  readonly status: "orphaned" | "legacy" | "held" | "not-a-lease";
  /** The managed secret it served, when that secret still exists. */
  readonly secretName?: string;
  readonly heldUntil?: string;
  readonly why?: string;
}

export const REMOVABLE_COMPANION: readonly LeaseCompanion["status"][] = ["orphaned", "legacy"];

/**
 * Every secret of the account named like a companion, judged. ListSecrets is
 * read whole (no name filter: how KMS matches one is not documented), then
 * each candidate's value and versions.
 */
export async function findLeaseCompanions(call: KmsCall, nowMs: number): Promise<LeaseCompanion[]> {
  const all = await listAllSecrets(call);
  const managed = new Map(all.filter((s) => s.tags.some((t) => t.key === FORMAT_TAG)).map((s) => [leaseCompanionName(s.secretName), s.secretName]));
  const candidates = all.filter((s) => s.secretName.startsWith(LEASE_COMPANION_PREFIX)).sort((a, b) => (a.secretName < b.secretName ? -1 : 1));
  return mapBounded(candidates, LIST_CONCURRENCY, async (s): Promise<LeaseCompanion> => {
    const name = s.secretName;
    const notALease = (why: string): LeaseCompanion => ({ name, status: "not-a-lease", why });
    if (!COMPANION_NAME.test(name)) return notALease("its name is not managed-secrets-lease/<sha256>");
    if (s.tags.some((t) => t.key === FORMAT_TAG)) return notALease("it carries the store's format tag: a managed secret");
    if (s.plannedDeleteTime) return notALease("it is already scheduled for deletion");
    const versions = await listVersions(call, name);
    const foreign = versions.find((v) => !isLeaseVersionId(v.versionId));
    if (foreign !== undefined) return notALease(`version "${foreign.versionId}" is not a lease version`);
    let data: string;
    try {
      data = (await call((kms) => kms.getSecretValue({ secretName: name }))).secretData;
    } catch (e) {
      if (isKmsCode(e, KMS_NOT_FOUND)) return notALease("it has no ACSCurrent value");
      throw storeErrorFrom(e, name);
    }
    const record = decodeCompanionLease(data);
    if (record === undefined) return notALease("its value is not a lease record");
    const secretName = managed.get(name);
    if ("expiresAt" in record && Date.parse(record.expiresAt) > nowMs) {
      return { name, status: "held", heldUntil: record.expiresAt, ...(secretName ? { secretName } : {}), why: "an earlier release is rotating with it: upgrade every rotator first" };
    }
    return secretName ? { name, status: "legacy", secretName } : { name, status: "orphaned" };
  });
}

/** Force-deletes one companion found removable; one already gone counts as removed. */
export async function removeLeaseCompanion(call: KmsCall, name: string): Promise<void> {
  try {
    await call((kms) => kms.deleteSecret({ secretName: name, forceDeleteWithoutRecovery: true }));
  } catch (e) {
    if (isKmsCode(e, KMS_NOT_FOUND)) return;
    throw storeErrorFrom(e, name);
  }
}

async function listAllSecrets(call: KmsCall): Promise<KmsSecretSummary[]> {
  try {
    return (await listSecretPages(call)).secrets;
  } catch (e) {
    throw storeErrorFrom(e);
  }
}
