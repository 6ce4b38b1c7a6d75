import { ManagedSecretsError } from "../core/errors";
import type { RotationTarget } from "./rotation-target";

/**
 * A secret KMS rotates itself (rotatedBy "kms") is a target the product only
 * probes: KMS generates, sets and stores every new value (PutSecretValue is
 * refused for its types). The rotation protocol's steps refuse, saying where
 * a rotation comes from instead; the runner and `rotate` never get here.
 */
export function kmsRotatedTarget(secretName: string, probe: Pick<RotationTarget, "accepts" | "canProbe" | "ready">): RotationTarget {
  const refuse = async (): Promise<never> => {
    throw new ManagedSecretsError(
      "InvalidInput",
      `secret ${secretName} is rotated by KMS itself (rotatedBy "kms"): managed-secrets never writes its value; managed-secrets rotate ${secretName} (or a new rotationTrigger) asks KMS to rotate it`,
      { secretName },
    );
  };
  return { ...probe, apply: refuse, test: refuse, retire: refuse, generate: refuse };
}
