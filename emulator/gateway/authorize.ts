import type { ProductSpec } from "./product";
import type { EmulatorState } from "../state/emulator-state";
import { ApiError } from "./api-error";
import { authRequests, NO_AUTHORIZATION_ACTIONS } from "./auth-resources";
import type { Principal } from "./principal";
import { evaluate, parsePolicy, type AuthRequest, type Decision, type ParsedPolicy } from "./policy";

/**
 * RAM authorization as the gateway applies it before a product sees a call:
 * the account itself may do everything; users flagged admin too (the
 * emulator's stand-in for AdministratorAccess, so existing sandboxes keep
 * working); every other RAM user and every assumed role only what the custom
 * policies attached to it allow, with an explicit Deny winning. A call with
 * dependent actions (reading a secret encrypted with an instance key) needs
 * each of them allowed.
 */

export interface AuthorizeCall {
  readonly params: Readonly<Record<string, string>>;
  readonly state: EmulatorState;
  readonly regionId: string;
}

function attachedPolicies(principal: Principal, state: EmulatorState): ParsedPolicy[] {
  const data = state.data;
  const names =
    principal.kind === "user"
      ? (data.users[principal.userName]?.policies ?? [])
      : principal.kind === "role"
        ? (data.roles?.[principal.roleName]?.policies ?? [])
        : [];
  // Documents were validated at CreatePolicy; a hand-edited state file with a broken one allows nothing rather than crashing every call.
  return names.flatMap((n) => {
    const p = data.policies?.[n];
    if (!p) return [];
    try {
      return [parsePolicy(p.policyDocument)];
    } catch {
      return [];
    }
  });
}

export function authorize(product: ProductSpec, action: string, principal: Principal, call: AuthorizeCall): void {
  if (principal.kind === "root" || (principal.kind === "user" && principal.admin)) return;
  if (NO_AUTHORIZATION_ACTIONS.has(`${product.ramNamespace}:${action}`)) return;
  const requests = authRequests({
    namespace: product.ramNamespace,
    action,
    params: call.params,
    state: call.state.data,
    regionId: call.regionId,
    callerUserName: principal.kind === "user" ? principal.userName : undefined,
  });
  const policies = attachedPolicies(principal, call.state);
  for (const request of requests) {
    const decision = evaluate(policies, request);
    if (decision !== "Allow") throw denied(product, principal, request, decision);
  }
}

/** The product's own code and wording, with the AccessDeniedDetail naming the action and resource that failed. */
function denied(product: ProductSpec, principal: Principal, request: AuthRequest, decision: Exclude<Decision, "Allow">): ApiError {
  const [namespace, name] = request.action.split(":") as [string, string];
  const base = product.ramNamespace === namespace ? product.noPermission(principal, name) : product.noPermission(principal, request.action);
  return new ApiError(base.httpStatus, base.code, base.message, accessDeniedDetail(principal, request.action, {
    noPermissionType: decision,
    authResource: request.resource,
  }));
}

/**
 * The AccessDeniedDetail object the gateway attaches to 403s; the SDK exposes
 * it as `accessDeniedDetail`. Fields as RAM's DecodeDiagnosticMessage and
 * "How do I troubleshoot an access denied error?" describe them: a role shows
 * as AssumedRoleUser "RoleName:RoleSessionName".
 */
export function accessDeniedDetail(
  principal: Principal,
  authAction: string,
  extra: { noPermissionType?: Exclude<Decision, "Allow">; authResource?: string } = {},
): Record<string, string> {
  const type = principal.kind === "root" ? "Account" : principal.kind === "user" ? "SubUser" : "AssumedRoleUser";
  const display =
    principal.kind === "root" ? principal.accountId : principal.kind === "user" ? principal.userName : `${principal.roleName}:${principal.sessionName}`;
  const diagnostic = { AuthAction: authAction, AuthResource: extra.authResource ?? "*", NoPermissionType: extra.noPermissionType ?? "ImplicitDeny" };
  return {
    AuthAction: authAction,
    AuthPrincipalType: type,
    AuthPrincipalOwnerId: principal.accountId,
    AuthPrincipalDisplayName: display,
    PolicyType: "AccountLevelIdentityBasedPolicy",
    NoPermissionType: diagnostic.NoPermissionType,
    // The real one is opaque (DecodeDiagnosticMessage reads it); ours is readable base64 of what DecodeDiagnosticMessage would return.
    EncodedDiagnosticMessage: Buffer.from(JSON.stringify(diagnostic), "utf8").toString("base64"),
  };
}
