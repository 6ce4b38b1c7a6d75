import { ManagedSecretsError } from "../../core/errors";
import type { StoreCapacity } from "../secret-store";
import type { KmsCall } from "./kms-call";
import { isKmsCode, kmsRef, storeErrorFrom } from "./kms-errors";
import type { CloudApiError } from "../../alicloud/cloud-api-error";

/**
 * A KMS 3.0 instance's secret quota (GetKmsInstanceQuotaInfos, ResourceType
 * "secret": ResourceQuota and UsedQuantity; the reference lists no RAM
 * authorization for it). Every secret of the instance counts, whatever its
 * type and however many versions it has, until it is deleted; a CreateSecret
 * past it is refused (Rejected.LimitExceeded).
 */

export const KMS_LIMIT_EXCEEDED = "Rejected.LimitExceeded";
const INSTANCE_SETTING = "managed-secrets:dkmsInstanceId";

export async function instanceCapacity(call: KmsCall, instanceId: string): Promise<StoreCapacity> {
  let answer;
  try {
    answer = await call((kms) => kms.getKmsInstanceQuotaInfos({ kmsInstanceId: instanceId, resourceType: "secret" }));
  } catch (e) {
    throw storeErrorFrom(e);
  }
  const quota = answer.quotas.find((q) => q.resourceType === "secret");
  // Read back from the cloud, so held to the form a count has before anything is decided on it.
  const count = (n: number | undefined) => n !== undefined && Number.isSafeInteger(n) && n >= 0;
  if (quota === undefined || !count(quota.resourceQuota) || !count(quota.usedQuantity)) {
    throw new ManagedSecretsError("CloudRejected", `KMS GetKmsInstanceQuotaInfos answered no secret quota for KMS instance ${instanceId}`, { property: INSTANCE_SETTING });
  }
  return { where: `KMS instance ${instanceId}`, property: INSTANCE_SETTING, limit: quota.resourceQuota, used: quota.usedQuantity };
}

/** A CreateSecret refused for the instance's quota. */
export function isQuotaRefusal(e: unknown): e is CloudApiError {
  return isKmsCode(e, KMS_LIMIT_EXCEEDED) && e.action === "CreateSecret";
}

/**
 * The error for a create that does not fit: which instance, its quota and
 * what it holds (when they could be read), what was not created, and what to
 * do. `needed` counts the store's lease table when it must be created too.
 */
export function quotaFullError(
  instanceId: string | undefined,
  capacity: StoreCapacity | undefined,
  name: string,
  needed: number,
  refusal?: CloudApiError,
): ManagedSecretsError {
  const held = capacity ? `: it holds ${capacity.used} of its ${capacity.limit} secrets (its secret quota)` : " (its secret quota)";
  const what = needed > 1 ? `secret "${name}" and the store's lease table need ${needed} more` : `secret "${name}" needs one more`;
  return new ManagedSecretsError(
    "CloudRejected",
    `${instanceId ? `KMS instance ${instanceId}` : "the account's KMS instance"} is full${held}; ${what}, so nothing was created. ` +
      `Delete secrets it no longer needs, or raise its secret quota in the KMS console, then try again (${INSTANCE_SETTING})` +
      (refusal ? ` (${kmsRef(refusal)})` : ""),
    { secretName: name, property: INSTANCE_SETTING, ...(refusal ? { cause: refusal } : {}) },
  );
}
