import type { KmsSecretDescription, KmsTag, KmsVersionSummary } from "../../alicloud/kms-client";
import type { Clock } from "../../core/clock";
import { MAX_VERSIONS } from "../secret-store";
import { STAGE_RULES, attachStages, moveStage, type StageChange } from "../stage-moves";

/**
 * What a store knows of one secret while it holds the secret's lease: the
 * description and tags it read when it took the lease, the version list, and
 * the values it read or wrote. A rotation asks for the same things many times
 * (describe, the current value, the versions before each stage move, the
 * values retire needs); each is read from KMS once.
 *
 * Why this is safe: every writer of versions and stages rotates under the
 * lease, so while it is held nobody else changes them, and this store's own
 * writes are applied here exactly as KMS applies them (the store contract's
 * stage rules with KMS's, store/stage-moves.ts; the emulator implements the
 * same in kms-stages.ts). Values are immutable per version id. Tags can
 * change under a lease (a `pulumi up` writing metadata), but the store writes
 * only the tags it changes (TagResource merges), so a concurrent change of
 * another key survives. The session ends with the lease: released, or
 * expired by this store's clock.
 */
export class LeaseSession {
  description: KmsSecretDescription | undefined;
  #versions: KmsVersionSummary[] | undefined;
  readonly #values = new Map<string, string>();

  constructor(readonly expiresAtMs: number) {}

  get versions(): readonly KmsVersionSummary[] | undefined {
    return this.#versions;
  }

  set versions(versions: readonly KmsVersionSummary[] | undefined) {
    this.#versions = versions?.map((v) => ({ ...v, versionStages: [...v.versionStages] }));
  }

  value(versionId: string): string | undefined {
    return this.#values.get(versionId);
  }

  rememberValue(versionId: string, value: string): void {
    this.#values.set(versionId, value);
  }

  /** After a write whose outcome is unknown (it failed, perhaps after landing): read again from KMS. */
  forget(): void {
    this.description = undefined;
    this.#versions = undefined;
  }

  /** The version holding `stage`, as far as this session knows. */
  holder(stage: string): KmsVersionSummary | undefined {
    return this.#versions?.find((v) => v.versionStages.includes(stage));
  }

  /**
   * PutSecretValue: a new version with these stages (moved off their holders); past MAX_VERSIONS KMS rolls out the
   * earliest. `createTime` is this process's clock standing in for KMS's; never earlier than a version KMS already
   * holds, since what is created after which decides whether a binding holds (kms-binding.ts).
   */
  put(versionId: string, value: string, stages: readonly string[], createTime: string): void {
    this.#values.set(versionId, value);
    if (this.#versions === undefined || this.#versions.some((v) => v.versionId === versionId)) return;
    const latest = this.#versions.reduce((at, v) => (Date.parse(v.createTime) > Date.parse(at) ? v.createTime : at), createTime);
    this.#versions.push({ versionId, createTime: latest, versionStages: [] });
    this.#apply(attachStages(this.#staged(), versionId, stages, STAGE_RULES.kms));
    if (this.#versions.length > MAX_VERSIONS) this.#versions.splice(0, this.#versions.length - MAX_VERSIONS);
  }

  /** UpdateSecretVersionStage, once KMS accepted it. */
  moveStage(stage: string, moveTo: string | undefined, removeFrom: string | undefined): void {
    if (this.#versions === undefined) return;
    this.#apply(moveStage(this.#staged(), stage, moveTo, removeFrom, STAGE_RULES.kms));
  }

  /** After TagResource / UntagResource / UpdateSecret succeeded. */
  retag(set: readonly KmsTag[], removed: readonly string[], description?: string): void {
    if (this.description === undefined) return;
    const tags = this.description.tags.filter((t) => !removed.includes(t.key) && !set.some((s) => s.key === t.key));
    this.description = { ...this.description, ...(description !== undefined ? { description } : {}), tags: [...tags, ...set] };
  }

  #staged(): { versionId: string; stages: readonly string[] }[] {
    return this.#versions!.map((v) => ({ versionId: v.versionId, stages: v.versionStages }));
  }

  #apply(changes: readonly StageChange<string>[]): void {
    this.#versions = this.#versions!.map((v) => {
      const changed = changes.find((c) => c.versionId === v.versionId);
      return changed === undefined ? v : { ...v, versionStages: [...changed.stages] };
    });
  }
}

/**
 * The sessions of the leases one store instance took, by secret: each lives
 * until its lease is released, its secret deleted, or its expiry passes on
 * this store's clock. `H` is what the lease keeper remembers of a take.
 */
export class HeldSessions<H extends { readonly owner: string }> {
  readonly #held = new Map<string, { readonly held: H; readonly session: LeaseSession }>();

  constructor(private readonly clock: Clock) {}

  start(name: string, held: H, expiresAtMs: number, description: KmsSecretDescription): void {
    const session = new LeaseSession(expiresAtMs);
    session.description = description;
    this.#held.set(name, { held, session });
  }

  /** The session of a lease this instance holds and has not seen expire; undefined otherwise (and a stale one is dropped). */
  session(name: string): LeaseSession | undefined {
    const entry = this.#held.get(name);
    if (entry === undefined) return undefined;
    if (entry.session.expiresAtMs > this.clock().getTime()) return entry.session;
    this.#held.delete(name);
    return undefined;
  }

  /** Ends what this instance held of `name`: what it took, and the session while that has not expired. */
  end(name: string): { held?: H; session?: LeaseSession } {
    const session = this.session(name);
    const entry = this.#held.get(name);
    this.#held.delete(name);
    return { ...(entry ? { held: entry.held } : {}), ...(session ? { session } : {}) };
  }
}
