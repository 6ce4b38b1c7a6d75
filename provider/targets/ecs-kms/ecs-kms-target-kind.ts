import { REGION_FORM, isKnownRegion } from "../../alicloud/ecs-regions";
import { cloudAssistantClientFor } from "../../alicloud/cloud-assistant-client";
import { ManagedSecretsError } from "../../core/errors";
import type { TargetKind } from "../../rotation/target-kind";
import { INSTANCE_ID_FORM, isInstanceId, isPosixUser, isWindowsUser, POSIX_USER_FORM, WINDOWS_USER_FORM, type CredentialType } from "../../validation/ecs-fields";
import { ECS_KIND, ecsCredentialKey, ecsFacts, type EcsTargetFields } from "../ecs-host/ecs-target-fields";
import { cloudAssistantTargetFor } from "../ecs-cloud-assistant/cloud-assistant-target-for";
import { ecsKmsTarget } from "./ecs-kms-target";

/**
 * An ECS instance user's password or key pair in a KMS secret of type ECS,
 * which KMS rotates itself. Where it is comes from KMS's own record
 * (ExtendedConfig: InstanceId, RegionId, SecretSubType), never from tags;
 * the user is tagged for listings and checked against the value before any
 * probe (ecs-kms-target.ts). KMS generates RSA-2048 key pairs.
 */
export interface EcsKmsTargetSpec extends EcsTargetFields {
  readonly regionId: string;
}

export const ROTATED_BY_KEY = "rotatedBy";
export const ROTATED_BY_KMS = "kms";

/** KMS's SecretSubType for each credential type. */
export const ECS_SUB_TYPES: Readonly<Record<CredentialType, string>> = { password: "Password", keyPair: "SSHKey" };

const credentialTypeOf = (subType: string): CredentialType => (subType === "SSHKey" ? "keyPair" : "password");

/** A Linux user (POSIX) or, for a password, a Windows account. */
export function isEcsKmsUser(user: string): boolean {
  return isPosixUser(user) || isWindowsUser(user);
}

export const ecsKmsTargetKind: TargetKind<EcsKmsTargetSpec> = {
  name: "ecs rotated by kms",
  kmsSecretType: "ECS",
  keys: ["kind", ROTATED_BY_KEY, "instanceId", "managedUser", "credentialType", "regionId"],
  matches: (m) => m.kind === ECS_KIND && m[ROTATED_BY_KEY] === ROTATED_BY_KMS,
  decode: (r) => ({
    instanceId: r.kms("InstanceId", isInstanceId, INSTANCE_ID_FORM),
    regionId: r.kms("RegionId", isKnownRegion, REGION_FORM),
    credentialType: credentialTypeOf(r.kms("SecretSubType", (t) => t === "Password" || t === "SSHKey", '"Password" or "SSHKey"')),
    managedUser: r.required("managedUser", isEcsKmsUser, `${POSIX_USER_FORM}, or ${WINDOWS_USER_FORM}`),
    keyAlgorithm: "rsa-2048",
  }),
  encode: (spec) => ({
    kind: ECS_KIND,
    [ROTATED_BY_KEY]: ROTATED_BY_KMS,
    instanceId: spec.instanceId,
    managedUser: spec.managedUser,
    credentialType: spec.credentialType,
    regionId: spec.regionId,
  }),
  credentialKey: ecsCredentialKey,
  facts: (spec) => ({ ...ecsFacts(spec, `rotated by KMS, ${spec.regionId}`), rotatedBy: "kms" }),
  valueFromText(_text, _spec, property) {
    throw new ManagedSecretsError("InvalidInput", `${property} is not taken for a secret KMS rotates: KMS generates every new value itself (RotateSecret takes none)`, { property });
  },
  build: (spec, secretName, ctx) =>
    ecsKmsTarget({
      secretName,
      managedUser: spec.managedUser,
      regionId: spec.regionId,
      instanceId: spec.instanceId,
      client: () => cloudAssistantClientFor(ctx.cloud(), spec.regionId),
      linux: () => cloudAssistantTargetFor({ ...spec, secretName }, ctx),
    }),
};
