import type { KeyAlgorithm } from "../../credentials/generate-key-pair";
import type { StoredTargetFields } from "../../rotation/stored-target-fields";
import type { TargetFacts } from "../../rotation/target-kind";
import { CREDENTIAL_TYPES, INSTANCE_ID_FORM, POSIX_USER_FORM, isInstanceId, isPosixUser, type CredentialType } from "../../validation/ecs-fields";

/** What every ECS target is, whichever way it is reached: whose credential, on which instance, of which type. */
export interface EcsTargetFields {
  readonly instanceId: string;
  readonly managedUser: string;
  readonly credentialType: CredentialType;
  readonly keyAlgorithm: KeyAlgorithm;
}

export const KEY_ALGORITHMS = ["rsa-2048", "ed25519"] as const satisfies readonly KeyAlgorithm[];

/** The metadata value of the `kind` key for every ECS secret. */
export const ECS_KIND = "ecs";

export const ECS_FIELD_KEYS = ["instanceId", "managedUser", "credentialType", "keyAlgorithm"] as const;

export function readEcsFields(r: StoredTargetFields): EcsTargetFields {
  return {
    instanceId: r.required("instanceId", isInstanceId, INSTANCE_ID_FORM),
    managedUser: r.required("managedUser", isPosixUser, POSIX_USER_FORM),
    // Stores written before these keys existed held passwords with RSA keys.
    credentialType: r.oneOf("credentialType", CREDENTIAL_TYPES, "password"),
    keyAlgorithm: r.oneOf("keyAlgorithm", KEY_ALGORITHMS, "rsa-2048"),
  };
}

export function ecsFieldsMetadata(f: EcsTargetFields): Record<string, string> {
  return { kind: ECS_KIND, instanceId: f.instanceId, managedUser: f.managedUser, credentialType: f.credentialType, keyAlgorithm: f.keyAlgorithm };
}

/** One per instance user and credential type, whichever transport reaches it (TargetKind.credentialKey). */
export function ecsCredentialKey(f: EcsTargetFields): string {
  return `ecs:${f.instanceId}:${f.managedUser}:${f.credentialType}`;
}

/** What callers say of an ECS target; `where` is how it is reached, e.g. "10.0.0.5:22" or "Cloud Assistant, cn-hangzhou". */
export function ecsFacts(f: EcsTargetFields, where: string): TargetFacts {
  return {
    family: ECS_KIND,
    subject: `${f.instanceId}/${f.managedUser}`,
    description: `${f.credentialType} ${f.managedUser}@${f.instanceId} (${where})`,
    // Users of one instance share its sshd and PAM: one rotation per instance at a time.
    failureDomain: f.instanceId,
    instanceId: f.instanceId,
  };
}
