import { ApiError } from "../../router/api-error";
import type { Principal } from "../../router/authenticate";
import { accessDeniedDetail } from "../../router/authorize";

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
export const KMS_LIST_VERSIONS_PAGE_SIZE = { min: 1, max: 100, default: 20 } as const;
export const STAGE_CURRENT = "ACSCurrent";
export const STAGE_PREVIOUS = "ACSPrevious";

/**
 * Codes and statuses from the KMS 2016-01-20 API reference error tables;
 * "Resource not found" and "secret in delete peroid" (sic) are the wordings
 * the live service returns.
 */
export const kmsErrors = {
  invalidParameter: (detail?: string) =>
    new ApiError(400, "InvalidParameter", `The specified parameter is not valid.${detail ? ` ${detail}` : ""}`),
  notFound: () => new ApiError(404, "Forbidden.ResourceNotFound", "Resource not found"),
  exists: () => new ApiError(409, "Rejected.ResourceExist", "The resource already exists."),
  inDeleteWindow: () => new ApiError(409, "Rejected.ResourceInDeleteWindow", "secret in delete peroid"),
  limitExceeded: (detail: string) => new ApiError(400, "Rejected.LimitExceeded", `The secret quota is exceeded. ${detail}`),
  noPermission: (principal: Principal, action: string) =>
    new ApiError(
      403,
      "Forbidden.NoPermission",
      "You are not authorized to perform the operation.",
      accessDeniedDetail(principal, `kms:${action}`),
    ),
  throttling: () => new ApiError(429, "Rejected.Throttling", "The QPS upper limit is exceeded."),
};
