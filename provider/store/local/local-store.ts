import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { systemClock, type Clock } from "../../core/clock";
import { ManagedSecretsError, restoreAdvice, secretPendingDeletion } from "../../core/errors";
import type { FileLockOptions } from "./file-lock";
import { GroupCommit } from "./group-commit";
import {
  MAX_VERSIONS,
  type CreateSecretInput,
  type DeleteOptions,
  type PutValueInput,
  type SecretChange,
  type SecretMeta,
  type SecretStore,
  type SecretVersion,
  type UpdateStageInput,
  type VersionSelector,
} from "../secret-store";
import { STAGE_RULES, attachStages, checkStageMove, holderOf, planStageMove, requireVersion, type StageChange } from "../stage-moves";
import { patchMetadata, sameRecord } from "../metadata-patch";
import { checkSecretChanges } from "../update-in-order";
import { missingVersionMessage, stageNotOnVersion, versionConflict, versionNotFound } from "../store-errors";
import {
  addTombstone,
  forgetTombstone,
  lookup,
  notFound,
  requireLive,
} from "./secret-lifecycle";
import { storeFileUnreadable } from "./unreadable";
import type { Accepted } from "./store-high-water";
import { defaultStateDir } from "./store-mark-file";
import { compareNames, type StoredSecret, type StoredVersion } from "./store-document";
import {
  checkDeleteOptions,
  checkDescription,
  checkLeaseOwner,
  checkLeaseTtl,
  checkMetadata,
  checkPrefix,
  checkSecretName,
  checkStages,
  checkValue,
  checkVersionId,
  checkVersionSelector,
} from "../store-input";

export interface LocalSecretStoreOptions {
  readonly path: string;
  readonly passphrase: string;
  readonly clock?: Clock;
  /** Cross-process lock tuning; tests shorten the stale time, operators rarely need to. */
  readonly lock?: FileLockOptions;
  /**
   * Where this machine keeps each store's high-water mark (the newest commit
   * it has seen, so an older copy of the file is refused): by default
   * MANAGED_SECRETS_STATE_DIR, else $XDG_STATE_HOME/managed-secrets, else
   * ~/.local/state/managed-secrets.
   */
  readonly stateDir?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The embedded store: KMS generic-secret semantics over one encrypted file.
 * Each operation here is a read of the document, or a change of it that the
 * group-commit engine (group-commit.ts) runs under the cross-process lock and
 * appends to the file, so concurrent rotators and `pulumi up` runs never lose
 * each other's updates.
 */
export class LocalSecretStore implements SecretStore {
  readonly kind = "local" as const;
  readonly path: string;
  // A private field stays out of util.inspect and JSON, so logging the store cannot print the passphrase the engine holds.
  readonly #engine: GroupCommit;

  constructor(options: LocalSecretStoreOptions) {
    if (typeof options.path !== "string" || options.path === "") {
      throw new ManagedSecretsError("StoreConfig", "the local store needs a file path (MANAGED_SECRETS_LOCAL_PATH or managed-secrets:localPath)", { property: "path" });
    }
    if (typeof options.passphrase !== "string" || options.passphrase === "") {
      throw new ManagedSecretsError(
        "StoreConfig",
        "the local store needs a passphrase: set MANAGED_SECRETS_PASSPHRASE or the secret stack config managed-secrets:passphrase",
        { property: "passphrase" },
      );
    }
    this.path = resolve(options.path);
    this.#engine = new GroupCommit(this.path, options.passphrase, options.clock ?? systemClock, options.lock ?? {}, options.stateDir ?? defaultStateDir());
  }

  /**
   * After a StoreRolledBack error: takes the file as it is now as the newest
   * state of this store, on this machine and in this process. `state` must be
   * exactly the state that error named (`managed-secrets accept-rollback
   * <state>`), so nothing is accepted by accident or for another file.
   */
  async acceptRollback(state: string): Promise<Accepted> {
    if (typeof state !== "string" || !/^(none|format-1|commit-\d{1,20}-[0-9a-f]{16})$/.test(state)) {
      throw new ManagedSecretsError("InvalidInput", "state must be what a StoreRolledBack error names: commit-<n>-<16 hex digits>, none or format-1", { property: "state" });
    }
    return this.#engine.acceptCurrent(state);
  }

  /**
   * Reads treat a missing file as an empty store (a first `pulumi up` starts
   * from nothing), so callers for whom "empty" would hide a wrong path ask here.
   */
  async fileExists(): Promise<boolean> {
    try {
      await stat(this.path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw storeFileUnreadable(this.path, err);
    }
  }

  async createSecret(input: CreateSecretInput): Promise<SecretMeta> {
    checkSecretName(input.name);
    checkDescription(input.description);
    checkMetadata(input.metadata, false);
    checkVersionId(input.versionId);
    checkValue(input.value);
    const { name } = input;
    return this.#engine.mutate(name, (doc, { now }) => {
      const found = lookup(doc, name, now);
      if (found.state === "live") {
        throw new ManagedSecretsError("SecretExists", `secret "${name}" already exists`, { secretName: name });
      }
      if (found.state === "pending") {
        throw secretPendingDeletion(name, found.plannedDeleteAt, `${restoreAdvice(name)}, or choose another name`);
      }
      const at = now.toISOString();
      const secret: StoredSecret = {
        name,
        description: input.description,
        metadata: { ...input.metadata },
        createdAt: at,
        updatedAt: at,
        versions: [{ versionId: input.versionId, value: input.value, stages: ["ACSCurrent"], createdAt: at }],
      };
      doc.secrets.set(name, secret);
      forgetTombstone(doc, name);
      return toMeta(secret);
    });
  }

  async describeSecret(name: string): Promise<SecretMeta | undefined> {
    checkSecretName(name);
    const { doc, now } = await this.#engine.read();
    const found = lookup(doc, name, now);
    return found.state === "absent" ? undefined : toMeta(found.secret);
  }

  async listSecrets(options: { readonly prefix?: string; readonly includePendingDeletion?: boolean } = {}): Promise<SecretMeta[]> {
    const prefix = checkPrefix(options.prefix);
    const { doc, now } = await this.#engine.read();
    const out: SecretMeta[] = [];
    for (const name of doc.secrets.keys()) {
      if (!name.startsWith(prefix)) continue;
      const found = lookup(doc, name, now);
      if (found.state === "live" || (found.state === "pending" && options.includePendingDeletion === true)) out.push(toMeta(found.secret));
    }
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  async updateSecret(
    name: string,
    patch: { readonly description?: string; readonly metadata?: Readonly<Record<string, string | null>> },
  ): Promise<SecretMeta> {
    checkSecretName(name);
    if (patch.description !== undefined) checkDescription(patch.description);
    if (patch.metadata !== undefined) checkMetadata(patch.metadata, true);
    return this.#engine.mutate(name, (doc, { now }) => {
      const secret = requireLive(doc, name, now);
      patchSecret(secret, patch, now);
      return toMeta(secret);
    });
  }

  /**
   * Metadata and values are in one document under one AES-GCM key from the
   * passphrase: changing a target without the passphrase fails the whole
   * file's authentication, so whatever decrypts is as authentic as the values.
   */
  async authenticateTarget(name: string): Promise<void> {
    checkSecretName(name);
  }

  async getValue(name: string, selector: VersionSelector = {}): Promise<SecretVersion> {
    checkSecretName(name);
    checkVersionSelector(selector);
    const { doc, now } = await this.#engine.read();
    const secret = requireLive(doc, name, now);
    let version: StoredVersion | undefined;
    if (selector.versionId !== undefined) {
      version = requireVersion(name, secret.versions, selector.versionId);
      if (selector.stage !== undefined && !version.stages.includes(selector.stage)) {
        throw stageNotOnVersion(name, selector.versionId, selector.stage);
      }
    } else {
      const stage = selector.stage ?? "ACSCurrent";
      version = holderOf(secret.versions, stage);
      if (version === undefined) throw versionNotFound(name, missingVersionMessage(name, { stage }));
    }
    return { versionId: version.versionId, stages: [...version.stages], createdAt: version.createdAt, value: version.value };
  }

  async putValue(name: string, input: PutValueInput): Promise<void> {
    checkSecretName(name);
    checkVersionId(input.versionId);
    checkValue(input.value);
    checkStages(input.stages);
    await this.#engine.mutate(name, (doc, { now }) => {
      const secret = requireLive(doc, name, now);
      const existing = secret.versions.find((v) => v.versionId === input.versionId);
      if (existing !== undefined) {
        if (existing.value === input.value) return;
        throw versionConflict(name, input.versionId);
      }
      const at = now.toISOString();
      const version: StoredVersion = { versionId: input.versionId, value: input.value, stages: [], createdAt: at };
      secret.versions.push(version);
      applyStageChanges(secret, attachStages(secret.versions, version.versionId, new Set(input.stages), STAGE_RULES.local));
      pruneUnstagedVersions(secret);
      secret.updatedAt = at;
    });
  }

  async updateVersionStage(name: string, input: UpdateStageInput): Promise<void> {
    checkSecretName(name);
    checkStageMove(name, input);
    await this.#engine.mutate(name, (doc, { now }) => {
      moveStageOf(requireLive(doc, name, now), input, now);
    });
  }

  /** One commit for all of `changes`: a change that fails leaves none of them in (the group is replayed without it). */
  async updateAtOnce(name: string, changes: readonly SecretChange[]): Promise<void> {
    checkSecretChanges(name, changes);
    await this.#engine.mutate(name, (doc, { now }) => {
      const secret = requireLive(doc, name, now);
      for (const change of changes) {
        if ("stage" in change) moveStageOf(secret, change.stage, now);
        else patchSecret(secret, { metadata: change.metadata }, now);
      }
    });
  }

  async deleteSecret(name: string, options: DeleteOptions): Promise<{ plannedDeleteAt?: string }> {
    checkSecretName(name);
    const checked = checkDeleteOptions(options);
    return this.#engine.mutate(name, (doc, { now }) => {
      const found = lookup(doc, name, now);
      if (found.state === "absent") throw notFound(name, found.tombstone);
      if ("force" in checked) {
        doc.secrets.delete(name);
        addTombstone(doc, { name, deletedAt: now.toISOString(), reason: "forced" });
        return {};
      }
      if (found.state === "pending") {
        throw new ManagedSecretsError(
          "SecretPendingDeletion",
          `secret "${name}" is already scheduled for deletion at ${found.plannedDeleteAt}; ${restoreAdvice(name)}, or delete it at once with: managed-secrets delete ${name} --force`,
          { secretName: name },
        );
      }
      const plannedDeleteAt = new Date(now.getTime() + checked.recoveryWindowDays * DAY_MS).toISOString();
      found.secret.plannedDeleteAt = plannedDeleteAt;
      found.secret.updatedAt = now.toISOString();
      return { plannedDeleteAt };
    });
  }

  async restoreSecret(name: string): Promise<SecretMeta> {
    checkSecretName(name);
    return this.#engine.mutate(name, (doc, { now }) => {
      const found = lookup(doc, name, now);
      if (found.state === "absent") throw notFound(name, found.tombstone);
      if (found.state === "pending") {
        delete found.secret.plannedDeleteAt;
        found.secret.updatedAt = now.toISOString();
      }
      return toMeta(found.secret);
    });
  }

  async purgeExpired(): Promise<string[]> {
    return this.#engine.mutate(undefined, (_doc, { purged }) => [...purged].sort(compareNames));
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    checkSecretName(name);
    checkLeaseOwner(owner);
    checkLeaseTtl(ttlMs);
    return this.#engine.mutate(name, (doc, { now }) => {
      const secret = requireLive(doc, name, now);
      const lease = secret.lease;
      if (lease !== undefined && lease.owner !== owner && Date.parse(lease.expiresAt) > now.getTime()) return false;
      secret.lease = { owner, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
      return true;
    });
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    checkSecretName(name);
    checkLeaseOwner(owner);
    // Works on any state, even a secret deleted meanwhile: it runs in `finally` blocks and must not mask their error.
    await this.#engine.mutate(name, (doc) => {
      const secret = doc.secrets.get(name);
      if (secret?.lease?.owner === owner) delete secret.lease;
    });
  }
}

function toMeta(secret: StoredSecret): SecretMeta {
  return {
    name: secret.name,
    description: secret.description,
    // Spread defines own data properties, so a "__proto__" metadata key is copied as data.
    metadata: { ...secret.metadata },
    createdAt: secret.createdAt,
    updatedAt: secret.updatedAt,
    ...(secret.plannedDeleteAt === undefined ? {} : { plannedDeleteAt: secret.plannedDeleteAt }),
    versions: secret.versions.map((v) => ({ versionId: v.versionId, stages: [...v.stages], createdAt: v.createdAt })),
  };
}

function patchSecret(secret: StoredSecret, patch: { readonly description?: string; readonly metadata?: Readonly<Record<string, string | null>> }, now: Date): void {
  const next = patchMetadata(secret.metadata, patch.metadata);
  const description = patch.description ?? secret.description;
  if (description !== secret.description || !sameRecord(next, secret.metadata)) {
    secret.description = description;
    secret.metadata = next;
    secret.updatedAt = now.toISOString();
  }
}

function moveStageOf(secret: StoredSecret, input: UpdateStageInput, now: Date): void {
  const changes = planStageMove(secret.name, secret.versions, input, STAGE_RULES.local);
  if (changes.length === 0) return;
  applyStageChanges(secret, changes);
  secret.updatedAt = now.toISOString();
}

function applyStageChanges(secret: StoredSecret, changes: readonly StageChange[]): void {
  for (const change of changes) {
    const version = secret.versions.find((v) => v.versionId === change.versionId);
    if (version !== undefined) version.stages = [...change.stages];
  }
}

/** Like KMS: beyond MAX_VERSIONS the oldest versions go, but never one a stage points at. */
function pruneUnstagedVersions(secret: StoredSecret): void {
  let excess = secret.versions.length - MAX_VERSIONS;
  if (excess <= 0) return;
  secret.versions = secret.versions.filter((v) => {
    if (excess > 0 && v.stages.length === 0) {
      excess--;
      return false;
    }
    return true;
  });
}
