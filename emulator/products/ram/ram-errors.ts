import { ApiError } from "../../router/api-error";
import type { Principal } from "../../router/authenticate";
import { accessDeniedDetail } from "../../router/authorize";

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
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
};
