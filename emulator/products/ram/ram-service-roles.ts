import type { EmulatorState } from "../../state/emulator-state";
import type { RoleRecord } from "../../state/state-types";
import { optional } from "../../gateway/params";
import type { ActionSpec } from "../../gateway/product";
import { createRole } from "./ram-policies";
import { ramErrors } from "./ram-errors";

/**
 * Roles services act through. The emulator knows the ones KMS's managed
 * secrets need (from the RAM system-policy pages and KMS's "Manage and use RAM
 * secrets"):
 * - the service-linked role AliyunServiceRoleForKMSSecretsManagerForECS, of
 *   service secretsmanager-ecs.kms.aliyuncs.com (CreateServiceLinkedRole);
 * - KMS's RAM-credentials role, which the docs name both
 *   AliyunKMSManagedRAMCrendentialsRole (sic, the older pages, a role you
 *   create, trusted by kms.aliyuncs.com) and AliyunKMSManageRAMCredentialsRole
 *   (the newer pages, created by the console's authorization); the page says
 *   KMS works with either, so either name counts.
 */
export const KMS_ECS_SERVICE_NAME = "secretsmanager-ecs.kms.aliyuncs.com";
export const KMS_ECS_SERVICE_LINKED_ROLE = "AliyunServiceRoleForKMSSecretsManagerForECS";
export const KMS_RAM_CREDENTIALS_ROLES = ["AliyunKMSManageRAMCredentialsRole", "AliyunKMSManagedRAMCrendentialsRole"] as const;
/** The principal KMS's RAM-credentials role trusts. */
export const KMS_SERVICE_PRINCIPAL = "kms.aliyuncs.com";

const SERVICE_LINKED_ROLES: Readonly<Record<string, string>> = { [KMS_ECS_SERVICE_NAME]: KMS_ECS_SERVICE_LINKED_ROLE };

function trustPolicy(service: string): string {
  return JSON.stringify({ Version: "1", Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: [service] } }] });
}

export function hasRole(state: EmulatorState, roleName: string): boolean {
  return state.data.roles?.[roleName] !== undefined;
}

/** A known service's linked role, created once (a second call answers the existing one, as the console does). */
export function createServiceLinkedRole(state: EmulatorState, serviceName: string, now: Date): RoleRecord {
  const roleName = SERVICE_LINKED_ROLES[serviceName];
  if (roleName === undefined) throw ramErrors.serviceNameUnknown(serviceName);
  return state.data.roles?.[roleName] ?? createRole(state, { roleName, assumeRolePolicyDocument: trustPolicy(serviceName), description: `Service linked role of ${serviceName}` }, now);
}

/** KMS's RAM-credentials service role, under either documented name. */
export function createKmsRamCredentialsRole(state: EmulatorState, roleName: (typeof KMS_RAM_CREDENTIALS_ROLES)[number], now: Date): RoleRecord {
  return state.data.roles?.[roleName] ?? createRole(state, { roleName, assumeRolePolicyDocument: trustPolicy(KMS_SERVICE_PRINCIPAL), description: "KMS manages RAM users' AccessKeys (RAM secrets)" }, now);
}

export const createServiceLinkedRoleAction: ActionSpec = {
  required: ["ServiceName"],
  handle(ctx) {
    if (optional(ctx.params, "CustomSuffix") !== undefined) throw ramErrors.customSuffixUnsupported();
    const role = createServiceLinkedRole(ctx.state, ctx.params.ServiceName ?? "", ctx.now);
    return {
      Role: {
        RoleId: role.roleId,
        RoleName: role.roleName,
        Arn: role.arn,
        Description: role.description,
        AssumeRolePolicyDocument: role.assumeRolePolicyDocument,
        CreateDate: role.createDate,
        IsServiceLinkedRole: true,
        RolePrincipalName: ctx.params.ServiceName,
      },
    };
  },
};
