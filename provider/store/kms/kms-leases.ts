import type { KmsSecretDescription } from "../../alicloud/kms-client";
import type { LeaseSession } from "./kms-session";

/**
 * The rotation lease on the kms store's secrets, and what the store knows of
 * a secret while it holds one (its session, kms-session.ts). The store checks
 * the input and that the secret is live; this takes, renews and releases.
 * Behind an interface of its own so that where a lease is kept can change
 * without the store: one lease table for the whole store
 * (kms-lease-table.ts, its format and design in kms-lease.ts); the previous
 * release's companion secret per secret lives on in testkit/, to measure
 * against and to write stores as that release did.
 */
export interface KmsLeases {
  /** Before the store creates a secret: what the leases are kept in exists (created now if not, then true), so a full KMS instance shows at create. */
  prepare(): Promise<boolean>;
  /** Whether what the leases are kept in exists already (asked only when one more secret may not fit). */
  exists(): Promise<boolean>;
  /**
   * Takes or renews the lease of a live secret for `ttlMs`; false while
   * another owner holds it. `describe` reads the secret once the lease is
   * won, and its answer starts the session: read any earlier, it could
   * predate a rotation another owner finished just before this take, and the
   * session would not see that rotation. When `describe` throws (the secret
   * is gone, or pending deletion), the lease is given back and the error thrown.
   */
  acquire(name: string, owner: string, ttlMs: number, describe: () => Promise<KmsSecretDescription>): Promise<boolean>;
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
