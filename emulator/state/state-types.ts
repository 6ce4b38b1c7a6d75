/**
 * The emulator's whole world as plain JSON-able data, so a sandbox can be
 * written to a state file and read back after a restart. Dates are ISO
 * strings for the same reason.
 */

/** Who owns an AccessKey: the account itself (root) or a RAM user. */
export type KeyOwner = { kind: "root" } | { kind: "user"; userName: string };

export interface AccessKeyRecord {
  accessKeyId: string;
  /** Kept only here and in the state file; never logged, never listed. */
  accessKeySecret: string;
  owner: KeyOwner;
  status: "Active" | "Inactive";
  createDate: string;
  lastUsedDate?: string;
}

export interface UserRecord {
  userId: string;
  userName: string;
  displayName: string;
  comments?: string;
  createDate: string;
  updateDate: string;
  /** Admin users may call every action without policies (the emulator's shortcut for an AdministratorAccess user). */
  admin: boolean;
  /** Custom policy names attached with AttachPolicyToUser (absent in older state files). */
  policies?: string[];
}

/** A custom policy (CreatePolicy); the document is kept as sent and parsed when evaluated. */
export interface PolicyRecord {
  policyName: string;
  policyType: "Custom";
  description: string;
  policyDocument: string;
  createDate: string;
}

export interface RoleRecord {
  roleId: string;
  roleName: string;
  arn: string;
  description: string;
  /** The trust policy: who may assume the role. */
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  createDate: string;
  policies: string[];
}

/** Temporary credentials issued by AssumeRole (or handed to a Function Compute function). */
export interface StsSessionRecord {
  accessKeyId: string;
  /** Kept only here and in the state file, like every AccessKey secret. */
  accessKeySecret: string;
  securityToken: string;
  roleName: string;
  roleSessionName: string;
  expiration: string;
}

export type InstanceStatus = "Running" | "Stopped" | "Starting" | "Stopping" | "Pending";

export interface InstanceRecord {
  instanceId: string;
  regionId: string;
  zoneId: string;
  instanceName: string;
  hostName: string;
  privateIp: string;
  publicIp?: string;
  /** A process living in the test host's mount namespace; RunCommand enters it. */
  nsPid: number;
  status: InstanceStatus;
  osType: "linux" | "windows";
  keyPairName?: string;
  creationTime: string;
  /** Cloud Assistant Agent installed and heartbeating; absent means online (state files from before it was modelled). */
  cloudAssistantOnline?: boolean;
  /**
   * Windows instances only, and SIMULATED: no Windows host runs anywhere. The
   * instance's local accounts (user -> password) live here, a password rotation
   * changes this table, and a "login" is a lookup in it (control.windowsLogin).
   */
  windowsAccounts?: Record<string, string>;
}

export interface InvocationRecord {
  invokeId: string;
  commandId: string;
  regionId: string;
  instanceId: string;
  username: string;
  invocationStatus: string;
  invokeRecordStatus: string;
  exitCode?: number;
  errorCode: string;
  errorInfo: string;
  /** Raw output bytes as Base64, trimmed to the service's limit. */
  outputBase64: string;
  dropped: number;
  startTime?: string;
  finishedTime?: string;
  timeoutSeconds: number;
  /** As the service keeps them for DescribeInvocations: the content before parameter substitution, the Parameters JSON, the Name. */
  commandContentBase64?: string;
  parameters?: string;
  commandName?: string;
  commandType?: string;
  creationTime?: string;
  /** RunCommand's ClientToken: a retry with the same token and parameters answers this invocation again. */
  clientToken?: string;
  /** Digest of the call's own parameters, to tell a faithful retry from a reused token (IdempotentParameterMismatch). */
  clientTokenDigest?: string;
}

export interface SecretVersionRecord {
  versionId: string;
  /** Stored plaintext: the emulator does not model envelope encryption. */
  secretData: string;
  secretDataType: "text" | "binary";
  stages: string[];
  createTime: string;
}

/** Generic secrets are written by their owner; ECS and RAMCredentials secrets are rotated by KMS itself. */
export type SecretType = "Generic" | "ECS" | "RAMCredentials";

/** A KMS-managed secret's rotation settings and history (UpdateSecretRotationPolicy, RotateSecret). */
export interface SecretRotationRecord {
  automatic: boolean;
  /** Seconds between automatic rotations (RotationInterval, read back as `${n}s`). */
  intervalSeconds?: number;
  lastRotationDate?: string;
  /** When the last rotation (or, before any, the creation) happened: the base the next date is counted from. */
  rotationBase: string;
  /** RotateSecret calls accepted in the last hour, ISO times, for the per-secret hourly limit. */
  recentCalls: string[];
  /** After a failed automatic rotation: the next attempt not before this. */
  retryAfter?: string;
}

/** A rotation KMS is carrying out: at most one per secret. */
export interface RunningRotationRecord {
  versionId: string;
  trigger: "immediate" | "automatic";
  startedAt: string;
  /** RAM: the new key is current; the old keys are deleted from RAM when the window ends. */
  retireKeyIds?: string[];
  retireAt?: string;
}

export interface SecretRecord {
  secretName: string;
  description?: string;
  secretType: SecretType;
  /** ECS / RAMCredentials: ExtendedConfig as KMS keeps it (SecretSubType, RegionId, InstanceId or UserName, CustomData, CommandId). */
  extendedConfig?: Record<string, unknown>;
  rotation?: SecretRotationRecord;
  rotating?: RunningRotationRecord;
  tags: Record<string, string>;
  /** KMS 3.0: the KMS instance the secret lives in; absent for a secret made without one. */
  dkmsInstanceId?: string;
  /** The instance's key that encrypts the secret, when CreateSecret named one. */
  encryptionKeyId?: string;
  /** What ListSecrets' Creator filter matches (absent in state files written before it was kept). */
  creator?: string;
  createTime: string;
  updateTime: string;
  plannedDeleteTime?: string;
  /** Oldest first: KMS rolls the oldest version out when the limit is hit. */
  versions: SecretVersionRecord[];
}

export interface EmulatorStateData {
  formatVersion: 1;
  accountId: string;
  regionId: string;
  /** The root key handed out by startEmulator / the CLI, kept across restarts. */
  adminAccessKeyId: string;
  /** Business-clock offset, so a moved clock survives a restart. */
  clockOffsetMs: number;
  accessKeys: Record<string, AccessKeyRecord>;
  users: Record<string, UserRecord>;
  instances: Record<string, InstanceRecord>;
  invocations: Record<string, InvocationRecord>;
  secrets: Record<string, SecretRecord>;
  /**
   * KMS 3.0 instances of the account, by id, with their keys. Once there is
   * one, the account acts as KMS 3.0: CreateSecret must name an instance.
   * Absent in state files written before instances were emulated.
   */
  kmsInstances?: Record<string, KmsInstanceRecord>;
  /** KMS keys made by CreateKey (or the control surface), by key id; absent in state files written before keys were emulated. */
  kmsKeys?: Record<string, KmsKeyRecord>;
  /** RAM custom policies, roles and STS sessions; absent in state files written before policies were evaluated. */
  policies?: Record<string, PolicyRecord>;
  roles?: Record<string, RoleRecord>;
  stsSessions?: Record<string, StsSessionRecord>;
  /** CloudMonitor PutCustomEvent calls received, oldest first; absent before CloudMonitor was emulated. */
  customEvents?: CustomEventRecord[];
  /** CloudMonitor system events the emulated services raised (KMS's Secret:RotateSecret:*), oldest first. */
  systemEvents?: SystemEventRecord[];
  /** CloudMonitor alert rules: PutCustomEventRule by RuleId, PutEventRule (and its targets) by RuleName. */
  customEventRules?: Record<string, CustomEventRuleRecord>;
  eventRules?: Record<string, EventRuleRecord>;
  /** What the alert rules sent to contact groups, oldest first. */
  notifications?: NotificationRecord[];
  /** Every secret that existed, with its life span, for the daily count of billed secrets. */
  secretLedger?: SecretLedgerEntry[];
  /** RAM immediate rotation window (ms), as the console's "Rotation Window" sets it; absent = the default. */
  ramRotationWindowMs?: number;
}

export interface SecretLedgerEntry {
  secretName: string;
  createdAt: string;
  /** When it stopped existing (force-deleted, or purged after its window); absent while it exists. */
  deletedAt?: string;
}

export interface SystemEventRecord {
  product: string;
  name: string;
  level: "INFO" | "WARN" | "CRITICAL";
  eventType: string;
  status: string;
  regionId: string;
  resourceId: string;
  /** The event's content as CloudMonitor delivers it (a JSON object). */
  content: Record<string, unknown>;
  time: string;
}

export interface CustomEventRuleRecord {
  ruleId: string;
  ruleName: string;
  groupId: string;
  eventName: string;
  contactGroups: string[];
  level: string;
  threshold: number;
  periodSeconds: number;
  /** "HH:MM-HH:MM" in China Standard Time; absent = all day. */
  effectiveInterval?: string;
  webhook?: string;
  emailSubject?: string;
}

export interface EventPatternRecord {
  product: string;
  nameList: string[];
  levelList: string[];
  eventTypeList: string[];
  statusList: string[];
  customFilters?: string;
}

export interface EventRuleRecord {
  ruleName: string;
  eventType: "SYSTEM" | "CUSTOM";
  groupId?: string;
  description: string;
  state: "ENABLED" | "DISABLED";
  silenceSeconds?: number;
  patterns: EventPatternRecord[];
  contacts: Array<{ id: string; contactGroupName: string; level: string }>;
  lastNotifiedAt?: string;
}

export interface NotificationRecord {
  /** Which kind of rule sent it: a custom event rule (PutCustomEventRule) or an event rule (PutEventRule). */
  via: "customEventRule" | "eventRule";
  ruleName: string;
  contactGroup: string;
  level: string;
  eventName: string;
  /** The event's content as the rule received it. */
  content: string;
  at: string;
}

export interface CustomEventRecord {
  eventName: string;
  content: string;
  /** As the caller sent it (Unix ms or yyyyMMddTHHmmss.SSSZ), or null. */
  time: string | null;
  groupId: string;
  receivedAt: string;
}

/** A KMS key: its spec and usage decide which calls it takes; its versions hold the material. */
export interface KmsKeyRecord {
  keyId: string;
  keySpec: string;
  keyUsage: "ENCRYPT/DECRYPT" | "SIGN/VERIFY";
  keyState: "Enabled" | "Disabled";
  description: string;
  /** The account id, or the RAM user's id, that created it. */
  creator: string;
  creationDate: string;
  dkmsInstanceId?: string;
  /** Oldest first; the last is the primary version. */
  versions: KmsKeyVersionRecord[];
}

export interface KmsKeyVersionRecord {
  keyVersionId: string;
  creationDate: string;
  /** The private key as PKCS#8 PEM, or a symmetric key as base64. Kept only here and in the state file; never answered. */
  material: string;
}

export interface KmsInstanceRecord {
  instanceId: string;
  /** Symmetric keys of the instance, usable as CreateSecret's EncryptionKeyId. */
  keyIds: string[];
  /** How many secrets the instance was bought for (GetKmsInstanceQuotaInfos' ResourceQuota); absent = the emulator's default. */
  secretQuota?: number;
}
