import { isoSeconds } from "../../core/clock";
import { boolean, json, optional } from "../../gateway/params";
import type { ActionContext } from "../../gateway/product";
import type { SecretRotationRecord, SecretType } from "../../state/state-types";
import { keysOf } from "../ram/ram";
import { KMS_ECS_SERVICE_LINKED_ROLE, KMS_ECS_SERVICE_NAME, KMS_RAM_CREDENTIALS_ROLES, hasRole } from "../ram/ram-service-roles";
import { kmsErrors } from "./kms-errors";
import { ramSecretValue } from "./kms-managed-values";
import { rotationIntervalSeconds } from "./kms-rotation-schedule";
import * as validate from "./kms-validate";

/**
 * CreateSecret for the types KMS rotates itself, per the CreateSecret
 * reference (SecretName, SecretData, ExtendedConfig by SecretType) and KMS's
 * "Manage and use RAM secrets" / ECS secret pages:
 * - ECS: name under acs/ecs/; ExtendedConfig {SecretSubType Password|SSHKey,
 *   RegionId, InstanceId, CustomData}; SecretData {UserName, Password} or
 *   {UserName, PublicKey, PrivateKey}; key pairs only on Linux instances. The
 *   value is not checked against the instance: KMS replaces an invalid one at
 *   the first rotation. Needs the service-linked role.
 * - RAMCredentials: SecretName $Auto (KMS names it acs/ram/user/<display name>);
 *   ExtendedConfig {SecretSubType RamUserAccessKey, UserName, CustomData};
 *   SecretData {AccessKeys:[{AccessKeyId, AccessKeySecret}]} listing every key
 *   the user has ("you must enter all of the RAM user's AccessKeys"). Needs
 *   KMS's RAM-credentials role.
 * Both: SecretDataType text only; EnableAutomaticRotation with RotationInterval.
 */

export const ECS_NAME_PREFIX = "acs/ecs/";
export const RAM_NAME_PREFIX = "acs/ram/user/";
export const RAM_AUTO_NAME = "$Auto";
/** The public commands KMS invokes (read back in ExtendedConfig.CommandId). The Linux one is in KMS's docs and Terraform's; the Windows name is ours, by analogy. */
export const ECS_ROTATE_COMMAND = { linux: "cmd-ACS-KMS-RotateECSSecret-For-Linux.sh", windows: "cmd-ACS-KMS-RotateECSSecret-For-Windows.ps1" } as const;

const LINUX_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
/** Windows local account names: at most 20 characters, none of " / \ [ ] : ; | = , + * ? < > @ or blanks. */
const WINDOWS_USER = /^[^"/\\[\]:;|=,+*?<>@\s]{1,20}$/;

export interface ManagedCreation {
  secretName: string;
  secretType: Exclude<SecretType, "Generic">;
  initialData: string;
  extendedConfig: Record<string, unknown>;
  rotation: SecretRotationRecord;
}

type Json = Record<string, unknown>;

function objectParam(ctx: ActionContext, name: string): Json {
  const parsed = json(ctx.params, name, () => kmsErrors.invalidParameter(`${name} must be a JSON object.`));
  if (parsed === undefined) throw kmsErrors.invalidParameter(`${name} is mandatory for this secret type.`);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw kmsErrors.invalidParameter(`${name} must be a JSON object.`);
  return parsed as Json;
}

function text(o: Json, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw kmsErrors.invalidParameter(`${where}.${key} must be a non-empty string.`);
  return v;
}

function onlyKeys(o: Json, allowed: readonly string[], where: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw kmsErrors.invalidParameter(`${where} takes ${allowed.join(", ")}; not ${extra.join(", ")}.`);
}

function customData(config: Json): Json {
  const c = config.CustomData ?? {};
  if (c === null || typeof c !== "object" || Array.isArray(c)) throw kmsErrors.invalidParameter("ExtendedConfig.CustomData must be a JSON object.");
  return c as Json;
}

/** EnableAutomaticRotation and RotationInterval; the interval is required to enable it and checked whenever given. */
export function rotationSettings(ctx: ActionContext): Pick<SecretRotationRecord, "automatic" | "intervalSeconds"> {
  const automatic = boolean(ctx.params, "EnableAutomaticRotation", () => kmsErrors.invalidParameter("EnableAutomaticRotation must be true or false."));
  const raw = optional(ctx.params, "RotationInterval");
  if (automatic && raw === undefined) throw kmsErrors.invalidParameter("RotationInterval is required when EnableAutomaticRotation is true.");
  return { automatic, ...(raw === undefined ? {} : { intervalSeconds: rotationIntervalSeconds(raw) }) };
}

function ecsCreation(ctx: ActionContext, rawName: string): Omit<ManagedCreation, "rotation"> {
  const secretName = validate.managedSecretName(rawName, ECS_NAME_PREFIX);
  const config = objectParam(ctx, "ExtendedConfig");
  onlyKeys(config, ["SecretSubType", "RegionId", "InstanceId", "CustomData", "CommandId"], "ExtendedConfig");
  const subType = text(config, "SecretSubType", "ExtendedConfig");
  if (subType !== "Password" && subType !== "SSHKey") throw kmsErrors.invalidParameter("ExtendedConfig.SecretSubType must be Password or SSHKey for ECS secrets.");
  const regionId = text(config, "RegionId", "ExtendedConfig");
  const instanceId = text(config, "InstanceId", "ExtendedConfig");
  const instance = ctx.state.data.instances[instanceId];
  if (!instance || instance.regionId !== regionId) {
    throw kmsErrors.invalidParameter(`ExtendedConfig: no ECS instance ${instanceId} in region ${regionId}.`);
  }
  if (subType === "SSHKey" && instance.osType === "windows") {
    throw kmsErrors.invalidParameter(`ExtendedConfig.SecretSubType SSHKey is for Linux instances; ${instanceId} runs Windows (use Password).`);
  }
  const commandId = ECS_ROTATE_COMMAND[instance.osType];
  if (config.CommandId !== undefined && config.CommandId !== commandId) throw kmsErrors.invalidParameter(`ExtendedConfig.CommandId is set by KMS (${commandId}).`);
  const data = ecsData(ctx, subType, instance.osType);
  if (!hasRole(ctx.state, KMS_ECS_SERVICE_LINKED_ROLE)) {
    throw kmsErrors.serviceRoleMissing("ECS", KMS_ECS_SERVICE_LINKED_ROLE, `Create it with RAM CreateServiceLinkedRole (ServiceName ${KMS_ECS_SERVICE_NAME}).`);
  }
  return {
    secretName,
    secretType: "ECS",
    initialData: data,
    extendedConfig: { SecretSubType: subType, RegionId: regionId, InstanceId: instanceId, CustomData: customData(config), CommandId: commandId },
  };
}

function ecsData(ctx: ActionContext, subType: string, osType: "linux" | "windows"): string {
  const raw = ctx.params.SecretData ?? "";
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw kmsErrors.invalidParameter("SecretData of an ECS secret must be JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw kmsErrors.invalidParameter("SecretData of an ECS secret must be a JSON object.");
  const keys = subType === "Password" ? ["UserName", "Password"] : ["UserName", "PublicKey", "PrivateKey"];
  const o = value as Json;
  onlyKeys(o, keys, "SecretData");
  for (const k of keys) text(o, k, "SecretData");
  if (!(osType === "linux" ? LINUX_USER : WINDOWS_USER).test(String(o.UserName))) {
    throw kmsErrors.invalidParameter(`SecretData.UserName is not a valid ${osType === "linux" ? "Linux" : "Windows"} account name.`);
  }
  return raw;
}

function ramCreation(ctx: ActionContext, rawName: string): Omit<ManagedCreation, "rotation"> {
  if (rawName !== RAM_AUTO_NAME) throw kmsErrors.invalidParameter(`SecretName must be ${RAM_AUTO_NAME} for RAMCredentials secrets: KMS names them ${RAM_NAME_PREFIX}<user>.`);
  const config = objectParam(ctx, "ExtendedConfig");
  onlyKeys(config, ["SecretSubType", "UserName", "CustomData"], "ExtendedConfig");
  if (config.SecretSubType !== "RamUserAccessKey") throw kmsErrors.invalidParameter("ExtendedConfig.SecretSubType must be RamUserAccessKey for RAMCredentials secrets.");
  const userName = text(config, "UserName", "ExtendedConfig");
  const user = ctx.state.data.users[userName];
  if (!user) throw kmsErrors.invalidParameter(`ExtendedConfig.UserName: RAM user ${userName} does not exist.`);
  const keys = keysOf(ctx.state, { kind: "user", userName });
  const listed = listedKeys(ctx);
  const have = keys.map((k) => k.accessKeyId);
  const missing = have.filter((id) => !listed.some((l) => l.AccessKeyId === id));
  const unknown = listed.filter((l) => !have.includes(l.AccessKeyId));
  if (have.length === 0) throw kmsErrors.invalidParameter(`RAM user ${userName} has no AccessKey; KMS manages a user that has at least one.`);
  if (missing.length > 0 || unknown.length > 0 || listed.length !== have.length) {
    throw kmsErrors.invalidParameter(`SecretData.AccessKeys must list every AccessKey of RAM user ${userName}, each once: it has ${have.join(", ")}.`);
  }
  if (!KMS_RAM_CREDENTIALS_ROLES.some((r) => hasRole(ctx.state, r))) {
    throw kmsErrors.serviceRoleMissing("RAMCredentials", KMS_RAM_CREDENTIALS_ROLES.join(" (or ") + ")", "Authorize KMS to manage AccessKeys (the KMS console creates it), or create a RAM role of that name trusted by kms.aliyuncs.com.");
  }
  // The name holds the user's display name (CreateSecret reference); one that is not a valid secret name falls back to the user name (ours: the docs do not say).
  const display = `${RAM_NAME_PREFIX}${user.displayName}`;
  const secretName = validNameOr(display, `${RAM_NAME_PREFIX}${userName}`);
  // What readers get is one key in KMS's RAM value shape: the newest the user has (our choice; the docs show only the read shape).
  const newest = keys[keys.length - 1]!;
  const secret = listed.find((l) => l.AccessKeyId === newest.accessKeyId)!.AccessKeySecret;
  return {
    secretName,
    secretType: "RAMCredentials",
    initialData: ramSecretValue(newest.accessKeyId, secret, new Date(newest.createDate)),
    extendedConfig: { SecretSubType: "RamUserAccessKey", UserName: userName, CustomData: customData(config) },
  };
}

function validNameOr(name: string, fallback: string): string {
  try {
    return validate.managedSecretName(name, RAM_NAME_PREFIX);
  } catch {
    return fallback;
  }
}

function listedKeys(ctx: ActionContext): Array<{ AccessKeyId: string; AccessKeySecret: string }> {
  let value: unknown;
  try {
    value = JSON.parse(ctx.params.SecretData ?? "");
  } catch {
    throw kmsErrors.invalidParameter('SecretData of a RAMCredentials secret must be {"AccessKeys":[{"AccessKeyId","AccessKeySecret"}]}.');
  }
  const list = (value as { AccessKeys?: unknown } | null)?.AccessKeys;
  const wellFormed =
    Array.isArray(list) &&
    Object.keys(value as object).length === 1 &&
    list.every((k: unknown) => {
      const key = k as Json | null;
      return key !== null && typeof key === "object" && typeof key.AccessKeyId === "string" && typeof key.AccessKeySecret === "string" && key.AccessKeySecret !== "" && Object.keys(key).length === 2;
    });
  if (!wellFormed) throw kmsErrors.invalidParameter('SecretData of a RAMCredentials secret must be {"AccessKeys":[{"AccessKeyId","AccessKeySecret"}]}.');
  return list as Array<{ AccessKeyId: string; AccessKeySecret: string }>;
}

/** Everything a managed CreateSecret takes, checked before anything is created. */
export function managedCreation(ctx: ActionContext, secretType: Exclude<SecretType, "Generic">, rawName: string): ManagedCreation {
  const rotation = rotationSettings(ctx);
  const made = secretType === "ECS" ? ecsCreation(ctx, rawName) : ramCreation(ctx, rawName);
  return { ...made, rotation: { ...rotation, rotationBase: isoSeconds(ctx.now), recentCalls: [] } };
}
