import { performance } from "node:perf_hooks";
import type { KmsSecretDescription } from "../../alicloud/kms-client";
import type { Clock } from "../../core/clock";
import { ManagedSecretsError, isManagedSecretsError } from "../../core/errors";
import type { KmsCall } from "./kms-call";
import { KMS_EXISTS, KMS_NOT_FOUND, isKmsCode, storeErrorFrom } from "./kms-errors";
import {
  LEASE_CAS_ATTEMPTS,
  LEASE_JITTER_MS,
  LEASE_TABLE_MAX_BYTES,
  LEASE_TABLE_NAME,
  decodeLeaseTable,
  encodeLeaseTable,
  holderAt,
  tableEpochOf,
  tableVersionId,
  unreadableTable,
  type LeaseEntry,
} from "./kms-lease";
import type { KmsLeases } from "./kms-leases";
import { listVersions } from "./kms-listing";
import { inCreationOrder } from "./kms-secret-meta";
import { HeldSessions, type LeaseSession } from "./kms-session";

/** A table as read or written: its epoch (0: no table yet) and the leases it holds. */
interface Table {
  readonly epoch: number;
  readonly leases: ReadonlyMap<string, LeaseEntry>;
}

type Won = { readonly won: true; readonly expiresAtMs: number };
type Outcome = Won | { readonly won: false } | ManagedSecretsError | undefined;

type Op = (
  | { readonly kind: "take"; readonly name: string; readonly owner: string; readonly ttlMs: number }
  | { readonly kind: "release"; readonly name: string; readonly owner: string }
) & { readonly settle: (outcome: Outcome) => void; readonly fail: (e: unknown) => void };

/**
 * How long a table this instance wrote (and verified) is trusted as the base
 * of its next write without reading it again: long enough to cover a pass's
 * back-to-back takes and releases, short enough that another writer's table
 * is seldom mistaken for the newest. A mistake costs a lost write, never a
 * wrong lease: the write of an epoch someone else wrote is refused.
 */
const KNOWN_FRESH_MS = 2_000;

/**
 * The store's leases in its one lease table (kms-lease.ts: the format, the
 * compare-and-set, and why a write is verified), and the sessions of the
 * leases this store instance holds. Takes and releases that wait while a
 * write is in flight go out together in the next write: one read (often
 * none), one put and one listing for all of them.
 */
export class LeaseTable implements KmsLeases {
  readonly #call: KmsCall;
  readonly #clock: Clock;
  /** Where the store creates secrets (KMS 3.0's instance and key): the table is created there too. */
  readonly #placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string };
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  /** The leases this instance took, and what it read and wrote of each secret meanwhile (kms-session.ts). */
  readonly #sessions: HeldSessions<{ readonly owner: string }>;
  readonly #queue: Op[] = [];
  #draining = false;
  /** The last table this instance wrote and verified, and when (real time). */
  #known: (Table & { readonly atMs: number }) | undefined;
  #exists = false;

  constructor(
    call: KmsCall,
    clock: Clock,
    placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string },
    options: { readonly sleep?: (ms: number) => Promise<void>; readonly random?: () => number } = {},
  ) {
    this.#call = call;
    this.#clock = clock;
    this.#placement = placement;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#sessions = new HeldSessions(clock);
  }

  /** Creates the table when this instance has not seen it yet; KMS's own error (a full quota, a wrong instance) is thrown as it came. */
  async prepare(): Promise<boolean> {
    if (this.#exists) return false;
    const versionId = tableVersionId(1);
    try {
      await this.#call((kms) => kms.createSecret({ secretName: LEASE_TABLE_NAME, secretData: encodeLeaseTable(new Map()), versionId, description: TABLE_DESCRIPTION, ...this.#placement }));
      // Just made, so known: a first take right after needs no read.
      this.#known = { epoch: 1, leases: new Map(), atMs: performance.now() };
      return (this.#exists = true);
    } catch (e) {
      if (!isKmsCode(e, KMS_EXISTS)) throw e;
    }
    this.#exists = true;
    return false;
  }

  async exists(): Promise<boolean> {
    if (this.#exists) return true;
    try {
      await this.#call((kms) => kms.describeSecret({ secretName: LEASE_TABLE_NAME }));
    } catch (e) {
      if (isKmsCode(e, KMS_NOT_FOUND)) return false;
      throw e;
    }
    return (this.#exists = true);
  }

  async acquire(name: string, owner: string, ttlMs: number, describe: () => Promise<KmsSecretDescription>): Promise<boolean> {
    const outcome = await this.#submit({ kind: "take", name, owner, ttlMs });
    if (outcome instanceof ManagedSecretsError) throw outcome;
    if (outcome === undefined || !outcome.won) return false;
    let description: KmsSecretDescription;
    try {
      description = await describe();
    } catch (e) {
      // The table would otherwise hold a lease on a secret that is gone until it expired.
      await this.#submit({ kind: "release", name, owner }).catch(() => undefined);
      throw e;
    }
    this.#sessions.start(name, { owner }, outcome.expiresAtMs, description);
    return true;
  }

  async release(name: string, owner: string, beforeRelease: (session: LeaseSession) => Promise<void>): Promise<void> {
    const { held, session } = this.#sessions.end(name);
    try {
      if (session !== undefined && held?.owner === owner) await beforeRelease(session);
      await this.#submit({ kind: "release", name, owner });
    } catch (e) {
      // Runs in `finally` blocks: a secret deleted meanwhile has no lease left to release, and must not mask their error.
      if (isManagedSecretsError(e, "SecretNotFound") || isManagedSecretsError(e, "SecretPendingDeletion")) return;
      throw e;
    }
  }

  session(name: string): LeaseSession | undefined {
    return this.#sessions.session(name);
  }

  /** The session ends; the entry, if any, is dropped by the next write after it expires (a rotation of a deleted secret releases it sooner). */
  async deleted(name: string): Promise<void> {
    this.#sessions.end(name);
  }

  #submit(op: { kind: "take"; name: string; owner: string; ttlMs: number } | { kind: "release"; name: string; owner: string }): Promise<Outcome> {
    return new Promise<Outcome>((settle, fail) => {
      this.#queue.push({ ...op, settle, fail });
      if (this.#draining) return;
      this.#draining = true;
      void this.#drain();
    });
  }

  /** One write at a time; whatever queued meanwhile is the next write's. The flag drops in the same turn the queue is found empty. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0);
        try {
          const outcomes = await this.#commit(batch);
          batch.forEach((op, i) => op.settle(outcomes[i]));
        } catch (e) {
          for (const op of batch) op.fail(storeErrorFrom(e, op.name));
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #commit(batch: readonly Op[]): Promise<Outcome[]> {
    for (let attempt = 1; attempt <= LEASE_CAS_ATTEMPTS; attempt++) {
      // Losers of a race wait a random, growing while, so that they do not meet again at the next epoch.
      if (attempt > 1) await this.#sleep(Math.ceil(this.#random() * LEASE_JITTER_MS * attempt));
      const known = this.#known !== undefined && performance.now() - this.#known.atMs < KNOWN_FRESH_MS ? this.#known : undefined;
      let base: Table = known ?? (await this.#read());
      let plan = this.#plan(batch, base);
      // Nothing to write: the answers must rest on a table read just now, not on one remembered.
      if (!plan.changed && known !== undefined) plan = this.#plan(batch, (base = await this.#read()));
      if (!plan.changed) return plan.outcomes;
      const epoch = base.epoch + 1;
      this.#known = undefined;
      if ((await this.#write(epoch, plan.leases, known)) !== "won") continue;
      this.#known = { epoch, leases: plan.leases, atMs: performance.now() };
      return plan.outcomes;
    }
    // Others kept winning: a take counts as refused (LeaseHeld, which the runner tries again); a release's entry expires.
    return batch.map((op) => (op.kind === "take" ? { won: false } : undefined));
  }

  /** The batch applied in order to the table as of now, expired entries dropped. */
  #plan(batch: readonly Op[], base: Table): { changed: boolean; leases: Map<string, LeaseEntry>; outcomes: Outcome[] } {
    const nowMs = this.#clock().getTime();
    const leases = new Map([...base.leases].filter(([, entry]) => holderAt(entry, nowMs) !== undefined));
    let changed = false;
    const outcomes = batch.map((op): Outcome => {
      const holder = holderAt(leases.get(op.name), nowMs);
      if (op.kind === "release") {
        if (holder === op.owner) {
          leases.delete(op.name);
          changed = true;
        }
        return undefined;
      }
      if (holder !== undefined && holder !== op.owner) return { won: false };
      const before = leases.get(op.name);
      const expiresAtMs = nowMs + op.ttlMs;
      leases.set(op.name, { owner: op.owner, expiresAt: new Date(expiresAtMs).toISOString() });
      if (Buffer.byteLength(encodeLeaseTable(leases), "utf8") > LEASE_TABLE_MAX_BYTES) {
        if (before === undefined) leases.delete(op.name);
        else leases.set(op.name, before);
        return new ManagedSecretsError(
          "StoreBusy",
          `the store's lease table (KMS secret "${LEASE_TABLE_NAME}") is full: ${leases.size} rotations hold a lease, as many as one KMS value holds; try again when some finish`,
          { secretName: op.name },
        );
      }
      changed = true;
      return { won: true, expiresAtMs };
    });
    return { changed, leases, outcomes };
  }

  async #read(): Promise<Table> {
    let got: { versionId: string; secretData: string };
    try {
      got = await this.#call((kms) => kms.getSecretValue({ secretName: LEASE_TABLE_NAME }));
    } catch (e) {
      // No table yet (a store written by an earlier release, or one reset by deleting the table): the next write creates it.
      if (isKmsCode(e, KMS_NOT_FOUND)) return { epoch: 0, leases: new Map() };
      throw e;
    }
    this.#exists = true;
    const epoch = tableEpochOf(got.versionId);
    // Decoded first: a value that is not a table is refused whatever its version says.
    const leases = decodeLeaseTable(got.secretData);
    if (epoch === 0) throw unreadableTable("its current version was not written by the store");
    return { epoch, leases };
  }

  /**
   * "won" when this write is the table's newest epoch; "lost" when someone
   * else's write of it landed first, or it turned out stale (kms-lease.ts).
   * `ownBase`: the table this write built on, when it is this instance's own
   * last write, already found to be the newest.
   */
  async #write(epoch: number, leases: ReadonlyMap<string, LeaseEntry>, ownBase: Table | undefined): Promise<"won" | "lost"> {
    const versionId = tableVersionId(epoch);
    const secretData = encodeLeaseTable(leases);
    try {
      if (epoch === 1) {
        await this.#call((kms) => kms.createSecret({ secretName: LEASE_TABLE_NAME, secretData, versionId, description: TABLE_DESCRIPTION, ...this.#placement }));
        this.#exists = true;
        // A table just created has no older version to have fallen behind.
        return "won";
      }
      await this.#call((kms) => kms.putSecretValue({ secretName: LEASE_TABLE_NAME, secretData, versionId, versionStages: ["ACSCurrent"] }));
    } catch (e) {
      if (isKmsCode(e, KMS_EXISTS) || isKmsCode(e, KMS_NOT_FOUND)) return "lost";
      throw e;
    }
    if (ownBase !== undefined && (await this.#followsOwn(ownBase))) return "won";
    return (await this.#newest(versionId, epoch)) ? "won" : "lost";
  }

  /**
   * The cheap proof, for a write built on this instance's own last write
   * (epoch N, found newest then): every table write moves ACSCurrent, so the
   * version this write took ACSCurrent from is now ACSPrevious. If that is
   * still exactly N, as written here, nobody wrote between the two, so this
   * one cannot be stale. One GetSecretValue (KMS's 450-per-second group)
   * instead of a listing (its 40-per-second group, shared with every put and
   * stage move): a runner's takes and releases mostly build on its own. Any
   * other answer (a write came in between, or landed after this one) is left
   * to the listing.
   */
  async #followsOwn(base: Table): Promise<boolean> {
    let previous: { versionId: string; secretData: string };
    try {
      previous = await this.#call((kms) => kms.getSecretValue({ secretName: LEASE_TABLE_NAME, versionStage: "ACSPrevious" }));
    } catch (e) {
      if (isKmsCode(e, KMS_NOT_FOUND)) return false;
      throw e;
    }
    return previous.versionId === tableVersionId(base.epoch) && previous.secretData === encodeLeaseTable(base.leases);
  }

  /**
   * Whether the write of `epoch` is the table's newest: every version created
   * before it has a smaller epoch. Otherwise it was a stale write, and the
   * newest table is put back on top before anyone tries again.
   */
  async #newest(versionId: string, epoch: number): Promise<boolean> {
    let versions;
    try {
      versions = inCreationOrder(await listVersions(this.#call, LEASE_TABLE_NAME));
    } catch (e) {
      if (isManagedSecretsError(e, "SecretNotFound")) return false;
      throw e;
    }
    const at = versions.findIndex((v) => v.versionId === versionId);
    // Rolled out already by later writes: whether those built on it cannot be told, so the batch is decided again.
    if (at < 0) return false;
    if (versions.slice(0, at).every((v) => tableEpochOf(v.versionId) < epoch)) return true;
    const newest = versions.reduce((a, b) => (tableEpochOf(b.versionId) > tableEpochOf(a.versionId) ? b : a));
    const got = await this.#call((kms) => kms.getSecretValue({ secretName: LEASE_TABLE_NAME, versionId: newest.versionId }));
    decodeLeaseTable(got.secretData);
    try {
      await this.#call((kms) =>
        kms.putSecretValue({ secretName: LEASE_TABLE_NAME, secretData: got.secretData, versionId: tableVersionId(tableEpochOf(newest.versionId) + 1), versionStages: ["ACSCurrent"] }),
      );
    } catch (e) {
      // Someone else put it back, or went on from it: either way the stale table is no longer the newest.
      if (!isKmsCode(e, KMS_EXISTS) && !isKmsCode(e, KMS_NOT_FOUND)) throw e;
    }
    return false;
  }
}

const TABLE_DESCRIPTION = "rotation leases of the managed-secrets store (which rotations are in flight); holds no credential";
