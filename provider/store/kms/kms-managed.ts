import type { KmsSecretDescription } from "../../alicloud/kms-client";
import type { CloudApiError } from "../../alicloud/cloud-api-error";
import { ManagedSecretsError } from "../../core/errors";
import { MANAGED_SECRET_TYPES, type ManagedRecord, type ManagedSecretType } from "../secret-store";
import { isKmsCode, kmsRef, storeErrorFrom } from "./kms-errors";
import { isoFromKms } from "./kms-secret-meta";

/**
 * The secrets KMS rotates itself (SecretType ECS and RAMCredentials), as the
 * kms store reads and names them. What KMS answers about them is held to a
 * form before anything is decided on it: ExtendedConfig decides which
 * instance or RAM user a probe looks at.
 */

export const ECS_SECRET_PREFIX = "acs/ecs/";
export const RAM_AUTO_NAME = "$Auto";

/** The service roles KMS acts through (KMS's ECS secret and "Manage and use RAM secrets" pages). */
export const KMS_SERVICE_ROLES: Readonly<Record<ManagedSecretType, string>> = {
  ECS:
    "the service-linked role AliyunServiceRoleForKMSSecretsManagerForECS: create it with " +
    "`aliyun ram CreateServiceLinkedRole --ServiceName secretsmanager-ecs.kms.aliyuncs.com` (or let the KMS console create it with the first ECS secret)",
  RAMCredentials:
    "the RAM role AliyunKMSManageRAMCredentialsRole (older accounts: AliyunKMSManagedRAMCrendentialsRole): authorize KMS to manage AccessKeys in the KMS console, " +
    "or create a RAM role of that name trusted by kms.aliyuncs.com with ram:ListAccessKeys, ram:CreateAccessKey, ram:DeleteAccessKey and ram:UpdateAccessKey",
};

const SERVICE_ROLE_MISSING = "Forbidden.ServiceRoleNotExist";
const ROTATE_LIMIT = "Rejected.LimitExceeded";
/** While KMS rotates a secret it takes no other rotation or policy change (the RAM secrets page); the code is the emulator's. */
const ROTATING = "Rejected.Rotating";
/** RotateSecret: at most 50 per secret per hour (RotateSecret reference). */
export const KMS_ROTATIONS_PER_HOUR = 50;

const CONFIG_KEY = /^[A-Za-z][A-Za-z0-9]{0,31}$/;
const CONFIG_VALUE_MAX = 256;
const INTERVAL = /^(\d{1,12})([dhms])$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const AUTOMATIC = ["Enabled", "Disabled", "Invalid"] as const;

/** Whether ListSecrets or DescribeSecret named a type KMS rotates itself. */
export function isManagedType(secretType: string | undefined): boolean {
  return MANAGED_SECRET_TYPES.some((t) => t === secretType);
}

/** KMS's record of a secret it rotates, or undefined for a generic secret (or a type this version does not manage). */
export function managedRecord(d: KmsSecretDescription): ManagedRecord | undefined {
  const type = MANAGED_SECRET_TYPES.find((t) => t === d.secretType);
  if (type === undefined) return undefined;
  const unreadable = (field: string) =>
    new ManagedSecretsError("StoreUnreadable", `KMS answered a ${field} for secret "${d.secretName}" that is not of the form KMS documents; nothing was decided on it`, {
      secretName: d.secretName,
      property: field,
    });
  let config: unknown;
  try {
    config = JSON.parse(d.extendedConfig ?? "");
  } catch {
    throw unreadable("ExtendedConfig");
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw unreadable("ExtendedConfig");
  const extendedConfig: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== "string") continue; // CustomData (an object, anyone's who may UpdateSecret) is not KMS's record
    if (!CONFIG_KEY.test(key) || value.length > CONFIG_VALUE_MAX) throw unreadable("ExtendedConfig");
    extendedConfig[key] = value;
  }
  const automatic = AUTOMATIC.find((a) => a === (d.automaticRotation ?? "Disabled"));
  if (automatic === undefined) throw unreadable("AutomaticRotation");
  let interval: number | undefined;
  if (d.rotationInterval !== undefined) {
    const m = INTERVAL.exec(d.rotationInterval);
    if (!m) throw unreadable("RotationInterval");
    interval = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  }
  const time = (t: string | undefined) => (t !== undefined && !Number.isNaN(Date.parse(t)) ? isoFromKms(t) : undefined);
  const last = time(d.lastRotationDate);
  const next = time(d.nextRotationDate);
  return {
    secretType: type,
    extendedConfig,
    automaticRotation: automatic,
    ...(interval === undefined ? {} : { rotationIntervalSeconds: interval }),
    ...(last === undefined ? {} : { lastRotatedAt: last }),
    ...(next === undefined ? {} : { nextRotationAt: next }),
  };
}

/** RotationInterval as CreateSecret and UpdateSecretRotationPolicy take it. */
export function rotationInterval(seconds: number): string {
  return `${seconds}s`;
}

/** The product error for a refused CreateSecret of a type KMS rotates: a missing service role names the role and how to create it. */
export function managedCreateError(e: unknown, secretType: ManagedSecretType, name: string): unknown {
  if (isKmsCode(e, SERVICE_ROLE_MISSING)) {
    return new ManagedSecretsError(
      "CloudRejected",
      `KMS cannot rotate ${secretType} secrets in this account yet: it acts through ${KMS_SERVICE_ROLES[secretType]}; nothing was created (${kmsRef(e)})`,
      { secretName: name, property: "rotatedBy", cause: e },
    );
  }
  return storeErrorFrom(e, name);
}

/** The product error for a refused RotateSecret or UpdateSecretRotationPolicy. */
export function managedRotationError(e: unknown, name: string): unknown {
  if (isKmsCode(e, ROTATE_LIMIT)) {
    return new ManagedSecretsError(
      "CloudRejected",
      `KMS allows at most ${KMS_ROTATIONS_PER_HOUR} rotations of one secret per hour and secret "${name}" had them; nothing was rotated: try again within the hour (${kmsRef(e)})`,
      { secretName: name, cause: e },
    );
  }
  if (isKmsCode(e, ROTATING)) return rotatingError(name, e);
  return storeErrorFrom(e, name);
}

function rotatingError(name: string, e: CloudApiError): ManagedSecretsError {
  return new ManagedSecretsError(
    "LeaseHeld",
    `KMS is still rotating secret "${name}" (a RAM secret's rotation lasts its whole window) and takes no other rotation or rotation policy change until it ends; try again then (${kmsRef(e)})`,
    { secretName: name, cause: e },
  );
}
