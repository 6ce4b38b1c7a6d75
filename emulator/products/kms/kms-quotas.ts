/**
 * KMS's per-second request quotas on the shared gateway, per Alibaba Cloud
 * account and region (KMS "Performance data" / "QPS quotas of KMS instances",
 * checked 2026-11-30). Operations in one group share its quota; past it KMS
 * answers 429 Rejected.Throttling "QPS Limit Exceeded".
 *
 * The page names each group's figure and describes its members; the lists of
 * operations themselves were not in the copy read, so membership here follows
 * the descriptions:
 *   - create or delete a secret: 10
 *   - query secret information and get secret values: 450
 *   - list secrets and other low-frequency reads and writes of secret metadata: 40
 *   - create or modify keys, aliases and tags (key management): 30
 */
const KMS_QPS_GROUPS = {
  secretCreateDelete: ["CreateSecret", "DeleteSecret"],
  secretRead: ["GetSecretValue", "DescribeSecret"],
  secretLowFrequency: [
    "ListSecrets", "ListSecretVersionIds", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "RestoreSecret",
    "RotateSecret", "UpdateSecretRotationPolicy",
  ],
  tagWrite: ["TagResource", "UntagResource"],
} as const;

export type KmsQpsGroup = keyof typeof KMS_QPS_GROUPS;
export type KmsQpsLimits = Readonly<Record<KmsQpsGroup, number>>;

export const KMS_DOCUMENTED_QPS: KmsQpsLimits = {
  secretCreateDelete: 10,
  secretRead: 450,
  secretLowFrequency: 40,
  tagWrite: 30,
};

export function kmsQpsGroup(action: string): KmsQpsGroup | undefined {
  for (const [group, actions] of Object.entries(KMS_QPS_GROUPS) as Array<[KmsQpsGroup, readonly string[]]>) {
    if (actions.includes(action)) return group;
  }
  return undefined;
}

/** Every group needs a whole number of calls per second, at least 1: a typo must not silently switch a quota off. */
export function checkKmsQpsLimits(limits: Partial<Record<string, unknown>>): KmsQpsLimits {
  const out: Record<string, number> = { ...KMS_DOCUMENTED_QPS };
  for (const [group, value] of Object.entries(limits)) {
    if (!(group in KMS_QPS_GROUPS)) {
      throw new RangeError(`kmsQps.${group} is not a KMS quota group; the groups are ${Object.keys(KMS_QPS_GROUPS).join(", ")}`);
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`kmsQps.${group} must be a whole number of calls per second, at least 1`);
    }
    out[group] = value;
  }
  return out as KmsQpsLimits;
}
