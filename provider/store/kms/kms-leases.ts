import type { KmsSecretDescription } from "../../alicloud/kms-client";
import type { LeaseSession } from "./kms-session";

/**
 * The rotation lease on the kms store's secrets, and what the store knows of
 * a secret while it holds one (its session, kms-session.ts). The store checks
 * the input and that the secret is live; this takes, renews and releases.
 * Behind an interface of its own so that where a lease is kept can change
 * without the store: today a companion secret per secret holds it
 * (kms-companion-leases.ts, the record's format in kms-lease.ts).
 */
export interface KmsLeases {
  /** Takes or renews the lease of a live secret (`description` as just read) for `ttlMs`; false while another owner holds it. */
  acquire(name: string, owner: string, ttlMs: number, description: KmsSecretDescription): Promise<boolean>;
  /**
   * Releases `owner`'s lease; does nothing when another owner holds it, or
   * when the secret is gone. `beforeRelease` runs first, with the session,
   * when this instance took the lease for `owner` and has not seen it expire.
   */
  release(name: string, owner: string, beforeRelease: (session: LeaseSession) => Promise<void>): Promise<void>;
  /** The session of a lease this instance holds and has not seen expire; undefined otherwise. */
  session(name: string): LeaseSession | undefined;
  /** After the secret was deleted: its session ends, and what kept its lease goes. */
  deleted(name: string): Promise<void>;
}
