/**
 * alicloud-managed-secrets: declarative, rotated ECS passwords / SSH keys and
 * RAM AccessKeys for Pulumi on Alibaba Cloud.
 *
 * Only the SDK surface is exported: what a program declares with and reads
 * back. The providers are reached through the resources, so their typings
 * (and their dependencies' typings) stay out of users' compilations.
 */
export * from "./sdk";
export type { EcsSecretInputs, EcsSecretOutputs, RamSecretInputs, RamSecretOutputs, RunnerDeploymentInput, SecretHealthSummary } from "./sdk/types";
export { ManagedSecretsError, ERROR_CODES, type ErrorCode } from "./provider/core/errors";
