/**
 * The public argument and output shapes, written out as plain types.
 *
 * The provider derives the same shapes from its zod schemas, but a .d.ts that
 * says `z.input<typeof schema>` makes every user's compiler load zod's (and,
 * through the providers, the Alibaba Cloud SDKs') typings, which do not
 * type-check under the tsconfig `pulumi new typescript` writes. These copies
 * keep the published typings free of any dependency but @pulumi/pulumi;
 * tests/package/public-types.test.ts fails the type check when they drift
 * from the schemas.
 */

/** EcsSecret inputs as a program writes them (defaults optional); the provider's check validates them. */
export interface EcsSecretInputs {
  /** `i-...`; a change replaces the secret. */
  instanceId: string;
  /** POSIX user whose credential is managed; a change replaces the secret. */
  managedUser: string;
  credentialType: "password" | "keyPair";
  /** Default `ecs/<instanceId>/<managedUser>`. */
  secretName?: string | undefined;
  /** The password, or unencrypted private key, that works today. */
  initialValue: string;
  connection: {
    /** `ssh` (default): SSH to `host`; `cloudAssistant`: ECS Cloud Assistant by instanceId, with `region` and none of the SSH fields. */
    transport?: "ssh" | "cloudAssistant" | undefined;
    /** ECS region id; required for `cloudAssistant`, refused for `ssh`. */
    region?: string | undefined;
    /** Required for `ssh`. */
    host?: string | undefined;
    port?: number | undefined;
    /** `SHA256:...` as `ssh-keygen -lf` prints it; required for `ssh`. */
    hostKeyFingerprint?: string | undefined;
    /** Used to repair and to set non-root passwords; never stored. */
    admin?: { user: string; password?: string | undefined; privateKey?: string | undefined } | undefined;
    /** A jump host the SSH session goes through; its host key is pinned as the instance's is. */
    bastion?:
      | { host: string; port?: number | undefined; hostKeyFingerprint: string; user: string; password?: string | undefined; privateKey?: string | undefined }
      | undefined;
  };
  /** `7d`, `12h`, `604800s` (6h..8760h); absent: no automatic rotation. */
  rotationPeriod?: string | undefined;
  /** Any change rotates at once during update. */
  rotationTrigger?: string | number | undefined;
  /** The value to rotate to; a change rotates. */
  customValue?: string | undefined;
  keyAlgorithm?: "rsa-2048" | "ed25519" | undefined;
  description?: string | undefined;
  /** 7..30, default 30. */
  recoveryWindowDays?: number | undefined;
  forceDeleteWithoutRecovery?: boolean | undefined;
  /**
   * Who rotates the credential: "product" (managed-secrets) or "kms" (KMS
   * itself; kms store only). Default: the stack's managed-secrets:rotatedBy,
   * else "product". A change replaces the secret.
   */
  rotatedBy?: "product" | "kms" | undefined;
}

/** RamSecret inputs as a program writes them (defaults optional). */
export interface RamSecretInputs {
  userName: string;
  /** Default `ram/<userName>`. */
  secretName?: string | undefined;
  initialAccessKeyId: string;
  initialAccessKeySecret: string;
  rotationPeriod?: string | undefined;
  rotationTrigger?: string | number | undefined;
  /**
   * What happens to the previous key after a rotation: `keep` (Active until the
   * next rotation), `deactivate` or `delete`. Default: `deactivate`, with a
   * `previousKeyGracePeriod` of "1h" unless one is declared.
   */
  previousKeyAction?: "keep" | "deactivate" | "delete" | undefined;
  /**
   * How long the previous key keeps working after a rotation before
   * `previousKeyAction` (deactivate or delete) is carried out by a later runner
   * pass: "30m", "1h", "1h30m", "24h" (1m..168h, shorter than rotationPeriod);
   * "0", or absent beside a declared `previousKeyAction`: at once; absent with
   * neither declared: "1h".
   */
  previousKeyGracePeriod?: string | undefined;
  description?: string | undefined;
  recoveryWindowDays?: number | undefined;
  forceDeleteWithoutRecovery?: boolean | undefined;
  /**
   * Who rotates the credential: "product" (managed-secrets) or "kms" (KMS
   * itself; kms store only). Default: the stack's managed-secrets:rotatedBy,
   * else "product". A change replaces the secret.
   */
  rotatedBy?: "product" | "kms" | undefined;
}

export type { EcsSecretOutputs, RamSecretOutputs, SecretHealthSummary } from "../provider/resources/secret-outputs";

/** RotationRunner settings (validated when the component is constructed). */
export interface RunnerDeploymentInput {
  /** `@every <n>m|h` or a six-field cron with seconds, in UTC. */
  schedule: string;
  region: string;
  /** 1..64. */
  concurrency?: number | undefined;
  /** Rotate this many due secrets (the first by name) first in each pass, the rest only if none failed. */
  canary?: number | undefined;
  /** Stop starting rotations in a pass once this many failed: `"3"` or a percentage of the due secrets, `"10%"`. */
  maxFailures?: string | undefined;
  /** Rotations in flight on one ECS instance (or one RAM user); default 1. */
  perHost?: number | undefined;
  /** Rotation starts per minute across a pass. */
  ratePerMinute?: number | undefined;
  /** Report every rotation attempt as a CloudMonitor custom event (default true); the policy then grants cms:PutCustomEvent. */
  cloudMonitorEvents?: boolean | undefined;
  /** The CloudMonitor application group the events belong to (digits). */
  cloudMonitorGroupId?: string | undefined;
  /** Alarm on failed rotations: a CloudMonitor custom-event rule (PutCustomEventRule) notifying this contact group at the first failed rotation (needs cloudMonitorEvents). */
  alarmContactGroup?: string | undefined;
  /** Create alarmContactGroup with these existing alarm contacts (otherwise the group must exist). */
  alarmContacts?: string[] | undefined;
  /** The rule's Level: CRITICAL (phone, text, email, DingTalk), WARN (text, email, DingTalk) or INFO (email, DingTalk); default CRITICAL. */
  alarmLevel?: "CRITICAL" | "WARN" | "INFO" | undefined;
  /**
   * @deprecated Refused: the alarm is a custom-event rule, and PutCustomEventRule has no silence period.
   * (Earlier releases declared an event rule with one, which never fired on the runner's events.)
   */
  alarmSilenceSeconds?: undefined;
  secretPrefix?: string | undefined;
  functionName?: string | undefined;
  vpc?: { vpcId: string; vswitchIds: string[]; securityGroupId: string } | undefined;
  /** 60..86400. */
  timeoutSeconds?: number | undefined;
  /** 128..32768 MB, a multiple of 64. */
  memorySize?: number | undefined;
  /** vCPUs in steps of 0.05, 1/4 to 1 per GB of memorySize; default half a vCPU per GB. */
  cpu?: number | undefined;
  /** Simple Log Service project and logstore that keep the function's logs (both or neither). */
  logProject?: string | undefined;
  logStore?: string | undefined;
  /** KMS 3.0 instance (`kst-...`). */
  dkmsInstanceId?: string | undefined;
  /** A key of that instance (`key-...`); needs dkmsInstanceId. The policy grants kms:Decrypt and kms:GenerateDataKey on it. */
  encryptionKeyId?: string | undefined;
  /** The account that owns the secrets and RAM users (digits); every ARN in the runner's policy names it. */
  accountId: string;
  /**
   * The EC_P256 SIGN/VERIFY key (`key-...`) the stacks declaring the secrets bind their targets with
   * (`managed-secrets:bindingKeyId`). The runner checks bindings and signs new ones with it: the policy grants
   * kms:ListKeyVersions, kms:GetPublicKey and kms:AsymmetricSign on exactly this key.
   */
  bindingKeyId: string;
  /** RAM users (names or patterns like `app-*`) whose AccessKeys the runner may rotate; none by default. */
  ramUsers?: string[] | undefined;
  /** ECS instances (ids or patterns) the runner may run Cloud Assistant commands on; none by default. */
  cloudAssistantInstances?: string[] | undefined;
}
