import type { RuntimeContext } from "../../context/runtime-context";
import { ramClientFor } from "../../alicloud/ram-client";
import type { SecretMeta } from "../../store/secret-store";
import { decodeRamValue } from "../../targets/ram-access-key/ram-value";
import { currentVersion, scheduleOutputs } from "../secret-resource";
import type { RamSecretOutputs } from "../secret-outputs";
import { liveState } from "./ram-live";
import type { RamSecretSpec } from "./ram-secret-schema";

/** RamSecret's outputs, whichever engine rotates it: what the stack declared, and what the store and RAM say now. */

/** The outputs that record a declaration, before the store's and RAM's facts are added. */
export function declaredOutputs(name: string, spec: RamSecretSpec): RamSecretOutputs {
  return {
    secretName: name,
    userName: spec.userName,
    initialAccessKeyId: spec.initialAccessKeyId,
    previousKeyAction: spec.previousKeyAction,
    ...(spec.previousKeyGracePeriod === undefined ? {} : { previousKeyGracePeriod: spec.previousKeyGracePeriod }),
    description: spec.description,
    ...(spec.rotationPeriod === undefined ? {} : { rotationPeriod: spec.rotationPeriod.text }),
    ...(spec.rotationTrigger === undefined ? {} : { rotationTrigger: spec.rotationTrigger }),
    recoveryWindowDays: spec.recoveryWindowDays,
    forceDeleteWithoutRecovery: spec.forceDeleteWithoutRecovery,
    ...(spec.rotatedBy === "kms" ? { rotatedBy: "kms" as const } : {}),
    versionId: "",
    accessKeyId: "",
    accessKeySecret: "",
    automaticRotation: false,
    lastRotatedAt: "",
    accessKeyStatus: "NotFound",
  };
}

/** Declared fields from `base`; everything the store and RAM know, fresh. */
export async function outputsFromStore(name: string, meta: SecretMeta, base: RamSecretOutputs, ctx: RuntimeContext): Promise<RamSecretOutputs> {
  const current = await currentVersion(ctx, name, meta);
  const value = decodeRamValue(current.value);
  // The declared user, not the store's record of it (refresh compares the two, declaredProbe).
  const live = await liveState(ramClientFor(ctx.cloud()), base.userName, value.AccessKeyId);
  // Strip any stale facts from base before adding fresh ones.
  const { rotationPeriodSeconds: _r, nextRotationAt: _n, plannedDeleteAt: _d, accessKeyLastUsedAt: _l, health: _h, ...declared } = base;
  return {
    ...declared,
    versionId: current.versionId,
    accessKeyId: value.AccessKeyId,
    accessKeySecret: value.AccessKeySecret,
    ...scheduleOutputs(meta),
    accessKeyStatus: live.status,
    ...(live.lastUsedAt ? { accessKeyLastUsedAt: live.lastUsedAt } : {}),
  };
}
