import type { EmulatorStateData } from "../state/state-types";
import type { AuthRequest } from "./policy";

/**
 * What each call is authorized against, per the products' RAM authorization
 * tables: the action, the resource ARN it names, and the dependent actions a
 * call also needs. Kept in the router so product modules stay free of
 * authorization, as the real products are (RAM decides before they run).
 *
 * - KMS ("Use RAM to control access to KMS resources", doc-detail/28953):
 *   secret acs:kms:${region}:${account}:secret/${secret-name}; key
 *   acs:kms:${region}:${account}:key/${key-id}; ListSecrets on the secret
 *   container acs:kms:${region}:${account}:secret. A secret encrypted with a
 *   key of a KMS instance needs kms:Decrypt on that key to be read and
 *   kms:GenerateDataKey to be written (issue 19; envelope encryption). The
 *   key actions (DescribeKey, ListKeyVersions, GetPublicKey, AsymmetricSign,
 *   AsymmetricVerify) on the ARN of the key they name (KeyId: an id or an
 *   ARN); CreateKey on the key container acs:kms:${region}:${account}:key.
 * - RAM: users acs:ram:*:${account}:user/${name}, roles
 *   acs:ram:*:${account}:role/${name}, policies acs:ram:*:${account}:policy/${name}.
 * - STS: AssumeRole on the role's ARN (acs:ram::${account}:role/${name});
 *   GetCallerIdentity needs no authorization at all.
 * - ECS RunCommand on each target instance acs:ecs:${region}:${account}:instance/${id}
 *   and on the command it creates, acs:ecs:${region}:${account}:command/*.
 *   The command resource is as issue 26 reads the ECS authorization table;
 *   what was checked here is KMS's own service-linked role
 *   (AliyunServiceRolePolicyForKMSSecretsManagerForECS), which is granted
 *   both acs:ecs:*:*:instance/* and acs:ecs:*:*:command/cmd-ACS-KMS-RotateECSSecret*
 *   for its Cloud Assistant calls. Other ECS calls and anything not listed:
 *   no resource-level authorization ("*").
 */

/** Actions every authenticated caller may call: their reference pages say "no authorization for this operation". */
export const NO_AUTHORIZATION_ACTIONS: ReadonlySet<string> = new Set(["sts:GetCallerIdentity"]);

const KMS_SECRET_ACTIONS = new Set([
  "CreateSecret",
  "GetSecretValue",
  "PutSecretValue",
  "UpdateSecretVersionStage",
  "DescribeSecret",
  "ListSecretVersionIds",
  "UpdateSecret",
  "DeleteSecret",
  "RestoreSecret",
  "TagResource",
  "UntagResource",
  "RotateSecret",
  "UpdateSecretRotationPolicy",
]);

const KMS_KEY_ACTIONS = new Set(["DescribeKey", "ListKeyVersions", "GetPublicKey", "AsymmetricSign", "AsymmetricVerify"]);

const RAM_USER_ACTIONS = new Set([
  "CreateUser",
  "GetUser",
  "DeleteUser",
  "CreateAccessKey",
  "DeleteAccessKey",
  "ListAccessKeys",
  "UpdateAccessKey",
  "GetAccessKeyLastUsed",
  "AttachPolicyToUser",
]);

export interface CallForAuth {
  /** RAM namespace of the product ("kms"). */
  readonly namespace: string;
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  readonly state: EmulatorStateData;
  readonly regionId: string;
  /** Key-management calls without UserName act on the caller's own user. */
  readonly callerUserName?: string;
}

const kmsSecretArn = (region: string, account: string, name: string) => `acs:kms:${region}:${account}:secret/${name}`;
const kmsKeyArn = (region: string, account: string, keyId: string) => `acs:kms:${region}:${account}:key/${keyId}`;
const ramUserArn = (account: string, name: string) => `acs:ram:*:${account}:user/${name}`;

/** Every (action, resource) pair the call must be allowed, the call's own first. */
export function authRequests(call: CallForAuth): AuthRequest[] {
  const { namespace, action, params, state, regionId } = call;
  const account = state.accountId;
  const own = `${namespace}:${action}`;
  if (namespace === "kms") {
    if (action === "ListSecrets") return [{ action: own, resource: `acs:kms:${regionId}:${account}:secret` }];
    if (action === "CreateKey") return [{ action: own, resource: `acs:kms:${regionId}:${account}:key` }];
    if (KMS_KEY_ACTIONS.has(action)) {
      const keyId = /^acs:kms:[^:]*:[^:]*:key\/(.+)$/.exec(params.KeyId ?? "")?.[1] ?? params.KeyId ?? "";
      return [{ action: own, resource: kmsKeyArn(regionId, account, keyId) }];
    }
    if (!KMS_SECRET_ACTIONS.has(action)) return [{ action: own, resource: "*" }];
    const name = params.SecretName ?? "";
    const requests: AuthRequest[] = [{ action: own, resource: kmsSecretArn(regionId, account, name) }];
    const keyId = action === "CreateSecret" ? params.EncryptionKeyId : state.secrets[name]?.encryptionKeyId;
    if (keyId && action === "GetSecretValue") requests.push({ action: "kms:Decrypt", resource: kmsKeyArn(regionId, account, keyId) });
    if (keyId && (action === "PutSecretValue" || action === "CreateSecret")) {
      requests.push({ action: "kms:GenerateDataKey", resource: kmsKeyArn(regionId, account, keyId) });
    }
    return requests;
  }
  if (namespace === "ram") {
    if (RAM_USER_ACTIONS.has(action)) {
      const user = params.UserName || call.callerUserName || "";
      return [{ action: own, resource: ramUserArn(account, user) }];
    }
    if (action === "CreateRole" || action === "AttachPolicyToRole" || action === "GetRole") {
      return [{ action: own, resource: `acs:ram:*:${account}:role/${params.RoleName ?? ""}` }];
    }
    if (action === "CreatePolicy" || action === "GetPolicy") {
      return [{ action: own, resource: `acs:ram:*:${account}:policy/${params.PolicyName ?? ""}` }];
    }
    return [{ action: own, resource: "*" }];
  }
  if (namespace === "sts" && action === "AssumeRole") return [{ action: own, resource: params.RoleArn ?? "" }];
  if (namespace === "ecs" && action === "RunCommand") {
    // Every instance the command targets must be allowed (InstanceId.N).
    const ids = Object.keys(params).filter((k) => /^InstanceId\.\d+$/.test(k)).map((k) => params[k] ?? "");
    const instances = (ids.length > 0 ? ids : [""]).map((id) => ({ action: own, resource: `acs:ecs:${regionId}:${account}:instance/${id}` }));
    return [...instances, { action: own, resource: `acs:ecs:${regionId}:${account}:command/*` }];
  }
  return [{ action: own, resource: "*" }];
}
