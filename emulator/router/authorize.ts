import type { ProductSpec } from "../products/product";
import type { Principal } from "./authenticate";

/**
 * The emulator's deliberately small authorization model (no RAM policies):
 * the account's own keys and users flagged admin may call everything; any
 * other RAM user may call only what is listed here. Known difference from the
 * real service, documented in emulator/README.md.
 */
export const NON_ADMIN_ACTIONS: ReadonlySet<string> = new Set(["sts:GetCallerIdentity"]);

export function isAllowed(product: ProductSpec, action: string, principal: Principal): boolean {
  if (principal.kind === "root" || principal.admin) return true;
  return NON_ADMIN_ACTIONS.has(`${product.ramNamespace}:${action}`);
}

export function authorize(product: ProductSpec, action: string, principal: Principal): void {
  if (!isAllowed(product, action, principal)) throw product.noPermission(principal, action);
}

/** The AccessDeniedDetail object the gateway attaches to 403s; the SDK exposes it as `accessDeniedDetail`. */
export function accessDeniedDetail(principal: Principal, authAction: string): Record<string, string> {
  return {
    AuthAction: authAction,
    AuthPrincipalType: principal.kind === "root" ? "Account" : "SubUser",
    AuthPrincipalOwnerId: principal.accountId,
    AuthPrincipalDisplayName: principal.kind === "root" ? principal.accountId : principal.userName,
    PolicyType: "AccountLevelIdentityBasedPolicy",
    NoPermissionType: "ImplicitDeny",
    EncodedDiagnosticMessage: "",
  };
}
