import { performance } from "node:perf_hooks";
import type { KmsSecretDescription } from "../../provider/alicloud/kms-client";
import type { Clock } from "../../provider/core/clock";
import { ManagedSecretsError } from "../../provider/core/errors";
import type { KmsCall } from "../../provider/store/kms/kms-call";
import { KMS_EXISTS, KMS_NOT_FOUND, isKmsCode, storeErrorFrom } from "../../provider/store/kms/kms-errors";
import { decodeCompanionLease, leaseCompanionName } from "../../provider/store/kms/kms-legacy-companions";
import type { KmsLeases } from "../../provider/store/kms/kms-leases";
import { HeldSessions, type LeaseSession } from "../../provider/store/kms/kms-session";

/**
 * The previous release's leases, kept as that release wrote them: a companion
 * secret per secret, managed-secrets-lease/<sha256 of the name>, whose
 * ACSCurrent version managed-secrets-lease-<epoch> is the lease, written one
 * epoch at a time (the compare-and-set the lease table still uses,
 * provider/store/kms/kms-lease.ts). Not the product's any more: tests write
 * stores as that release did (the upgrade, `clean-leases`), and the bench
 * measures the lease table against it (bench/lease-cost.ts). Hand it to a
 * KmsSecretStore with `leases: companionLeases`.
 */

const LEASE_CAS_ATTEMPTS = 3;
/** A decision is only written while the read it rests on is this fresh (real time, not the business clock). */
const LEASE_MAX_READ_AGE_MS = 10_000;
const leaseSecretName = leaseCompanionName;
const leaseVersionId = (epoch: number) => `managed-secrets-lease-${epoch}`;

type LeaseRecord = { readonly owner: string; readonly expiresAt: string } | { readonly owner: string; readonly releasedAt: string };

function epochOf(versionId: string | undefined): number {
  const m = versionId === undefined ? null : /^managed-secrets-lease-(\d{1,15})$/.exec(versionId);
  return m ? Number(m[1]) : 0;
}

function encodeLease(record: LeaseRecord): string {
  return "expiresAt" in record
    ? JSON.stringify({ owner: record.owner, expiresAt: record.expiresAt })
    : JSON.stringify({ owner: record.owner, releasedAt: record.releasedAt });
}

const decodeLease = decodeCompanionLease;

function holderAt(record: LeaseRecord | undefined, now: Date): string | undefined {
  if (record === undefined || !("expiresAt" in record)) return undefined;
  return Date.parse(record.expiresAt) > now.getTime() ? record.owner : undefined;
}

export const companionLeases = (p: { call: KmsCall; clock: Clock; placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string } }): KmsLeases =>
  new CompanionLeases(p.call, p.clock, p.placement);

interface HeldLease {
  readonly owner: string;
  readonly versionId: string;
  readonly expiresAtMs: number;
}

/** Leases kept in a companion secret per secret, and the sessions of the leases this store instance holds. */
export class CompanionLeases implements KmsLeases {
  readonly #call: KmsCall;
  readonly #clock: Clock;
  /** Where the store creates secrets (KMS 3.0's instance and key): a companion is created there too. */
  readonly #placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string };
  /** Leases this instance took (so release needs no read while they are surely still ours), and their sessions. */
  readonly #sessions: HeldSessions<HeldLease>;

  constructor(call: KmsCall, clock: Clock, placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string }) {
    this.#call = call;
    this.#clock = clock;
    this.#placement = placement;
    this.#sessions = new HeldSessions(clock);
  }

  /** That release created a companion at a secret's first lease, not at create. */
  async prepare(): Promise<boolean> {
    return false;
  }

  async exists(): Promise<boolean> {
    return true;
  }

  /** As that release did: the secret read before the take (a companion is never made for a secret that is gone). */
  async acquire(name: string, owner: string, ttlMs: number, describe: () => Promise<KmsSecretDescription>): Promise<boolean> {
    const description = await describe();
    for (let attempt = 1; attempt <= LEASE_CAS_ATTEMPTS; attempt++) {
      const readAt = performance.now();
      const lease = await this.#readLease(name);
      const now = this.#clock();
      const holder = holderAt(lease.record, now);
      if (holder !== undefined && holder !== owner) return false;
      if (performance.now() - readAt > LEASE_MAX_READ_AGE_MS) continue;
      const versionId = leaseVersionId(epochOf(lease.versionId) + 1);
      const expiresAtMs = now.getTime() + ttlMs;
      if (await this.#writeLease(name, versionId, { owner, expiresAt: new Date(expiresAtMs).toISOString() })) {
        this.#sessions.start(name, { owner, versionId, expiresAtMs }, expiresAtMs, description);
        return true;
      }
    }
    return false;
  }

  async release(name: string, owner: string, beforeRelease: (session: LeaseSession) => Promise<void>): Promise<void> {
    const { held, session } = this.#sessions.end(name);
    try {
      if (session !== undefined && held?.owner === owner) await beforeRelease(session);
      for (let attempt = 1; attempt <= LEASE_CAS_ATTEMPTS; attempt++) {
        const now = this.#clock();
        let versionId: string | undefined;
        if (attempt === 1 && held !== undefined && held.owner === owner && held.expiresAtMs > now.getTime()) {
          // Unexpired and taken here: no other owner can have written the next epoch, so no read is needed.
          versionId = held.versionId;
        } else {
          const lease = await this.#readLease(name);
          if (holderAt(lease.record, now) !== owner) return;
          versionId = lease.versionId;
        }
        // Lost only to a write of the same owner (a renewal elsewhere in this process): look again.
        if (await this.#writeLease(name, leaseVersionId(epochOf(versionId) + 1), { owner, releasedAt: now.toISOString() })) return;
      }
    } catch (e) {
      // Runs in `finally` blocks: a secret deleted meanwhile has no lease left to release, and must not mask their error.
      if (e instanceof ManagedSecretsError && (e.code === "SecretNotFound" || e.code === "SecretPendingDeletion")) return;
      throw e;
    }
  }

  session(name: string): LeaseSession | undefined {
    return this.#sessions.session(name);
  }

  async deleted(name: string): Promise<void> {
    this.#sessions.end(name);
    await this.#dropLease(name);
  }

  async #readLease(name: string): Promise<{ versionId?: string; record?: LeaseRecord }> {
    try {
      const got = await this.#call((kms) => kms.getSecretValue({ secretName: leaseSecretName(name) }));
      return { versionId: got.versionId, record: decodeLease(got.secretData) };
    } catch (e) {
      // No companion yet: nobody ever took the lease (or the secret was deleted, which took the companion along).
      if (isKmsCode(e, KMS_NOT_FOUND)) return {};
      throw storeErrorFrom(e, name);
    }
  }

  /** True when this write won the epoch; false when someone else's write of it landed first. */
  async #writeLease(name: string, versionId: string, record: LeaseRecord): Promise<boolean> {
    const secretName = leaseSecretName(name);
    const secretData = encodeLease(record);
    try {
      if (epochOf(versionId) === 1) {
        const description = `rotation lease of managed secret ${name}; holds no credential`;
        await this.#call((kms) => kms.createSecret({ secretName, secretData, versionId, description, ...this.#placement }));
      } else {
        await this.#call((kms) => kms.putSecretValue({ secretName, secretData, versionId, versionStages: ["ACSCurrent"] }));
      }
      return true;
    } catch (e) {
      // Lost the race for this epoch, or the companion went away meanwhile: read again.
      if (isKmsCode(e, KMS_EXISTS) || isKmsCode(e, KMS_NOT_FOUND)) return false;
      throw storeErrorFrom(e, name);
    }
  }

  /** The companion holds no credential: if it cannot be removed now, it is harmless, and a later lease reuses it. */
  async #dropLease(name: string): Promise<void> {
    await this.#call((kms) => kms.deleteSecret({ secretName: leaseSecretName(name), forceDeleteWithoutRecovery: true })).catch(() => undefined);
  }
}
