import type { KmsClient, KmsSecretDescription, KmsSecretSummary, KmsSecretValue, KmsVersionSummary } from "../../alicloud/kms-client";
import { systemClock, type Clock } from "../../core/clock";
import { ManagedSecretsError, isManagedSecretsError, restoreAdvice } from "../../core/errors";
import { KMS_EXISTS, KMS_IN_DELETE_WINDOW, KMS_INVALID_PARAMETER, KMS_NOT_FOUND, isKmsCode, notFound, pendingDeletion, secretExistsError, storeErrorFrom } from "./kms-errors";
import { checkKmsDescription, checkName, checkOwnVersionId } from "./kms-input";
import { LEASE_OWNER_MAX_LENGTH, isReservedVersionId } from "./kms-lease";
import { LeaseTable } from "./kms-lease-table";
import type { KmsLeases } from "./kms-leases";
import { instanceCapacity, isQuotaRefusal, quotaFullError } from "./kms-instance-capacity";
import { REMOVABLE_COMPANION, findLeaseCompanions, removeLeaseCompanion, type LeaseCompanion } from "./kms-legacy-companions";
import { lowCapacityWarning } from "../store-capacity";
import { SecretReads } from "./kms-reads";
import { checkBindableVersionId } from "./kms-binding";
import { BindingKey } from "./kms-binding-key";
import { TargetBinder } from "./kms-binder";
import { inCreationOrder, isoFromKms, isoSeconds, productStages, scheduleMeta, secretMeta, valueVersions } from "./kms-secret-meta";
import { checkMetadataKeys, readTags, storeTags, tagChanges } from "./kms-tags";
import { PendingMarker } from "./kms-pending-marker";
import { ECS_SECRET_PREFIX, RAM_AUTO_NAME, isManagedType, managedCreateError, managedRecord, managedRotationError, rotationInterval } from "./kms-managed";
import { callsOn, lazyKmsClient, type KmsCall } from "./kms-call";
import { LIST_CONCURRENCY, listProductSecrets } from "./kms-listing";
import { MAX_VERSIONS } from "../secret-store";
import { mapBounded } from "../../core/map-bounded";
import { STAGE_RULES, checkStageMove, planStageMove } from "../stage-moves";
import { missingVersionMessage, stageNotOnVersion, versionConflict } from "../store-errors";
import { patchMetadata, sameRecord } from "../metadata-patch";
import type {
  CreateSecretInput,
  DeleteOptions,
  ListOptions,
  ManagedCreateInput,
  ManagedSecrets,
  PutValueInput,
  SecretMeta,
  SecretStore,
  SecretVersion,
  StoreCapacity,
  UpdateStageInput,
  VersionSelector,
} from "../secret-store";
import {
  checkDeleteOptions,
  checkLeaseOwner,
  checkLeaseTtl,
  checkMetadata,
  checkSecretName,
  checkStage,
  checkStages,
  checkValue,
  checkVersionId,
  invalid,
} from "../store-input";

export interface KmsSecretStoreOptions {
  /** The client, or how to make it on first use (so resolving cloud settings waits until the store is used). */
  readonly client: KmsClient | (() => KmsClient);
  readonly clock?: Clock;
  /**
   * KMS 3.0 keeps secrets in a KMS instance: CreateSecret there needs its id,
   * and optionally the instance's key that encrypts the value. Sent on every
   * create (the lease table too), since a secret cannot move between instances.
   * With it, a create first checks the instance's secret quota.
   */
  readonly dkmsInstanceId?: string;
  readonly encryptionKeyId?: string;
  /**
   * The EC_P256 SIGN/VERIFY key that signs target bindings (kms-binding.ts):
   * managed-secrets:bindingKeyId. Without it nothing is bound, and a stored
   * target is never trusted (authenticateTarget refuses it, naming the setting).
   */
  readonly bindingKeyId?: string;
  /**
   * The metadata keys a binding covers, in the order they are signed; the
   * first is the kind of target, which alone names none
   * (every target kind's keys, which the context hands in).
   */
  readonly boundKeys: readonly string[];
  /** Told what a person should know but that fails nothing (an instance running out of secret quota); none by default. */
  readonly warn?: (message: string) => void;
  /**
   * Where the leases are kept (kms-leases.ts): the lease table unless given.
   * Tests and the bench hand in the previous release's companions.
   */
  readonly leases?: (parts: { call: KmsCall; clock: Clock; placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string } }) => KmsLeases;
}

/**
 * The production store: KMS Secrets Manager generic secrets, one per managed
 * secret, under the same name.
 *
 * - Values: the version data, exactly what the caller stored (the JSON of
 *   KMS's own managed ECS/RAM secrets), so GetSecretValue with ACSCurrent in
 *   any KMS client reads what a KMS managed secret would give.
 * - Stages: KMS version stages. ACSCurrent/ACSPrevious are KMS's own;
 *   ACSPending is a custom stage. One KMS rule shows through: moving
 *   ACSCurrent (by putValue or updateVersionStage) gives the version it left
 *   ACSPrevious. The rotation moves ACSPrevious there first anyway.
 * - Description and metadata: the KMS description and tags (kms-tags.ts).
 * - Pruning: KMS's own. Past 10 versions PutSecretValue rolls out the
 *   earliest version, and nothing promises a staged one is spared; so the
 *   secret gets a put only for a new value (one per rotation; a failed
 *   rotation's pending version is reused), and ACSCurrent stays among the
 *   last 10.
 * - Leases: one lease table for the whole store (kms-lease-table.ts, its
 *   format and design in kms-lease.ts), never readable as a value, created
 *   with the store's first secret.
 * - Deletion: DeleteSecret with a recovery window or forced, RestoreSecret;
 *   KMS purges when the window ends, so purgeExpired has nothing to do.
 *
 * Throttling, 5xx and network failures are retried by the KMS client
 * (provider/alicloud/kms-client.ts), and only there; KMS's other answers
 * become the product's error codes (kms-errors.ts).
 */
export class KmsSecretStore implements SecretStore {
  readonly kind = "kms" as const;
  readonly #client: () => KmsClient;
  readonly #call: KmsCall;
  readonly #clock: Clock;
  readonly #placement: { readonly dkmsInstanceId?: string; readonly encryptionKeyId?: string };
  /** The rotation leases, and the sessions of those this instance holds. */
  readonly #leases: KmsLeases;
  /** Reads of a secret, through the session of a lease held. */
  readonly #reads: SecretReads;
  /** The target binding's signatures and writes, and its check. */
  readonly #binder: TargetBinder;
  readonly #marker: PendingMarker;
  readonly #warn: (message: string) => void;
  /** The secrets KMS rotates itself: created, rotated and scheduled through KMS's own calls. */
  readonly managed: ManagedSecrets = {
    create: (input) => this.#createManaged(input),
    rotate: (name, versionId) => this.#rotateManaged(name, versionId),
    setRotation: (name, intervalSeconds) => this.#setManagedRotation(name, intervalSeconds),
  };

  constructor(options: KmsSecretStoreOptions) {
    this.#client = lazyKmsClient(options.client);
    this.#call = callsOn(this.#client);
    this.#clock = options.clock ?? systemClock;
    if (!Array.isArray(options.boundKeys) || options.boundKeys.length < 2 || !options.boundKeys.every((k) => typeof k === "string" && k !== "")) {
      // Binding nothing would let every stored target through unauthenticated.
      throw new ManagedSecretsError("StoreConfig", "the kms store needs boundKeys: the metadata keys a target binding covers, the kind of target first", { property: "boundKeys" });
    }
    this.#placement = {
      ...(options.dkmsInstanceId ? { dkmsInstanceId: options.dkmsInstanceId } : {}),
      ...(options.encryptionKeyId ? { encryptionKeyId: options.encryptionKeyId } : {}),
    };
    this.#warn = options.warn ?? (() => undefined);
    this.#leases = (options.leases ?? ((p) => new LeaseTable(p.call, p.clock, p.placement)))({ call: this.#call, clock: this.#clock, placement: this.#placement });
    this.#reads = new SecretReads(this.#call, this.#leases);
    this.#marker = new PendingMarker(this.#call, this.#clock);
    this.#binder = new TargetBinder({
      boundKeys: [...options.boundKeys],
      key: options.bindingKeyId ? new BindingKey(options.bindingKeyId, this.#client) : undefined,
      call: this.#call,
      reads: this.#reads,
      leases: this.#leases,
      store: this,
    });
  }

  async createSecret(input: CreateSecretInput): Promise<SecretMeta> {
    checkName(input.name);
    checkKmsDescription(input.description);
    checkMetadata(input.metadata, false);
    checkMetadataKeys(input.metadata);
    checkOwnVersionId(input.versionId);
    checkValue(input.value);
    const { name } = input;
    const bound = this.#binder.binds(input.metadata);
    if (bound) checkBindableVersionId(input.versionId);
    const at = isoSeconds(this.#clock());
    const tags = storeTags(input.metadata, at);
    // Signed before anything is written: a key that cannot sign fails the create, not a later check.
    if (bound) tags.push(await this.#binder.sign(name, input.versionId, input.metadata));
    const room = await this.#makeRoom(name);
    const capacity = room.capacity;
    try {
      await this.#call((kms) =>
        kms.createSecret({ secretName: name, secretData: input.value, versionId: input.versionId, description: input.description, tags, ...this.#placement }),
      );
    } catch (e) {
      if (isQuotaRefusal(e)) {
        throw quotaFullError(this.#placement.dkmsInstanceId, await this.#capacityOrNone(), name, 1, e);
      } else if (isKmsCode(e, KMS_EXISTS)) {
        // A retried create whose first answer was lost finds its own secret: that is success.
        if (!(e.attempts > 1 && (await this.#reads.holdsValue(name, input.versionId, input.value)))) {
          throw secretExistsError(name, e);
        }
      } else if (isKmsCode(e, KMS_IN_DELETE_WINDOW)) {
        throw await this.#reads.pendingError(name, "restore it (restoreSecret) or choose another name");
      } else {
        throw storeErrorFrom(e, name);
      }
    }
    const low = capacity && lowCapacityWarning({ ...capacity, used: capacity.used + room.created });
    if (low) this.#warn(low);
    return {
      name,
      description: input.description,
      metadata: { ...input.metadata },
      createdAt: at,
      updatedAt: at,
      versions: [{ versionId: input.versionId, stages: ["ACSCurrent"], createdAt: at }],
    };
  }

  async describeSecret(name: string): Promise<SecretMeta | undefined> {
    checkSecretName(name);
    const read = await this.#reads.read(name);
    return read && withManaged(secretMeta(read.description, read.versions), read.description);
  }

  /**
   * Every secret this product made, from ListSecrets pages with their tags:
   * ceil(N / 100) calls for the "schedule" detail the runner asks for, plus
   * DescribeSecret and ListSecretVersionIds per secret for the full detail.
   * A damaged secret is reported through onUnreadable and left out.
   */
  async listSecrets(options: ListOptions = {}): Promise<SecretMeta[]> {
    const prefix = options.prefix ?? "";
    if (typeof prefix !== "string") throw invalid("prefix", "prefix must be a string");
    const all = options.includePendingDeletion === true;
    const listed = (await listProductSecrets(this.#call)).filter((s) => s.secretName.startsWith(prefix) && (all || !s.plannedDeleteTime));
    const unreadable = (name: string, e: unknown): undefined => {
      if (options.onUnreadable === undefined || !isManagedSecretsError(e, "StoreUnreadable")) throw e;
      options.onUnreadable(name, e);
      return undefined;
    };
    const described = (s: KmsSecretSummary) => this.describeSecret(s.secretName).catch((e: unknown) => unreadable(s.secretName, e));
    // A secret KMS rotates is described even for the schedule: its target is in ExtendedConfig, which ListSecrets does not give.
    const metas =
      options.detail === "schedule"
        ? await mapBounded(listed, LIST_CONCURRENCY, async (s) => {
            if (isManagedType(s.secretType)) return described(s);
            try {
              return scheduleMeta(s);
            } catch (e) {
              return unreadable(s.secretName, e);
            }
          })
        : await mapBounded(listed, LIST_CONCURRENCY, described);
    return metas
      .filter((m): m is SecretMeta => m !== undefined && (all || m.plannedDeleteAt === undefined))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async updateSecret(
    name: string,
    patch: { readonly description?: string; readonly metadata?: Readonly<Record<string, string | null>> },
  ): Promise<SecretMeta> {
    checkSecretName(name);
    if (patch.description !== undefined) checkKmsDescription(patch.description);
    if (patch.metadata !== undefined) {
      checkMetadata(patch.metadata, true);
      checkMetadataKeys(Object.fromEntries(Object.entries(patch.metadata).filter(([, v]) => v !== null)));
    }
    const { description, versions } = await this.#reads.readLive(name);
    const current = readTags(name, description.tags);
    const nextMetadata = patchMetadata(current.metadata, patch.metadata);
    const nextDescription = patch.description ?? description.description;
    // KMS alone writes the values of a secret it rotates, and its target is KMS's own record: no binding, no re-put value.
    const managed = isManagedType(description.secretType);
    const retarget = managed ? undefined : await this.#binder.retargets(name, description.tags, current.metadata, nextMetadata, patch.metadata ?? {}, versions);
    if (retarget === undefined && nextDescription === description.description && sameRecord(nextMetadata, current.metadata)) {
      return withManaged(secretMeta(description, versions), description);
    }
    const at = isoSeconds(this.#clock());
    const nextTags = storeTags(nextMetadata, at, current.foreign);
    let after = versions;
    if (retarget !== undefined) {
      const moved = await this.#binder.retarget(name, versions, nextMetadata, retarget.sign);
      after = moved.versions;
      if (moved.binding !== undefined) nextTags.push(moved.binding);
    } else if (!managed) {
      nextTags.push(...this.#binder.kept(description.tags, nextMetadata));
    }
    const { set, remove } = tagChanges(description.tags, nextTags);
    try {
      if (nextDescription !== description.description) await this.#call((kms) => kms.updateSecret({ secretName: name, description: nextDescription }));
      if (set.length > 0) await this.#call((kms) => kms.tagResource({ secretName: name, tags: set }));
      if (remove.length > 0) await this.#call((kms) => kms.untagResource({ secretName: name, tagKeys: remove }));
    } catch (e) {
      this.#leases.session(name)?.forget();
      throw await this.#reads.secretError(e, name);
    }
    this.#leases.session(name)?.retag(set, remove, nextDescription);
    const foreign = description.tags.filter((t) => !remove.includes(t.key) && !nextTags.some((n) => n.key === t.key));
    const updated = { ...description, description: nextDescription, tags: [...foreign, ...nextTags] };
    return withManaged(secretMeta(updated, after), updated);
  }

  /** Resolves when the secret's binding authenticates `metadata`'s target entries (kms-binder.ts); otherwise TargetUnverified. */
  async authenticateTarget(name: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    checkSecretName(name);
    await this.#binder.authenticate(name, metadata);
  }

  async getValue(name: string, selector: VersionSelector = {}): Promise<SecretVersion> {
    checkSecretName(name);
    if (selector.versionId !== undefined) checkVersionId(selector.versionId);
    if (selector.stage !== undefined) checkStage(selector.stage);
    const stage = selector.stage ?? "ACSCurrent";
    const missing = missingVersionMessage(name, { ...selector, stage });
    // The store's own versions are not values: asking for one is asking for a version that does not exist.
    if (selector.versionId !== undefined && isReservedVersionId(selector.versionId)) throw await this.#reads.versionError(name, missing);
    let got = this.#reads.sessionValue(name, selector.versionId, stage);
    if (got === undefined) {
      try {
        got = await this.#call((kms) =>
          kms.getSecretValue(selector.versionId !== undefined ? { secretName: name, versionId: selector.versionId } : { secretName: name, versionStage: stage }),
        );
      } catch (e) {
        if (isKmsCode(e, KMS_NOT_FOUND)) throw await this.#reads.versionError(name, missing);
        throw await this.#reads.secretError(e, name);
      }
      this.#leases.session(name)?.rememberValue(got.versionId, got.secretData);
    }
    if (selector.versionId !== undefined && got.versionId !== selector.versionId) got = await this.#byStageOf(name, selector.versionId, missing);
    const stages = productStages(got.versionStages);
    if (selector.versionId !== undefined && selector.stage !== undefined && !stages.includes(selector.stage)) {
      throw stageNotOnVersion(name, selector.versionId, selector.stage);
    }
    return { versionId: got.versionId, stages, createdAt: isoFromKms(got.createTime), value: got.secretData };
  }

  async putValue(name: string, input: PutValueInput): Promise<void> {
    checkSecretName(name);
    checkOwnVersionId(input.versionId);
    checkValue(input.value);
    checkStages(input.stages);
    const versions = await this.#refuseRollingOutAStage(name, input.versionId);
    const session = this.#leases.session(name);
    const stages = [...new Set(input.stages)];
    const newPending = stages.includes("ACSPending") && !versions.some((v) => v.versionId === input.versionId);
    // Signed before the put: a rotator that may not sign fails here, before the target is touched, not at finish after it took the value.
    const pendingBinding = newPending ? await this.#binder.forPending(name, input.versionId, versions) : undefined;
    try {
      if (newPending) await this.#marker.mark(name, session);
      await this.#call((kms) => kms.putSecretValue({ secretName: name, secretData: input.value, versionId: input.versionId, versionStages: stages }));
      session?.put(input.versionId, input.value, stages, isoSeconds(this.#clock()));
    } catch (e) {
      session?.forget();
      if (isKmsCode(e, KMS_EXISTS)) {
        throw versionConflict(name, input.versionId);
      }
      throw await this.#reads.secretError(e, name);
    }
    // After the put, so the tag never names a version KMS does not hold; a crash before it leaves the binding on
    // ACSCurrent, which still holds, and finish signs for this version instead (TargetBinder.beforeMove).
    if (pendingBinding !== undefined) await this.#binder.write(name, pendingBinding);
  }

  async updateVersionStage(name: string, input: UpdateStageInput): Promise<void> {
    checkSecretName(name);
    checkStageMove(name, input);
    const { stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom } = input;
    // KMS does not refuse moving an attached stage without naming its holder, and answers "not found" alike for
    // secrets and versions: the rules are checked here, against the versions as they are now.
    if (planStageMove(name, valueVersions(await this.#reads.versionsOf(name)), input, STAGE_RULES.kms).length === 0) return;
    if (stage === "ACSCurrent" && moveTo !== undefined && (await this.#binder.beforeMove(name, moveTo))) return;
    try {
      await this.#call((kms) => kms.updateSecretVersionStage({ secretName: name, versionStage: stage, moveToVersion: moveTo, removeFromVersion: removeFrom }));
      this.#leases.session(name)?.moveStage(stage, moveTo, removeFrom);
    } catch (e) {
      this.#leases.session(name)?.forget();
      // A retried move whose first attempt landed is refused as "not on that version": check before failing.
      if (isKmsCode(e, KMS_INVALID_PARAMETER) && e.attempts > 1 && (await this.#reads.stageIsWhere(name, stage, moveTo, removeFrom))) return;
      if (isKmsCode(e, KMS_NOT_FOUND)) throw await this.#reads.versionError(name, `a version named in the stage move of secret "${name}" no longer exists`);
      throw await this.#reads.secretError(e, name);
    }
  }

  async deleteSecret(name: string, options: DeleteOptions): Promise<{ plannedDeleteAt?: string }> {
    checkSecretName(name);
    const checked = checkDeleteOptions(options);
    const force = "force" in checked;
    try {
      const result = await this.#call((kms) =>
        kms.deleteSecret(force ? { secretName: name, forceDeleteWithoutRecovery: true } : { secretName: name, recoveryWindowInDays: checked.recoveryWindowDays }),
      );
      await this.#leases.deleted(name);
      if (force) return {};
      return result.plannedDeleteTime ? { plannedDeleteAt: isoFromKms(result.plannedDeleteTime) } : {};
    } catch (e) {
      // A retry after a lost answer finds the work done: gone (forced) or scheduled (window).
      if (isKmsCode(e, KMS_NOT_FOUND) && force && e.attempts > 1) return {};
      if (isKmsCode(e, KMS_IN_DELETE_WINDOW) && !force) {
        const planned = (await this.#reads.read(name))?.description.plannedDeleteTime;
        if (e.attempts > 1 && planned) return { plannedDeleteAt: isoFromKms(planned) };
        throw pendingDeletion(name, planned, `${restoreAdvice(name)}, or delete it at once with: managed-secrets delete ${name} --force`);
      }
      if (isKmsCode(e, KMS_NOT_FOUND)) throw notFound(name);
      throw storeErrorFrom(e, name);
    }
  }

  async restoreSecret(name: string): Promise<SecretMeta> {
    checkSecretName(name);
    const before = await this.describeSecret(name);
    if (before === undefined) throw notFound(name);
    if (before.plannedDeleteAt === undefined) return before;
    try {
      await this.#call((kms) => kms.restoreSecret({ secretName: name }));
    } catch (e) {
      if (isKmsCode(e, KMS_NOT_FOUND)) throw notFound(name);
      throw storeErrorFrom(e, name);
    }
    const after = await this.describeSecret(name);
    if (after === undefined) throw notFound(name);
    return after;
  }

  /** KMS deletes a secret itself when its recovery window ends; there is never anything left to purge. */
  async purgeExpired(): Promise<string[]> {
    return [];
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    checkSecretName(name);
    checkLeaseOwner(owner);
    if (owner.length > LEASE_OWNER_MAX_LENGTH) throw invalid("owner", `owner must be at most ${LEASE_OWNER_MAX_LENGTH} characters in the kms store`);
    checkLeaseTtl(ttlMs);
    // Read once the lease is won (kms-leases.ts says why); a secret that does not exist, or is being deleted, gives the lease back and is refused.
    return this.#leases.acquire(name, owner, ttlMs, () => this.#reads.requireLive(name));
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    checkSecretName(name);
    checkLeaseOwner(owner);
    await this.#leases.release(name, owner, (session) => this.#marker.clearStale(name, session));
  }

  /** The KMS instance's secret quota and what it holds, with a dkmsInstanceId; undefined without one (KMS 1.0 has no per-instance quota). */
  async capacity(): Promise<StoreCapacity | undefined> {
    const instanceId = this.#placement.dkmsInstanceId;
    return instanceId === undefined ? undefined : instanceCapacity(this.#call, instanceId);
  }

  /**
   * The lease companions earlier releases left (kms-legacy-companions.ts),
   * each judged; with `remove`, those found orphaned or legacy are
   * force-deleted (nothing else ever is), and the rows say so.
   */
  async cleanLeaseCompanions(options: { readonly remove: boolean }): Promise<(LeaseCompanion & { removed: boolean })[]> {
    const found = await findLeaseCompanions(this.#call, this.#clock().getTime());
    const rows: (LeaseCompanion & { removed: boolean })[] = [];
    for (const companion of found) {
      const removable = options.remove && REMOVABLE_COMPANION.includes(companion.status);
      if (removable) await removeLeaseCompanion(this.#call, companion.name);
      rows.push({ ...companion, removed: removable });
    }
    return rows;
  }

  /**
   * GetSecretValue ignores VersionId for the types KMS rotates (reference), which keep only ACSCurrent and
   * ACSPrevious: a version is read by the stage it holds, and one that holds neither cannot be read.
   */
  async #byStageOf(name: string, versionId: string, missing: string): Promise<KmsSecretValue> {
    const held = (await this.#reads.versionsOf(name)).find((v) => v.versionId === versionId);
    const stage = held?.versionStages.find((s) => s === "ACSCurrent" || s === "ACSPrevious");
    if (stage === undefined) throw await this.#reads.versionError(name, missing);
    const got = await this.#call((kms) => kms.getSecretValue({ secretName: name, versionStage: stage })).catch(async (e: unknown) => {
      throw await this.#reads.secretError(e, name);
    });
    if (got.versionId !== versionId) throw await this.#reads.versionError(name, missing);
    return got;
  }

  /**
   * CreateSecret of a type KMS rotates. The same checks as a generic create
   * come first (metadata, quota, the lease table), and the secret is tagged
   * in the same call, so a listing finds it from its first moment. No target
   * binding: where KMS rotates the credential is its ExtendedConfig.
   */
  async #createManaged(input: ManagedCreateInput): Promise<SecretMeta> {
    const ram = input.secretType === "RAMCredentials";
    if (ram ? input.name !== RAM_AUTO_NAME : !input.name.startsWith(ECS_SECRET_PREFIX)) {
      throw invalid("name", ram ? `a RAMCredentials secret is created as "${RAM_AUTO_NAME}": KMS names it` : `an ECS secret KMS rotates must be named "${ECS_SECRET_PREFIX}..."`);
    }
    if (!ram) checkSecretName(input.name);
    checkKmsDescription(input.description);
    checkMetadata(input.metadata, false);
    checkMetadataKeys(input.metadata);
    checkOwnVersionId(input.versionId);
    checkValue(input.value);
    const tags = storeTags(input.metadata, isoSeconds(this.#clock()));
    const room = await this.#makeRoom(input.name);
    let created: string;
    try {
      created = (
        await this.#call((kms) =>
          kms.createManagedSecret({
            secretName: input.name,
            secretType: input.secretType,
            extendedConfig: JSON.stringify({ ...input.extendedConfig, CustomData: {} }),
            secretData: input.value,
            versionId: input.versionId,
            description: input.description,
            tags,
            ...(input.rotationIntervalSeconds === undefined ? {} : { rotationInterval: rotationInterval(input.rotationIntervalSeconds) }),
            ...this.#placement,
          }),
        )
      ).secretName;
    } catch (e) {
      if (isQuotaRefusal(e)) throw quotaFullError(this.#placement.dkmsInstanceId, await this.#capacityOrNone(), input.name, 1, e);
      if (isKmsCode(e, KMS_IN_DELETE_WINDOW) && !ram) throw await this.#reads.pendingError(input.name, "restore it (restoreSecret) or choose another name");
      throw managedCreateError(e, input.secretType, input.name);
    }
    const low = room.capacity && lowCapacityWarning({ ...room.capacity, used: room.capacity.used + room.created });
    if (low) this.#warn(low);
    const meta = await this.describeSecret(created);
    if (meta === undefined) throw notFound(created);
    return meta;
  }

  async #rotateManaged(name: string, versionId: string): Promise<void> {
    checkSecretName(name);
    checkOwnVersionId(versionId);
    try {
      await this.#call((kms) => kms.rotateSecret({ secretName: name, versionId }));
    } catch (e) {
      throw managedRotationError(e, name);
    }
  }

  async #setManagedRotation(name: string, intervalSeconds: number | undefined): Promise<void> {
    checkSecretName(name);
    try {
      await this.#call((kms) =>
        kms.updateSecretRotationPolicy({
          secretName: name,
          enableAutomaticRotation: intervalSeconds !== undefined,
          ...(intervalSeconds === undefined ? {} : { rotationInterval: rotationInterval(intervalSeconds) }),
        }),
      );
    } catch (e) {
      throw managedRotationError(e, name);
    }
  }

  /** For a create: a quota that cannot be read is no reason to refuse it (KMS refuses it itself, worded by quotaFullError). */
  async #capacityOrNone(): Promise<StoreCapacity | undefined> {
    return this.capacity().catch(() => undefined);
  }

  /**
   * Before a create: refused when the instance's quota has no room for the
   * secret (and for the lease table, when that does not exist yet), before
   * anything is created; then the lease table exists, so that a quota too
   * small for the store shows here, at create, and not at a later rotation.
   */
  async #makeRoom(name: string): Promise<{ capacity: StoreCapacity | undefined; created: number }> {
    const instanceId = this.#placement.dkmsInstanceId;
    const capacity = instanceId === undefined ? undefined : await this.#capacityOrNone();
    if (instanceId !== undefined && capacity !== undefined) {
      const left = capacity.limit - capacity.used;
      const needed = left >= 2 || (await this.#leases.exists().catch(() => true)) ? 1 : 2;
      if (left < needed) throw quotaFullError(instanceId, capacity, name, needed);
    }
    let tableMade: boolean;
    try {
      tableMade = await this.#leases.prepare();
    } catch (e) {
      if (isQuotaRefusal(e)) throw quotaFullError(instanceId, await this.#capacityOrNone(), name, 2, e);
      throw storeErrorFrom(e, name);
    }
    // What the instance holds once the secret is made too: the warning counts it.
    return { capacity, created: tableMade ? 2 : 1 };
  }

  /**
   * At MAX_VERSIONS a put makes KMS roll out the earliest version, stage or
   * not. Refused while that version carries one of ours: better a rotation
   * that cannot start than an ACSCurrent nobody can read. The protocol reuses
   * a pending version, so only many pending versions set aside in a row get here.
   */
  async #refuseRollingOutAStage(name: string, versionId: string): Promise<readonly KmsVersionSummary[]> {
    const all = await this.#reads.versionsOf(name);
    if (all.length < MAX_VERSIONS || all.some((v) => v.versionId === versionId)) return all;
    // CreateTime has whole seconds: within one, KMS's listing order (oldest first) decides, as valueVersions reads it.
    const [earliest] = inCreationOrder(all);
    const stages = earliest ? productStages(earliest.versionStages) : [];
    if (!earliest || stages.length === 0) return all;
    throw new ManagedSecretsError(
      "StoreRejected",
      `secret "${name}" has ${MAX_VERSIONS} versions in KMS and the earliest, "${earliest.versionId}" (${stages.join(", ")}), would be rolled out by another put; ` +
        `nothing was written. Finish the rotation in progress (its pending version is reused), or move the secret to a new name`,
      { secretName: name },
    );
  }
}

/** SecretMeta with KMS's own record when KMS rotates the secret itself. */
function withManaged(meta: SecretMeta, description: KmsSecretDescription): SecretMeta {
  const managed = managedRecord(description);
  return managed === undefined ? meta : { ...meta, managed };
}
