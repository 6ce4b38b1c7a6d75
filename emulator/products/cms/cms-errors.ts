import { ApiError } from "../../gateway/api-error";
import type { Principal } from "../../gateway/principal";
import { accessDeniedDetail } from "../../gateway/authorize";

/**
 * CloudMonitor's answers. Its references publish few error tables; where
 * they are silent the code and wording are ours (said at each one).
 */
export const cmsErrors = {
  noPermission: (principal: Principal, action: string) =>
    new ApiError(403, "NoPermission", `You are not authorized to do this action. Action: cms:${action}`, accessDeniedDetail(principal, `cms:${action}`)),
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
  invalid: (message: string) => new ApiError(400, "InvalidParameter", message),
  /** Not documented for PutEventRuleTargets; ours. */
  ruleNotFound: (ruleName: string) => new ApiError(404, "ResourceNotFound", `The event rule ${ruleName} does not exist.`),
  /** A parameter the emulator does not evaluate: refused, never silently ignored. */
  notEmulated: (parameter: string) => new ApiError(400, "InvalidParameter", `${parameter} is not emulated; call without it.`),
};

/** What a successful CloudMonitor write answers (Code is a string "200"). */
export const CMS_OK = { Code: "200", Message: "", Success: true } as const;

/** EffectiveInterval and rule times are read in China Standard Time: the references give no zone, and the console shows the account's (CST for these tests). */
export const CMS_UTC_OFFSET_MINUTES = 8 * 60;
