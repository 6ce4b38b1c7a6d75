import { ApiError } from "../../gateway/api-error";
import type { Principal } from "../../gateway/principal";
import { accessDeniedDetail } from "../../gateway/authorize";

/** Secrets Manager limits for generic secrets, from the KMS API reference. */
export const KMS_MAX_VERSIONS = 10;
export const KMS_MAX_STAGES = 8;
export const KMS_MAX_TAGS = 20;
/** TagResources: keys and values up to 128 characters of letters, digits and / \ _ - . + = : @. */
export const KMS_TAG_TEXT_MAX_LENGTH = 128;
export const KMS_TAG_TEXT_PATTERN = /^[A-Za-z0-9/\\_.+=:@-]*$/;
export const KMS_SECRET_NAME_MAX_LENGTH = 192;
export const KMS_SECRET_NAME_PATTERN = /^[A-Za-z0-9_/+=.@-]+$/;
export const KMS_VERSION_ID_MAX_LENGTH = 64;
export const KMS_SECRET_DATA_MAX_BYTES = 30 * 1024;
export const KMS_DESCRIPTION_MAX_LENGTH = 1024;
export const KMS_RECOVERY_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
export const KMS_LIST_SECRETS_PAGE_SIZE = { min: 1, max: 100, default: 10 } as const;
/** ListSecrets with a TagKey or TagValue filter returns at most this many secrets (ListSecrets reference). */
export const KMS_LIST_SECRETS_TAG_FILTER_MAX = 4000;
export const KMS_LIST_VERSIONS_PAGE_SIZE = { min: 1, max: 100, default: 20 } as const;
/** RotateSecret: "a secret ... can be rotated for a maximum of 50 times per hour" (RotateSecret reference). */
export const KMS_ROTATE_SECRET_PER_HOUR = 50;
export const STAGE_CURRENT = "ACSCurrent";
export const STAGE_PREVIOUS = "ACSPrevious";

/** KMS writes PlannedDeleteTime in China Standard Time with nanoseconds: 2020-02-21T23:36:07.713703651+08:00. */
const KMS_PLANNED_DELETE_UTC_OFFSET_MINUTES = 8 * 60;

/** A time as KMS writes PlannedDeleteTime, so every reader of it meets the real shape. */
export function kmsPlannedDeleteTime(at: Date): string {
  const shifted = new Date(at.getTime() + KMS_PLANNED_DELETE_UTC_OFFSET_MINUTES * 60_000).toISOString();
  const sign = KMS_PLANNED_DELETE_UTC_OFFSET_MINUTES >= 0 ? "+" : "-";
  const abs = Math.abs(KMS_PLANNED_DELETE_UTC_OFFSET_MINUTES);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  // Our clock has milliseconds; KMS shows nanoseconds.
  return `${shifted.slice(0, 23)}000000${offset}`;
}

/**
 * Codes, statuses and messages from the KMS 2016-01-20 API reference error
 * tables (DeleteSecret, DescribeSecret, GetSecretValue).
 */
export const kmsErrors = {
  invalidParameter: (detail?: string) =>
    new ApiError(400, "InvalidParameter", `The specified parameter is not valid.${detail ? ` ${detail}` : ""}`),
  notFound: () => new ApiError(404, "Forbidden.ResourceNotFound", "The resource is not found."),
  exists: () => new ApiError(409, "Rejected.ResourceExist", "The resource already exists."),
  inDeleteWindow: () => new ApiError(409, "Rejected.ResourceInDeleteWindow", "The secret is planned to be deleted."),
  limitExceeded: (detail: string) => new ApiError(400, "Rejected.LimitExceeded", `The secret quota is exceeded. ${detail}`),
  noPermission: (principal: Principal, action: string) =>
    new ApiError(
      403,
      "Forbidden.NoPermission",
      "You are not authorized to perform the operation.",
      accessDeniedDetail(principal, `kms:${action}`),
    ),
  /** Worded as KMS's performance-data page shows the throttled answer. */
  throttling: () => new ApiError(429, "Rejected.Throttling", "QPS Limit Exceeded"),
  /** CreateSecret reference (help.aliyun.com/zh/kms/key-management-service/developer-reference/api-createsecret). */
  missingParameter: () => new ApiError(400, "MissingParameter", "The parameter needed but no provided."),
  instanceNotFound: () => new ApiError(403, "Forbidden.DKMSInstanceNotFound", "The specified DKMS Instance is not found."),
  /** KMS's wording for an unknown key elsewhere in its reference; what CreateSecret says for a key of another instance is not documented. */
  keyNotFound: () => new ApiError(404, "Forbidden.KeyNotFound", "The specified Key is not found."),
  /**
   * The service role a managed type needs is missing. KMS's references
   * publish no code for it: the code and wording are ours, naming the role
   * and how to create it.
   */
  serviceRoleMissing: (secretType: string, roles: string, howToCreate: string) =>
    new ApiError(403, "Forbidden.ServiceRoleNotExist", `${secretType} secrets need the service role ${roles}, which this account does not have. ${howToCreate}`),
  /** Undocumented codes for KMS's managed types; ours, each naming what is not allowed. */
  unsupportedForType: (action: string, secretType: string) =>
    new ApiError(400, "UnsupportedOperation", `${action} is not supported for ${secretType} secrets.`),
  rotating: () => new ApiError(409, "Rejected.Rotating", "The secret is being rotated; wait for the rotation to finish."),
  rotateLimit: () =>
    new ApiError(400, "Rejected.LimitExceeded", `RotateSecret is limited to ${KMS_ROTATE_SECRET_PER_HOUR} rotations per secret per hour.`),
};
