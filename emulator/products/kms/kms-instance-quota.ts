import { optional } from "../../gateway/params";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import type { KmsInstanceRecord } from "../../state/state-types";
import { kmsErrors } from "./kms-errors";

/**
 * A KMS 3.0 instance's secret quota: the number of secrets it was bought for
 * (GetKmsInstanceQuotaInfos, ResourceType "secret": ResourceQuota and
 * UsedQuantity). Every secret of the instance uses one, whatever its type and
 * however many versions it has, until it is deleted; a CreateSecret past it
 * is refused. Only the secret quota is modelled: key, qps and vpc are refused
 * by name rather than answered with made-up figures.
 */
export const DEFAULT_INSTANCE_SECRET_QUOTA = 1000;
const MODELLED_TYPES = ["secret"];
const DOCUMENTED_TYPES = ["key", "secret", "qps", "vpc"];

export function secretQuotaOf(instance: KmsInstanceRecord): number {
  return instance.secretQuota ?? DEFAULT_INSTANCE_SECRET_QUOTA;
}

export function secretsUsed(ctx: Pick<ActionContext, "state">, instanceId: string): number {
  let used = 0;
  for (const s of Object.values(ctx.state.data.secrets)) if (s.dkmsInstanceId === instanceId) used++;
  return used;
}

/** Refuses a CreateSecret that would exceed its instance's quota (worded as KMS's own quota refusal). */
export function checkSecretQuota(ctx: ActionContext, instanceId: string | undefined): void {
  const instance = instanceId === undefined ? undefined : ctx.state.data.kmsInstances?.[instanceId];
  if (!instance) return;
  const quota = secretQuotaOf(instance);
  if (secretsUsed(ctx, instance.instanceId) >= quota) {
    throw kmsErrors.limitExceeded(`KMS instance ${instance.instanceId} holds ${quota} secrets, its quota; delete one or raise the quota.`);
  }
}

export const getKmsInstanceQuotaInfos: ActionSpec = {
  handle(ctx) {
    const instances = Object.values(ctx.state.data.kmsInstances ?? {});
    const requested = optional(ctx.params, "KmsInstanceId");
    // Without an id, an account with exactly one instance means that one; the reference marks the id optional and says no more.
    const instance = requested === undefined ? (instances.length === 1 ? instances[0] : undefined) : ctx.state.data.kmsInstances?.[requested];
    if (requested === undefined && instance === undefined) throw kmsErrors.missingParameter();
    if (!instance) throw kmsErrors.instanceNotFound();
    const type = optional(ctx.params, "ResourceType");
    if (type !== undefined && !DOCUMENTED_TYPES.includes(type)) throw kmsErrors.invalidParameter("ResourceType must be key, secret, qps or vpc.");
    if (type !== undefined && !MODELLED_TYPES.includes(type)) throw kmsErrors.invalidParameter(`ResourceType ${type} is not emulated; ask for secret.`);
    return {
      KmsInstanceId: instance.instanceId,
      KmsInstanceQuotaInfos: [{ ResourceType: "secret", ResourceQuota: secretQuotaOf(instance), UsedQuantity: secretsUsed(ctx, instance.instanceId) }],
    };
  },
};
