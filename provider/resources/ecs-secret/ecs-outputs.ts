import type { RuntimeContext } from "../../context/runtime-context";
import type { SecretMeta } from "../../store/secret-store";
import { decodeEcsValue, secretPartOf } from "../../targets/ecs-host/ecs-value";
import { currentVersion, scheduleOutputs } from "../secret-resource";
import type { EcsSecretOutputs } from "../secret-outputs";
import { connectionOutput, type EcsSecretSpec } from "./ecs-secret-schema";

/** EcsSecret's outputs, whichever engine rotates it: what the stack declared, and what the store says now. */

/** The outputs that record a declaration, before the store's facts are added. */
export function declaredOutputs(name: string, spec: EcsSecretSpec): EcsSecretOutputs {
  return {
    secretName: name,
    instanceId: spec.instanceId,
    managedUser: spec.managedUser,
    credentialType: spec.credentialType,
    connection: connectionOutput(spec.connection),
    keyAlgorithm: spec.keyAlgorithm,
    description: spec.description,
    ...(spec.rotationPeriod === undefined ? {} : { rotationPeriod: spec.rotationPeriod.text }),
    ...(spec.rotationTrigger === undefined ? {} : { rotationTrigger: spec.rotationTrigger }),
    ...(spec.customValue === undefined ? {} : { customValue: spec.customValue }),
    recoveryWindowDays: spec.recoveryWindowDays,
    forceDeleteWithoutRecovery: spec.forceDeleteWithoutRecovery,
    ...(spec.rotatedBy === "kms" ? { rotatedBy: "kms" as const } : {}),
    versionId: "",
    value: "",
    automaticRotation: false,
    lastRotatedAt: "",
  };
}

/** Declared fields from `base`; everything the store knows, fresh from the store. */
export async function outputsFromStore(name: string, meta: SecretMeta, base: EcsSecretOutputs, ctx: RuntimeContext): Promise<EcsSecretOutputs> {
  const current = await currentVersion(ctx, name, meta);
  const value = decodeEcsValue(current.value);
  // Strip any stale store facts from base before adding fresh ones.
  const { publicKey: _p, rotationPeriodSeconds: _r, nextRotationAt: _n, plannedDeleteAt: _d, health: _h, ...declared } = base;
  return {
    ...declared,
    versionId: current.versionId,
    value: secretPartOf(value),
    ...("PublicKey" in value ? { publicKey: value.PublicKey } : {}),
    ...scheduleOutputs(meta),
  };
}
