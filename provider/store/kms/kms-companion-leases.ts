import { performance } from "node:perf_hooks";
import type { KmsSecretDescription } from "../../alicloud/kms-client";
import type { Clock } from "../../core/clock";
import { ManagedSecretsError } from "../../core/errors";
import type { KmsCall } from "./kms-call";
import { KMS_EXISTS, KMS_NOT_FOUND, isKmsCode, storeErrorFrom } from "./kms-errors";
import { LEASE_CAS_ATTEMPTS, LEASE_MAX_READ_AGE_MS, decodeLease, encodeLease, epochOf, holderAt, leaseSecretName, leaseVersionId, type LeaseRecord } from "./kms-lease";
import type { KmsLeases } from "./kms-leases";
import { LeaseSession } from "./kms-session";

interface HeldLease {
  readonly owner: string;
  readonly versionId: string;
  readonly expiresAtMs: number;
}

/**
 * Leases kept in a companion secret per secret, written one epoch at a time
 * (kms-lease.ts says why that is a compare-and-set), never readable as a
 * value; and the sessions of the leases this store instance holds.
 */
export class CompanionLeases implements KmsLeases {
  readonly #call: KmsCall;
  readonly #clock: Clock;
  /** Where the store creates secrets (KMS 3.0's instance and key): a companion is created there too. */
  readonly #placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string };
  /** Leases this instance took, so release needs no read while they are surely still ours. */
  readonly #held = new Map<string, HeldLease>();
  /** What this instance read and wrote of each secret whose lease it holds (kms-session.ts). */
  readonly #sessions = new Map<string, LeaseSession>();

  constructor(call: KmsCall, clock: Clock, placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string }) {
    this.#call = call;
    this.#clock = clock;
    this.#placement = placement;
  }

  async acquire(name: string, owner: string, ttlMs: number, description: KmsSecretDescription): Promise<boolean> {
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
        this.#held.set(name, { owner, versionId, expiresAtMs });
        const session = new LeaseSession(expiresAtMs);
        session.description = description;
        this.#sessions.set(name, session);
        return true;
      }
    }
    return false;
  }

  async release(name: string, owner: string, beforeRelease: (session: LeaseSession) => Promise<void>): Promise<void> {
    const held = this.#held.get(name);
    const session = this.session(name);
    this.#sessions.delete(name);
    this.#held.delete(name);
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

  /** The session of a lease this instance holds and has not seen expire; undefined otherwise (and a stale one is dropped). */
  session(name: string): LeaseSession | undefined {
    const session = this.#sessions.get(name);
    if (session === undefined) return undefined;
    if (session.expiresAtMs > this.#clock().getTime() && this.#held.has(name)) return session;
    this.#sessions.delete(name);
    return undefined;
  }

  async deleted(name: string): Promise<void> {
    this.#sessions.delete(name);
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
