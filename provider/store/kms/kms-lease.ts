import { ManagedSecretsError } from "../../core/errors";
import { SECRET_NAME } from "../store-input";

/**
 * Rotation leases in KMS, which has no compare-and-set. What it does
 * guarantee (PutSecretValue, KMS API reference): a VersionId is written once;
 * the same VersionId with the same data succeeds and changes nothing; the
 * same VersionId with other data is rejected (Rejected.ResourceExist).
 * CreateSecret of a name that exists is rejected the same way. That is a
 * create-if-absent per VersionId, and the store builds its leases on it:
 *
 * - Every lease of the store lives in one KMS secret, the lease table
 *   `managed-secrets-leases`, whose ACSCurrent version holds the set of held
 *   leases ({"format":1,"leases":{"<secret name>":{"owner","expiresAt"}}}).
 *   Its version ids are managed-secrets-leases-<epoch>; epoch 1 is the
 *   CreateSecret of the table.
 * - To take, renew or release leases, a writer reads the table (epoch N),
 *   decides, and writes epoch N + 1. Two writers that read the same epoch race
 *   for the same VersionId: the first write lands, the second gets
 *   Rejected.ResourceExist and reads again. Expired entries are dropped by
 *   whoever writes next, so an entry of a secret deleted mid-rotation, or of
 *   a rotator that died, lives at most its lease's time.
 * - A store instance sends its own waiting takes and releases as one write
 *   (kms-lease-table.ts), so a runner at concurrency 32 does not race itself.
 *
 * Why one table, not a companion secret per secret (the previous release):
 * KMS bills every secret per day and counts it against a KMS instance's
 * secret quota, so a companion doubled both for every rotated secret, and a
 * tightly sized instance failed at the first rotation instead of at
 * `pulumi up`. The table is created with the store's first secret, so a full
 * quota shows at create. Why not versions of the secret itself: at 10
 * versions PutSecretValue rolls out the earliest version, and the reference
 * does not promise that a version with a stage is spared; every take and
 * release is a put, and a few failed rotations in a row would have pushed
 * ACSCurrent out.
 *
 * The 10-version roll-out, for the table. Superseded table versions roll out
 * at KMS's limit, and then their VersionIds are free again: a writer that
 * read epoch N and whose write of N + 1 lands only after others wrote N + 1
 * to N + 11 would write N + 1 a second time (a "stale write") and make
 * ACSCurrent an old table. The companion made that need several rotations of
 * one secret; the fleet's shared table gets 11 writes in well under a second,
 * and a process busy with 32 SSH handshakes can stall that long between a
 * read and its write. So no time limit is trusted: after every write, the
 * writer lists the table's versions (ListSecretVersionIds, in creation order)
 * and counts its write only if every version created before it has a smaller
 * epoch. A stale write always has an older version with a larger epoch (the
 * one it fell behind), so it is found; the writer then puts the largest
 * epoch's data back as the next epoch and tries again, and nobody acts on
 * the stale table: whoever read it and wrote on top finds the same older,
 * larger epoch before its own write. One assumption remains, beyond KMS's
 * documented VersionId rule: that the versions created before a write are
 * still listed when its writer looks, i.e. that nobody makes 9 more writes
 * between a write's answer and the next request of the same writer.
 *
 * Limits, by design:
 * - Expiry compares the writer's clock with the reader's: clocks more than a
 *   few seconds apart shorten or lengthen leases by that much.
 * - One table holds what fits in one KMS value (30 KB): a few hundred leases
 *   held at once (each rotation in flight holds one). Past that a take fails
 *   with StoreBusy until some are released.
 * - The table holds no credential and carries no format tag, so listSecrets
 *   never shows it. Deleting it (ForceDeleteWithoutRecovery) while nothing
 *   rotates is how a damaged table is reset: the next take creates it again.
 */

/** Version ids with this prefix belong to the store; callers may not use them. */
export const RESERVED_VERSION_PREFIX = "managed-secrets-";
/** The one KMS secret that holds every lease of the store. */
export const LEASE_TABLE_NAME = "managed-secrets-leases";
/** Names the store keeps for its leases: the table, and the companions of the previous release (kms-legacy-companions.ts). */
export const RESERVED_NAME_PREFIX = "managed-secrets-lease";
const TABLE_VERSION_PREFIX = `${LEASE_TABLE_NAME}-`;
/**
 * Lost races before a take is reported as refused (the lease looks held): the
 * whole fleet writes one table, so more than a companion needed, each after a
 * random wait (LEASE_JITTER_MS, growing) so that losers do not meet again.
 */
export const LEASE_CAS_ATTEMPTS = 10;
export const LEASE_JITTER_MS = 20;
/** The table's data is a KMS value: at most this many bytes (CreateSecret / PutSecretValue SecretData). */
export const LEASE_TABLE_MAX_BYTES = 30 * 1024;
/** An owner names a process (host:pid and a role): longer is not one of ours. */
export const LEASE_OWNER_MAX_LENGTH = 256;

export interface LeaseEntry {
  readonly owner: string;
  readonly expiresAt: string;
}

export function isReservedVersionId(versionId: string): boolean {
  return versionId.startsWith(RESERVED_VERSION_PREFIX);
}

/** A lease an earlier release wrote into a secret's own versions, or into a companion (kms-legacy-companions.ts): never a value. */
export function isLeaseVersionId(versionId: string): boolean {
  return /^managed-secrets-lease-\d{1,15}$/.test(versionId);
}

export function tableVersionId(epoch: number): string {
  return `${TABLE_VERSION_PREFIX}${epoch}`;
}

/** The epoch of a table version id; 0 for anything else (no table yet, or a version the store did not write). */
export function tableEpochOf(versionId: string | undefined): number {
  const m = versionId === undefined ? null : /^managed-secrets-leases-([1-9]\d{0,14})$/.exec(versionId);
  return m ? Number(m[1]) : 0;
}

/** Names in order and fixed key order: a retried put sends the same bytes, which KMS accepts as the same version. */
export function encodeLeaseTable(leases: ReadonlyMap<string, LeaseEntry>): string {
  const sorted = [...leases.keys()].sort();
  return JSON.stringify({ format: 1, leases: Object.fromEntries(sorted.map((n) => [n, { owner: leases.get(n)!.owner, expiresAt: leases.get(n)!.expiresAt }])) });
}

/**
 * The table as read back: held to the rules the store applies to its input
 * (a secret name, an owner, an ISO time), or refused as unreadable, since a
 * table that cannot be read cannot say which rotations are in flight.
 */
export function decodeLeaseTable(text: string): Map<string, LeaseEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unreadableTable("its value is not JSON");
  }
  const root = parsed as { format?: unknown; leases?: unknown } | null;
  if (root === null || typeof root !== "object" || Array.isArray(root) || root.format !== 1) throw unreadableTable('its value is not a lease table of format 1');
  if (root.leases === null || typeof root.leases !== "object" || Array.isArray(root.leases)) throw unreadableTable('its "leases" is not an object');
  const leases = new Map<string, LeaseEntry>();
  for (const [name, entry] of Object.entries(root.leases as Record<string, unknown>)) {
    if (!SECRET_NAME.test(name)) throw unreadableTable("it names a lease of something that is not a secret name");
    const e = entry as { owner?: unknown; expiresAt?: unknown } | null;
    if (e === null || typeof e !== "object" || Object.keys(e).some((k) => k !== "owner" && k !== "expiresAt")) throw unreadableTable(`the lease of "${name}" is not {owner, expiresAt}`);
    if (typeof e.owner !== "string" || e.owner === "" || e.owner.length > LEASE_OWNER_MAX_LENGTH || hasControlCharacter(e.owner)) {
      throw unreadableTable(`the lease of "${name}" has no valid owner`);
    }
    if (typeof e.expiresAt !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(e.expiresAt) || Number.isNaN(Date.parse(e.expiresAt))) {
      throw unreadableTable(`the lease of "${name}" has no valid expiresAt`);
    }
    leases.set(name, { owner: e.owner, expiresAt: e.expiresAt });
  }
  return leases;
}

/** An owner is written into logs and errors: no line breaks or other control characters. */
function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** The owner while the lease is held at `nowMs`; undefined when there is none or it expired. */
export function holderAt(entry: LeaseEntry | undefined, nowMs: number): string | undefined {
  return entry !== undefined && Date.parse(entry.expiresAt) > nowMs ? entry.owner : undefined;
}

export function unreadableTable(why: string): ManagedSecretsError {
  return new ManagedSecretsError(
    "StoreUnreadable",
    `the store's lease table (KMS secret "${LEASE_TABLE_NAME}") cannot be read: ${why}. Nothing was written. ` +
      `When no rotation is running, delete it (aliyun kms DeleteSecret --SecretName ${LEASE_TABLE_NAME} --ForceDeleteWithoutRecovery true): the next rotation creates it again`,
    { secretName: LEASE_TABLE_NAME },
  );
}
