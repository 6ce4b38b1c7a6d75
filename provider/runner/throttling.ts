import { KmsApiError } from "../alicloud/kms-client";
import { isManagedSecretsError } from "../core/errors";

/**
 * Whether an error means a cloud API refused for its request quota and
 * nothing else: RAM/STS answer Throttled; the kms store's StoreUnavailable
 * carries the KMS refusal it gave up on as its cause.
 */
export function isThrottled(e: unknown): boolean {
  if (isManagedSecretsError(e, "Throttled")) return true;
  if (!isManagedSecretsError(e, "StoreUnavailable")) return false;
  const cause = e.details.cause;
  return cause instanceof KmsApiError && cause.kind === "throttling";
}
