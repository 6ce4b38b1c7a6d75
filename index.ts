/**
 * alicloud-managed-secrets: declarative, rotated ECS passwords / SSH keys and
 * RAM AccessKeys for Pulumi on Alibaba Cloud.
 */
export * from "./sdk";
export { ecsSecretProvider } from "./provider/ecs/ecs-secret-provider";
export type { EcsSecretOutputs } from "./provider/ecs/ecs-secret-handler";
export type { EcsSecretInputs } from "./provider/ecs/ecs-secret-schema";
export { ramSecretProvider } from "./provider/ram/ram-secret-provider";
export type { RamSecretOutputs } from "./provider/ram/ram-secret-handler";
export type { RamSecretInputs } from "./provider/ram/ram-secret-schema";
export { ManagedSecretsError, ERROR_CODES, type ErrorCode } from "./provider/errors";
