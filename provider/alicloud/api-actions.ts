/**
 * Every Alibaba Cloud API action the rotation runner may call, per product.
 * The runner's RAM policy is generated from this list (sdk/rotation-runner.ts),
 * and tests check it against the actions the runner really sends to the
 * emulator and against the thin clients' call sites, so the policy cannot
 * drift from the code.
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
  ],
  ram: ["ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey", "GetAccessKeyLastUsed"],
  sts: ["GetCallerIdentity"],
} as const satisfies Record<string, readonly string[]>;

/** Actions only `pulumi up` / refresh / the CLI make (create, describe, delete, restore): never granted to the runner. */
export const PROVIDER_ONLY_ACTIONS = {
  kms: ["CreateSecret", "UpdateSecret", "DeleteSecret", "RestoreSecret"],
  ram: ["GetUser"],
  sts: [],
} as const satisfies Record<keyof typeof RUNNER_API_ACTIONS, readonly string[]>;

export type Product = keyof typeof RUNNER_API_ACTIONS;

/** RAM policy action names ("kms:GetSecretValue"). */
export function policyActions(product: Product): string[] {
  return RUNNER_API_ACTIONS[product].map((a) => `${product}:${a}`);
}
