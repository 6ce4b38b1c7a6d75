import { ApiError } from "../../gateway/api-error";
import type { Principal } from "../../gateway/principal";
import { accessDeniedDetail } from "../../gateway/authorize";

/** RAM's documented limits, named so tests and readers see where a rule comes from. */
export const MAX_ACCESS_KEYS_PER_USER = 2;
export const USER_NAME_MAX_LENGTH = 64;
export const USER_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
export const DISPLAY_NAME_MAX_LENGTH = 128;

/** Codes, statuses and messages from RAM's "Error messages" reference. */
export const ramErrors = {
  userNotFound: () => new ApiError(404, "EntityNotExist.User", "The user does not exist."),
  accessKeyNotFound: () => new ApiError(404, "EntityNotExist.User.AccessKey", "The user access key does not exist."),
  userExists: () => new ApiError(409, "EntityAlreadyExists.User", "The user does already EXIST."),
  accessKeyLimit: () =>
    new ApiError(
      409,
      "LimitExceeded.User.AccessKey",
      "The access key count of the user access keys beyond the current limits.",
    ),
  deleteConflictAccessKey: () =>
    new ApiError(
      409,
      "DeleteConflict.User.AccessKey",
      "The user CAN NOT has any access key while deleting the user.",
    ),
  userNameInvalidChars: () =>
    new ApiError(400, "InvalidParameter.UserName.InvalidChars", 'The parameter - "UserName" contains invalid chars.'),
  userNameLength: () =>
    new ApiError(400, "InvalidParameter.UserName.Length", 'The parameter - "UserName" beyond the length limit.'),
  displayNameLength: () =>
    new ApiError(400, "InvalidParameter.DisplayName.Length", 'The parameter - "DisplayName" beyond the length limit.'),
  statusFormat: () =>
    new ApiError(400, "InvalidParameter.Status.Format", 'The format of the parameter - "Status" is incorrect.'),
  noPermission: (principal: Principal, action: string) =>
    new ApiError(
      403,
      "NoPermission",
      `You are not authorized to do this action. Resource: acs:ram:*:${principal.accountId}:user/* Action: ram:${action}`,
      accessDeniedDetail(principal, `ram:${action}`),
    ),
  nameInvalidChars: (parameter: string) =>
    new ApiError(400, `InvalidParameter.${parameter}.InvalidChars`, `The parameter - "${parameter}" contains invalid chars.`),
  nameLength: (parameter: string) =>
    new ApiError(400, `InvalidParameter.${parameter}.Length`, `The parameter - "${parameter}" beyond the length limit.`),
  /** Wording not published for RAM's policy grammar check; the STS/OSS troubleshooting page quotes "has not passed grammar check". */
  malformedPolicy: (parameter: string, why?: string) =>
    new ApiError(400, "MalformedPolicyDocument", `The parameter ${parameter} has not passed grammar check.${why ? ` ${why}` : ""}`),
  policyExists: () => new ApiError(409, "EntityAlreadyExists.Policy", "The policy does already EXIST."),
  roleExists: () => new ApiError(409, "EntityAlreadyExists.Role", "The role does already EXIST."),
  policyNotFound: () => new ApiError(404, "EntityNotExist.Policy", "The policy does not exist."),
  roleNotFound: () => new ApiError(404, "EntityNotExist.Role", "The role does not exist."),
  policyAttached: (to: "User" | "Role") =>
    new ApiError(409, `EntityAlreadyExists.${to}.Policy`, `The policy has already been attached to the ${to.toLowerCase()}.`),
  policyNotAttached: (to: "User" | "Role") =>
    new ApiError(404, `EntityNotExist.${to}.Policy`, `The policy is not attached to the ${to.toLowerCase()}.`),
  policyTypeFormat: () =>
    new ApiError(400, "InvalidParameter.PolicyType.InvalidValue", 'The parameter - "PolicyType" must be Custom or System.'),
  maxSessionDuration: () =>
    new ApiError(400, "InvalidParameter.MaxSessionDuration", 'The parameter - "MaxSessionDuration" must be 3600 to 43200.'),
  /** CreateServiceLinkedRole for a service the emulator does not know; code and wording ours (RAM's table was not found). */
  serviceNameUnknown: (serviceName: string) =>
    new ApiError(400, "InvalidParameter.ServiceName", `The emulator knows no service-linked role for service ${serviceName}.`),
  customSuffixUnsupported: () => new ApiError(400, "InvalidParameter.CustomSuffix", "CustomSuffix is not emulated; call without it."),
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
};
