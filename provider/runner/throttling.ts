import { cloudApiErrorIn } from "../alicloud/cloud-api-error";

/**
 * Whether an error means a cloud API refused for its request quota and
 * nothing else: the CloudApiError the client gave up on, directly (RAM, STS,
 * ECS) or as the cause of the kms store's CloudUnavailable.
 */
export function isThrottled(e: unknown): boolean {
  return cloudApiErrorIn(e)?.kind === "throttling";
}
