import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { systemClock, type Clock } from "../clock";
import { ManagedSecretsError, restoreAdvice } from "../errors";
import { removeLeftoverTempFiles } from "./atomic-write";
import { withFileLock, type FileLockOptions } from "./file-lock";
import {
  MAX_VERSIONS,
  VERSION_STAGES,
  type CreateSecretInput,
  type DeleteOptions,
  type PutValueInput,
  type SecretMeta,
  type SecretStore,
  type SecretVersion,
  type UpdateStageInput,
  type VersionSelector,
  type VersionStage,
} from "./secret-store";
import {
  addTombstone,
  forgetTombstone,
  lookup,
  notFound,
  purgeExpiredSecrets,
  requireLive,
} from "./secret-lifecycle";
import { compareNames, emptyDocument, parseTrustedDocument, serializeDocument, type StoreDocument, type StoredSecret, type StoredVersion } from "./store-document";
import { readStoreFile, StoreFileCache, writeStoreFile } from "./store-file";
import {
  checkDeleteOptions,
  checkDescription,
  checkLeaseOwner,
  checkLeaseTtl,
  checkMetadata,
  checkSecretName,
  checkStage,
  checkStages,
  checkValue,
  checkVersionId,
  invalid,
} from "./store-input";

export interface LocalSecretStoreOptions {
  readonly path: string;
  readonly passphrase: string;
  readonly clock?: Clock;
  /** Cross-process lock tuning; tests shorten the stale time, operators rarely need to. */
  readonly lock?: FileLockOptions;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a mutation sees: the time of this operation and what the lazy purge just removed. */
interface MutationContext {
  readonly now: Date;
  readonly purged: readonly string[];
}

interface QueuedChange {
  readonly change: (doc: StoreDocument, ctx: MutationContext) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded store: KMS generic-secret semantics over one encrypted file.
 * Reads decrypt the current file without locking (writes replace it
 * atomically, so a reader sees a whole document). Every change is a
 * read-modify-write under the cross-process lock, so concurrent rotators and
 * `pulumi up` runs never lose each other's updates.
 */
export class LocalSecretStore implements SecretStore {
  readonly kind = "local" as const;
  readonly path: string;
  // Private fields stay out of util.inspect and JSON, so logging the store cannot print the passphrase.
  readonly #passphrase: string;
  readonly #clock: Clock;
  readonly #lock: FileLockOptions;
  readonly #cache = new StoreFileCache();
  readonly #queue: QueuedChange[] = [];
  #committing = false;

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
    this.#passphrase = options.passphrase;
    this.#clock = options.clock ?? systemClock;
    this.#lock = options.lock ?? {};
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
      throw new ManagedSecretsError("StoreUnreadable", `the store file ${this.path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }

  async createSecret(input: CreateSecretInput): Promise<SecretMeta> {
    checkSecretName(input.name);
    checkDescription(input.description);
    checkMetadata(input.metadata, false);
    checkVersionId(input.versionId);
    checkValue(input.value);
    const { name } = input;
    return this.#mutate((doc, { now }) => {
      const found = lookup(doc, name, now);
      if (found.state === "live") {
        throw new ManagedSecretsError("SecretExists", `secret "${name}" already exists`, { secretName: name });
      }
      if (found.state === "pending") {
        throw new ManagedSecretsError(
          "SecretPendingDeletion",
          `secret "${name}" is scheduled for deletion at ${found.plannedDeleteAt}; ${restoreAdvice(name)}, or choose another name`,
          { secretName: name },
        );
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
    const { doc, now } = await this.#read();
    const found = lookup(doc, name, now);
    return found.state === "absent" ? undefined : toMeta(found.secret);
  }

  async listSecrets(options: { readonly prefix?: string; readonly includePendingDeletion?: boolean } = {}): Promise<SecretMeta[]> {
    const prefix = options.prefix ?? "";
    if (typeof prefix !== "string") throw invalid("prefix", "prefix must be a string");
    const { doc, now } = await this.#read();
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
    return this.#mutate((doc, { now }) => {
      const secret = requireLive(doc, name, now);
      const metadata = new Map(Object.entries(secret.metadata));
      for (const [key, value] of Object.entries(patch.metadata ?? {})) {
        if (value === null) metadata.delete(key);
        else metadata.set(key, value);
      }
      const next = Object.fromEntries(metadata);
      const description = patch.description ?? secret.description;
      if (description !== secret.description || !sameRecord(next, secret.metadata)) {
        secret.description = description;
        secret.metadata = next;
        secret.updatedAt = now.toISOString();
      }
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
    if (selector.versionId !== undefined) checkVersionId(selector.versionId);
    if (selector.stage !== undefined) checkStage(selector.stage);
    const { doc, now } = await this.#read();
    const secret = requireLive(doc, name, now);
    let version: StoredVersion | undefined;
    if (selector.versionId !== undefined) {
      version = findVersion(secret, selector.versionId);
      if (selector.stage !== undefined && !version.stages.includes(selector.stage)) {
        throw versionNotFound(name, `version "${selector.versionId}" of secret "${name}" does not hold stage ${selector.stage}`);
      }
    } else {
      const stage = selector.stage ?? "ACSCurrent";
      version = stageHolder(secret, stage);
      if (version === undefined) throw versionNotFound(name, `secret "${name}" has no version with stage ${stage}`);
    }
    return { versionId: version.versionId, stages: [...version.stages], createdAt: version.createdAt, value: version.value };
  }

  async putValue(name: string, input: PutValueInput): Promise<void> {
    checkSecretName(name);
    checkVersionId(input.versionId);
    checkValue(input.value);
    checkStages(input.stages);
    await this.#mutate((doc, { now }) => {
      const secret = requireLive(doc, name, now);
      const existing = secret.versions.find((v) => v.versionId === input.versionId);
      if (existing !== undefined) {
        if (existing.value === input.value) return;
        throw invalid(
          "versionId",
          `version "${input.versionId}" of secret "${name}" already exists with a different value; versions are immutable, put the new value under a new versionId`,
          name,
        );
      }
      const at = now.toISOString();
      const version: StoredVersion = { versionId: input.versionId, value: input.value, stages: [], createdAt: at };
      secret.versions.push(version);
      for (const stage of new Set(input.stages)) attachStage(secret, stage, version);
      pruneUnstagedVersions(secret);
      secret.updatedAt = at;
    });
  }

  async updateVersionStage(name: string, input: UpdateStageInput): Promise<void> {
    checkSecretName(name);
    checkStage(input.stage);
    const { stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom } = input;
    if (moveTo !== undefined) checkVersionId(moveTo, "moveToVersionId");
    if (removeFrom !== undefined) checkVersionId(removeFrom, "removeFromVersionId");
    if (moveTo === undefined && removeFrom === undefined) {
      throw invalid("moveToVersionId", "give moveToVersionId, removeFromVersionId, or both", name);
    }
    if (moveTo === undefined && (stage === "ACSCurrent" || stage === "ACSPrevious")) {
      // KMS keeps its system stages on some version at all times; losing ACSCurrent would lock readers out.
      throw invalid("moveToVersionId", `${stage} cannot be removed, only moved to another version: give moveToVersionId`, name);
    }
    await this.#mutate((doc, { now }) => {
      const secret = requireLive(doc, name, now);
      const holder = stageHolder(secret, stage);
      if (removeFrom !== undefined) {
        const from = findVersion(secret, removeFrom);
        if (holder !== from) {
          const where = holder === undefined ? "is not attached to any version" : `is on version "${holder.versionId}"`;
          throw invalid("removeFromVersionId", `stage ${stage} of secret "${name}" ${where}, not on "${removeFrom}"`, name);
        }
      }
      let target: StoredVersion | undefined;
      if (moveTo !== undefined) {
        target = findVersion(secret, moveTo);
        if (holder !== undefined && holder !== target && removeFrom === undefined) {
          throw invalid(
            "removeFromVersionId",
            `stage ${stage} of secret "${name}" is on version "${holder.versionId}"; give removeFromVersionId "${holder.versionId}" to move it`,
            name,
          );
        }
      }
      if (holder === target) return;
      if (holder !== undefined) holder.stages = holder.stages.filter((s) => s !== stage);
      if (target !== undefined) attachStage(secret, stage, target);
      secret.updatedAt = now.toISOString();
    });
  }

  async deleteSecret(name: string, options: DeleteOptions): Promise<{ plannedDeleteAt?: string }> {
    checkSecretName(name);
    const checked = checkDeleteOptions(options);
    return this.#mutate((doc, { now }) => {
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
    return this.#mutate((doc, { now }) => {
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
    return this.#mutate((_doc, { purged }) => [...purged].sort(compareNames));
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    checkSecretName(name);
    checkLeaseOwner(owner);
    checkLeaseTtl(ttlMs);
    return this.#mutate((doc, { now }) => {
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
    await this.#mutate((doc) => {
      const secret = doc.secrets.get(name);
      if (secret?.lease?.owner === owner) delete secret.lease;
    });
  }

  async #read(): Promise<{ doc: StoreDocument; now: Date }> {
    const loaded = await readStoreFile(this.path, this.#passphrase, this.#cache);
    return { doc: loaded?.document ?? emptyDocument(), now: this.#clock() };
  }

  /**
   * Read, change and write back under the file lock. A throwing `change`
   * writes nothing; an unchanged document is not rewritten, so idempotent
   * calls cost no fsync.
   */
  /**
   * Every change is a read-modify-write under the cross-process lock. Changes
   * that arrive while one is in flight (concurrent rotations in a runner) are
   * committed together: one lock, one read, one encrypted write and its fsyncs
   * for the whole group, and each caller still returns only once its own
   * change is on disk. A change that throws leaves no trace: the group is
   * rebuilt from the file without it.
   */
  #mutate<T>(change: (doc: StoreDocument, ctx: MutationContext) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ change, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#committing) void this.#commitQueued();
    });
  }

  async #commitQueued(): Promise<void> {
    this.#committing = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0);
        try {
          const outcomes = await this.#commit(group.map((p) => p.change));
          group.forEach((p, i) => {
            const outcome = outcomes[i]!;
            if (outcome.ok) p.resolve(outcome.value);
            else p.reject(outcome.error);
          });
        } catch (e) {
          for (const p of group) p.reject(e);
        }
      }
    } finally {
      this.#committing = false;
    }
  }

  async #commit(changes: ReadonlyArray<QueuedChange["change"]>): Promise<Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>> {
    // The lock is a directory next to the file, so the parent must exist first.
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    return withFileLock(this.path, this.#lock, async (held) => {
      const loaded = await readStoreFile(this.path, this.#passphrase, this.#cache);
      const now = this.#clock();
      const fresh = (first: boolean) => {
        const doc = loaded ? (first ? loaded.document : parseTrustedDocument(loaded.plaintext)) : emptyDocument();
        return { doc, purged: purgeExpiredSecrets(doc, now) };
      };
      let { doc, purged } = fresh(true);
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      for (const change of changes) {
        try {
          outcomes.push({ ok: true, value: change(doc, { now, purged }) });
          purged = [];
        } catch (error) {
          outcomes.push({ ok: false, error });
          // The failed change may have half-applied: start again from the file and replay the ones that succeeded.
          ({ doc, purged } = fresh(false));
          changes.forEach((c, i) => {
            if (i < outcomes.length && outcomes[i]!.ok) {
              c(doc, { now, purged });
              purged = [];
            }
          });
        }
      }
      // Serialization is deterministic, so comparing bytes tells whether anything changed.
      const after = serializeDocument(doc);
      const changed = loaded === undefined ? doc.secrets.size > 0 || doc.tombstones.length > 0 : !loaded.plaintext.equals(after);
      if (changed) {
        await removeLeftoverTempFiles(this.path);
        await writeStoreFile(this.path, this.#passphrase, doc, {
          keySource: loaded?.keySource,
          plaintext: after,
          cache: this.#cache,
          beforeRename: () => held.assertHeld(),
        });
      }
      return outcomes;
    });
  }
}

function toMeta(secret: StoredSecret): SecretMeta {
  return {
    name: secret.name,
    description: secret.description,
    metadata: Object.fromEntries(Object.entries(secret.metadata)),
    createdAt: secret.createdAt,
    updatedAt: secret.updatedAt,
    ...(secret.plannedDeleteAt === undefined ? {} : { plannedDeleteAt: secret.plannedDeleteAt }),
    versions: secret.versions.map((v) => ({ versionId: v.versionId, stages: [...v.stages], createdAt: v.createdAt })),
  };
}

function findVersion(secret: StoredSecret, versionId: string): StoredVersion {
  const version = secret.versions.find((v) => v.versionId === versionId);
  if (version === undefined) throw versionNotFound(secret.name, `secret "${secret.name}" has no version "${versionId}"`);
  return version;
}

function stageHolder(secret: StoredSecret, stage: VersionStage): StoredVersion | undefined {
  return secret.versions.find((v) => v.stages.includes(stage));
}

/** A stage is on at most one version: attaching it detaches it everywhere else. */
function attachStage(secret: StoredSecret, stage: VersionStage, version: StoredVersion): void {
  for (const v of secret.versions) {
    if (v !== version && v.stages.includes(stage)) v.stages = v.stages.filter((s) => s !== stage);
  }
  if (!version.stages.includes(stage)) {
    version.stages = VERSION_STAGES.filter((s) => s === stage || version.stages.includes(s));
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

function versionNotFound(name: string, message: string): ManagedSecretsError {
  return new ManagedSecretsError("VersionNotFound", message, { secretName: name });
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
