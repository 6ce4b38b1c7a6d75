import { ApiError } from "../../router/api-error";
import type { Principal } from "../../router/authenticate";
import { accessDeniedDetail } from "../../router/authorize";
import type { ProductSpec } from "../product";

/**
 * GetCallerIdentity answers who signed the call. For the account itself the
 * service reports IdentityType "Account" with the account id as user and
 * principal; for a RAM user, "RAMUser" with the user's id and ARN.
 */
function identity(principal: Principal) {
  if (principal.kind === "root") {
    return {
      IdentityType: "Account",
      AccountId: principal.accountId,
      UserId: principal.accountId,
      PrincipalId: principal.accountId,
      Arn: `acs:ram::${principal.accountId}:root`,
    };
  }
  return {
    IdentityType: "RAMUser",
    AccountId: principal.accountId,
    UserId: principal.userId,
    PrincipalId: principal.userId,
    Arn: `acs:ram::${principal.accountId}:user/${principal.userName}`,
  };
}

export const stsProduct: ProductSpec = {
  code: "Sts",
  ramNamespace: "sts",
  version: "2015-04-01",
  hostId: () => "sts.aliyuncs.com",
  noPermission: (principal, action) =>
    new ApiError(
      403,
      "NoPermission",
      `You are not authorized to do this action. Action: sts:${action}`,
      accessDeniedDetail(principal, `sts:${action}`),
    ),
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
  actions: {
    GetCallerIdentity: {
      handle: (ctx) => identity(ctx.principal),
    },
  },
};
