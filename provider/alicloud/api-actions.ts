/**
 * Every Alibaba Cloud API action the rotation runner may call, per product.
 * The runner's RAM policy is generated from these lists
 * (provider/runner/deploy/runner-deployment.ts), and tests check them against the
 * actions the runner really sends to the emulator, against the thin clients'
 * call sites, and (with the emulator evaluating RAM policies) that every
 * action granted is needed: so the policy cannot drift from the code.
 */
export const RUNNER_API_ACTIONS = {
  kms: [
    "ListSecrets",
    "DescribeSecret",
    "ListSecretVersionIds",
    "GetSecretValue",
    "PutSecretValue",
    "UpdateSecretVersionStage",
    "TagResource",
    "UntagResource",
    // Only on the store's lease table (RUNNER_LEASE_ACTIONS): never on the secrets themselves.
    "CreateSecret",
    // Only on the binding key (RUNNER_BINDING_KEY_ACTIONS): signing and checking where a credential may go.
    "ListKeyVersions",
    "GetPublicKey",
    "AsymmetricSign",
  ],
  ram: ["ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"],
  sts: [],
  // EcsSecret with connection.transport "cloudAssistant" (provider/alicloud/cloud-assistant-client.ts).
  ecs: ["DescribeInstances", "DescribeCloudAssistantStatus", "RunCommand", "DescribeInvocationResults", "DescribeInvocations"],
  // Rotation events (provider/alicloud/cms-client.ts, for provider/events/cloudmonitor-sink.ts), while the runner's cloudMonitorEvents is on.
  cms: ["PutCustomEvent"],
} as const satisfies Record<string, readonly string[]>;

/**
 * The KMS actions a rotation takes on the store's lease table
 * (managed-secrets-leases, provider/store/kms/kms-lease.ts): read and written
 * on every take and release, its versions listed after each write to check
 * the write was not stale, and created when a store written by an earlier
 * release has none (`pulumi up` creates it with the store's first secret).
 */
export const RUNNER_LEASE_ACTIONS = ["CreateSecret", "GetSecretValue", "PutSecretValue", "ListSecretVersionIds"] as const satisfies readonly (typeof RUNNER_API_ACTIONS.kms)[number][];

/**
 * What the kms store does with its binding key (managed-secrets:bindingKeyId,
 * provider/store/kms/kms-binding-key.ts): find the key's versions, read their
 * public keys to check a binding, sign a new one when a rotation moves
 * ACSCurrent. Granted on exactly that key's ARN.
 */
export const RUNNER_BINDING_KEY_ACTIONS = ["ListKeyVersions", "GetPublicKey", "AsymmetricSign"] as const satisfies readonly (typeof RUNNER_API_ACTIONS.kms)[number][];

/**
 * What reading and writing a secret encrypted with a key of a KMS instance
 * also needs on that key (KMS envelope-encrypts each version with a data key).
 */
export const RUNNER_KEY_ACTIONS = ["Decrypt", "GenerateDataKey"] as const;

/**
 * Actions the runner sends that need no authorization: STS GetCallerIdentity
 * ("No authorization for this operation"), which the runner also signs with
 * the rotated key, not the role. Granting them would do nothing.
 */
export const UNAUTHORIZED_ACTIONS = {
  kms: [],
  ram: [],
  sts: ["GetCallerIdentity"],
  ecs: [],
  cms: [],
} as const satisfies Record<keyof typeof RUNNER_API_ACTIONS, readonly string[]>;

/** Actions only `pulumi up` / refresh / the CLI make (create, describe, delete, restore): never granted to the runner. */
export const PROVIDER_ONLY_ACTIONS = {
  // GetKmsInstanceQuotaInfos: a create's and `check`'s look at the KMS instance's secret quota (its reference lists no RAM authorization).
  // RotateSecret and UpdateSecretRotationPolicy: the secrets KMS rotates itself (rotatedBy "kms"), which the
  // runner skips; only `pulumi up` and `managed-secrets rotate` ask KMS to rotate or change the schedule.
  kms: ["UpdateSecret", "DeleteSecret", "RestoreSecret", "GetKmsInstanceQuotaInfos", "RotateSecret", "UpdateSecretRotationPolicy"],
  ram: ["GetUser", "GetAccessKeyLastUsed"],
  sts: [],
  ecs: [],
  // The RotationRunner's alarm (provider/runner/deploy/runner-alarm-provider.ts), which the deploying stack creates and removes;
  // DescribeSystemEventAttribute: refresh's and `check`'s read of KMS's rotation events for the secrets KMS rotates.
  cms: ["PutCustomEventRule", "DeleteMetricRules", "DescribeSystemEventAttribute"],
} as const satisfies Record<keyof typeof RUNNER_API_ACTIONS, readonly string[]>;

export type Product = keyof typeof RUNNER_API_ACTIONS;

/** RAM policy action names ("kms:GetSecretValue"). */
export function policyActions(product: Product, actions: readonly string[] = RUNNER_API_ACTIONS[product]): string[] {
  return actions.map((a) => `${product}:${a}`);
}
