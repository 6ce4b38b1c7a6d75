import { isPosixUser } from "../../validation/ecs-fields";
import { notWithKms, productNameFailures, storeFailures, type EngineSettings } from "../kms-engine";
import type { InputFailure } from "../resource-schema";
import type { EcsSecretSpec } from "./ecs-secret-schema";

/**
 * Which EcsSecret inputs each engine takes, checked at check() before
 * anything is contacted (the instance's OS, which decides between a Linux
 * user and a Windows account, is read at create). KMS rotates through its own
 * Cloud Assistant command as root, generates every value itself (RSA-2048
 * key pairs, 32-character passwords) and takes none by API.
 */
export function ecsEngineFailures(spec: EcsSecretSpec, settings: EngineSettings): InputFailure[] {
  const engine = spec.rotatedBy ?? "product";
  if (engine === "product") {
    const failures = productNameFailures(spec.secretName);
    if (!isPosixUser(spec.managedUser)) {
      failures.push({
        property: "managedUser",
        reason: 'must be a POSIX user name ([a-z_][a-z0-9_-]*, at most 32 characters); a Windows account is taken only with rotatedBy "kms" (KMS rotates Windows passwords)',
      });
    }
    return failures;
  }
  const failures = storeFailures(engine, settings);
  if (spec.connection.transport !== "cloudAssistant") {
    failures.push({
      property: "connection.transport",
      reason: 'must be "cloudAssistant" with rotatedBy "kms": KMS reaches the instance through Cloud Assistant, so connection is { transport: "cloudAssistant", region } (no host, port, host key, admin or bastion)',
    });
  }
  if (spec.secretName !== undefined && !spec.secretName.startsWith("acs/ecs/")) {
    failures.push({ property: "secretName", reason: 'must start with acs/ecs/ with rotatedBy "kms": KMS names its ECS secrets so (default acs/ecs/<instanceId>/<managedUser>)' });
  }
  if (spec.customValue !== undefined) failures.push(notWithKms("customValue", "KMS generates every new value itself; RotateSecret takes none"));
  if (spec.keyAlgorithm !== "rsa-2048") failures.push(notWithKms("keyAlgorithm", "KMS generates RSA-2048 key pairs (leave it out, or rsa-2048)"));
  if (spec.credentialType === "keyPair" && !isPosixUser(spec.managedUser)) {
    failures.push({ property: "credentialType", reason: 'must be "password" for a Windows account: KMS rotates only passwords on Windows instances (it refuses SSHKey for them)' });
  }
  return failures;
}
