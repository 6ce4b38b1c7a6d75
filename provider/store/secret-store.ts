/**
 * The secret store contract. Shaped after KMS Secrets Manager generic secrets
 * (CreateSecret / PutSecretValue / UpdateSecretVersionStage / GetSecretValue /
 * DeleteSecret / RestoreSecret) so a KMS backend implements it call for call,
 * and the embedded local store behaves the same way.
 *
 * Values are opaque strings (the JSON shapes of KMS managed secrets); the store
 * never parses them and never puts them in an error message.
 */

export const VERSION_STAGES = ["ACSCurrent", "ACSPrevious", "ACSPending"] as const;
export type VersionStage = (typeof VERSION_STAGES)[number];

/** KMS keeps at most 10 versions of a generic secret; the local store follows it. */
export const MAX_VERSIONS = 10;
export const MIN_RECOVERY_WINDOW_DAYS = 7;
export const MAX_RECOVERY_WINDOW_DAYS = 30;
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;

export interface VersionInfo {
  readonly versionId: string;
  readonly stages: readonly VersionStage[];
  /** ISO-8601 UTC. */
  readonly createdAt: string;
}

export interface SecretVersion extends VersionInfo {
  readonly value: string;
}

/** KMS's own secret types, which KMS rotates itself (its ECS and RAM secrets): only the kms store holds them. */
export const MANAGED_SECRET_TYPES = ["ECS", "RAMCredentials"] as const;
export type ManagedSecretType = (typeof MANAGED_SECRET_TYPES)[number];

/**
 * What KMS itself records of a secret it rotates. ExtendedConfig is set by
 * CreateSecret and only its CustomData changes afterwards (UpdateSecret
 * reference), so it is KMS's own authenticated record of where it rotates the
 * credential: targets read it from here, never from metadata.
 */
export interface ManagedRecord {
  readonly secretType: ManagedSecretType;
  /** ExtendedConfig's text fields as KMS answered them (SecretSubType, RegionId, InstanceId, UserName, CommandId); CustomData left out. */
  readonly extendedConfig: Readonly<Record<string, string>>;
  /** DescribeSecret's AutomaticRotation: Invalid once the instance or RAM user is gone. */
  readonly automaticRotation: "Enabled" | "Disabled" | "Invalid";
  readonly rotationIntervalSeconds?: number;
  /** ISO-8601 UTC: the last rotation KMS finished (absent before the first). */
  readonly lastRotatedAt?: string;
  /** ISO-8601 UTC, while automatic rotation is on. */
  readonly nextRotationAt?: string;
}

export interface SecretMeta {
  readonly name: string;
  readonly description: string;
  /**
   * Product metadata (target, rotation settings, counters). Flat string map so
   * it maps onto KMS tags / extended config. Never holds a credential.
   */
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Set while the secret is scheduled for deletion: ISO-8601 UTC. */
  readonly plannedDeleteAt?: string;
  readonly versions: readonly VersionInfo[];
  /** Set for a secret of a type KMS rotates itself (kms store only). */
  readonly managed?: ManagedRecord;
}

export interface ListOptions {
  readonly prefix?: string;
  readonly includePendingDeletion?: boolean;
  /**
   * "schedule": only what judging what is due needs (metadata, plannedDeleteAt,
   * and an ACSPending version when one may exist, its versionId possibly "");
   * the description and other versions may be left out, so a store can read
   * the whole fleet in a few bulk calls. Default "full".
   */
  readonly detail?: "full" | "schedule";
  /**
   * Called for each secret whose record cannot be read (damaged metadata),
   * which is then left out of the list; without it, such a secret fails the listing.
   */
  readonly onUnreadable?: (name: string, error: unknown) => void;
}

export interface CreateSecretInput {
  readonly name: string;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The first version; it gets ACSCurrent. */
  readonly versionId: string;
  readonly value: string;
}

export interface PutValueInput {
  readonly versionId: string;
  readonly value: string;
  readonly stages: readonly VersionStage[];
}

export interface UpdateStageInput {
  readonly stage: VersionStage;
  /** The version that gets the stage (absent: only remove). */
  readonly moveToVersionId?: string;
  /** The version that must currently hold the stage, as KMS requires when it is attached. */
  readonly removeFromVersionId?: string;
}

/** One change of a secret that can go into one write with others: a stage move (updateVersionStage), or a metadata patch (updateSecret). */
export type SecretChange = { readonly stage: UpdateStageInput } | { readonly metadata: Readonly<Record<string, string | null>> };

export type DeleteOptions = { readonly recoveryWindowDays: number } | { readonly force: true };

export interface VersionSelector {
  readonly stage?: VersionStage;
  readonly versionId?: string;
}

/** A secret of a type KMS rotates, as CreateSecret takes it. */
export interface ManagedCreateInput {
  /** RAMCredentials: "$Auto" (KMS names it acs/ram/user/<user>); ECS: acs/ecs/... */
  readonly name: string;
  readonly secretType: ManagedSecretType;
  readonly extendedConfig: Readonly<Record<string, string>>;
  /** ECS {"UserName","Password"|"PublicKey","PrivateKey"}; RAMCredentials {"AccessKeys":[...]} listing every key of the user. */
  readonly value: string;
  readonly versionId: string;
  readonly description: string;
  /** Product metadata (tags), as for createSecret; no target: that is extendedConfig. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Automatic rotation every this many seconds; absent: off. */
  readonly rotationIntervalSeconds?: number;
}

/**
 * The calls that exist only for the types KMS rotates itself: the kms store
 * has them, the local store does not. Reading, tagging, describing, deleting
 * and restoring such a secret go through the store's usual methods; writing a
 * value or moving a stage is KMS's alone (it refuses both).
 */
export interface ManagedSecrets {
  /** CreateSecret of such a type; resolves to the secret as KMS named it. Nothing is created when it fails. */
  create(input: ManagedCreateInput): Promise<SecretMeta>;
  /** RotateSecret: KMS rotates now, asynchronously; a versionId the secret already has (or KMS is rotating to) rotates nothing. */
  rotate(name: string, versionId: string): Promise<void>;
  /** UpdateSecretRotationPolicy: automatic rotation every `intervalSeconds`, or off (undefined). Rotates nothing. */
  setRotation(name: string, intervalSeconds: number | undefined): Promise<void>;
}

export interface SecretStore {
  readonly kind: "local" | "kms";

  /** Fails with SecretExists, or SecretPendingDeletion when the name is in its recovery window. */
  createSecret(input: CreateSecretInput): Promise<SecretMeta>;
  /** Includes secrets pending deletion; undefined when the name does not exist (or was purged). */
  describeSecret(name: string): Promise<SecretMeta | undefined>;
  /** Sorted by name. Pending-deletion secrets are included only when asked. */
  listSecrets(options?: ListOptions): Promise<SecretMeta[]>;
  /** A null metadata value removes the key. Refused with SecretPendingDeletion inside the recovery window. */
  updateSecret(
    name: string,
    patch: { readonly description?: string; readonly metadata?: Readonly<Record<string, string | null>> },
  ): Promise<SecretMeta>;

  /**
   * Resolves when `metadata`'s target entries (TARGET_METADATA_KEYS: host,
   * port, host key, users) are what the secret's writer stored, proven with
   * material as hard to get as its value; fails with TargetUnverified
   * otherwise. Called before a credential is sent to a target built from
   * metadata: where it goes must be as hard to forge as it is to read.
   */
  authenticateTarget(name: string, metadata: Readonly<Record<string, string>>): Promise<void>;

  /** Default selector: ACSCurrent. Fails with VersionNotFound, SecretNotFound, SecretPendingDeletion. */
  getValue(name: string, selector?: VersionSelector): Promise<SecretVersion>;
  /**
   * Idempotent per versionId: putting the same id and value again is a no-op
   * (stages are left as they are); the same id with another value fails.
   * Stages named here move to this version. Oldest unstaged versions are
   * pruned to stay within MAX_VERSIONS.
   */
  putValue(name: string, input: PutValueInput): Promise<void>;
  /** KMS UpdateSecretVersionStage semantics. */
  updateVersionStage(name: string, input: UpdateStageInput): Promise<void>;
  /**
   * Optional: `changes`, in order, each as updateVersionStage or updateSecret
   * would make it, in one write that lands whole or not at all. A store that
   * cannot (KMS takes one call per change) leaves it out; callers go through
   * updateInOrder (update-in-order.ts), which then makes the calls one by one.
   */
  updateAtOnce?(name: string, changes: readonly SecretChange[]): Promise<void>;

  deleteSecret(name: string, options: DeleteOptions): Promise<{ plannedDeleteAt?: string }>;
  /** Fails with SecretNotFound when the window has passed (the secret is gone). */
  restoreSecret(name: string): Promise<SecretMeta>;
  /** Removes every secret whose planned delete time has passed; returns their names. */
  purgeExpired(): Promise<string[]>;

  /**
   * A per-secret lease so two rotators never interleave. Returns false while
   * another owner holds an unexpired lease. Re-acquiring one's own lease renews it.
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;

  /**
   * Optional: how many more secrets fit, where something outside the store
   * bounds it (a KMS 3.0 instance's secret quota, store-capacity.ts);
   * undefined where nothing does. Fails when the bound cannot be read.
   */
  capacity?(): Promise<StoreCapacity | undefined>;

  /** Secrets KMS rotates itself (kms store only). */
  readonly managed?: ManagedSecrets;
}

/** A bound on how many secrets the store may hold, and how many it (with everything else there) holds now. */
export interface StoreCapacity {
  /** What is bounded, for people: "KMS instance kst-...". */
  readonly where: string;
  /** The setting that chose it, for errors that name one. */
  readonly property: string;
  readonly limit: number;
  readonly used: number;
}
