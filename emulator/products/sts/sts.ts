import { randomBytes, randomInt } from "node:crypto";
import { ApiError } from "../../gateway/api-error";
import type { Principal } from "../../gateway/principal";
import { accessDeniedDetail } from "../../gateway/authorize";
import { actionMatches } from "../../gateway/policy";
import type { EmulatorState } from "../../state/emulator-state";
import type { RoleRecord, StsSessionRecord } from "../../state/state-types";
import { integer, optional } from "../../gateway/params";
import type { ProductSpec } from "../../gateway/product";

/** AssumeRole DurationSeconds: at least 900, at most the role's MaxSessionDuration (default 3600). */
export const MIN_SESSION_SECONDS = 900;
export const DEFAULT_SESSION_SECONDS = 3600;
/** RoleSessionName: 2-64 characters of letters, digits and . @ - _ (STS AssumeRole reference). */
export const ROLE_SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** STS AccessKey ids start with "STS." and tokens with "CAIS"; tools key on both. */
function newStsAccessKeyId(): string {
  let out = "STS.NT";
  for (let i = 0; i < 24; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

const stsErrors = {
  noPermission: (principal: Principal, action: string) =>
    new ApiError(403, "NoPermission", `You are not authorized to do this action. Action: sts:${action}`, accessDeniedDetail(principal, `sts:${action}`)),
  rootMayNotAssume: () => new ApiError(403, "NoPermission", "Roles may not be assumed by root accounts."),
  notTrusted: (principal: Principal) =>
    new ApiError(403, "NoPermission", "You are not authorized to do this action. You should be authorized by RAM.", accessDeniedDetail(principal, "sts:AssumeRole")),
  roleNotFound: (arn: string) => new ApiError(404, "EntityNotExist.Role", `The role not exists: ${arn}.`),
  sessionName: () => new ApiError(400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed."),
  duration: (max: number) =>
    new ApiError(400, "InvalidParameter.DurationSeconds", `The Min/Max value of DurationSeconds is 15min/${max / 3600}hr.`),
  sessionPolicy: () => new ApiError(400, "InvalidParameter.Policy", "The emulator does not evaluate session policies: call AssumeRole without Policy."),
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
};

/**
 * Issues temporary credentials for a role. AssumeRole uses it after its
 * checks; the control surface uses it the way Function Compute hands a
 * function its role's credentials (the service is the trusted principal).
 */
export function issueSession(state: EmulatorState, role: RoleRecord, roleSessionName: string, durationSeconds: number, now: Date): StsSessionRecord {
  const sessions = (state.data.stsSessions ??= {});
  // Expired sessions are of no use to anyone; dropping them keeps the state file small.
  for (const [id, s] of Object.entries(sessions)) if (Date.parse(s.expiration) <= now.getTime()) delete sessions[id];
  const session: StsSessionRecord = {
    accessKeyId: newStsAccessKeyId(),
    accessKeySecret: randomBytes(33).toString("base64url").slice(0, 44),
    securityToken: `CAIS${randomBytes(180).toString("base64")}`,
    roleName: role.roleName,
    roleSessionName,
    expiration: new Date(now.getTime() + durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  sessions[session.accessKeyId] = session;
  state.changed();
  return session;
}

/** True when the role's trust policy lets a cloud service (e.g. fc.aliyuncs.com) assume it. */
export function trustsService(role: RoleRecord, service: string): boolean {
  try {
    const doc = JSON.parse(role.assumeRolePolicyDocument) as { Statement?: Array<{ Effect?: string; Action?: string | string[]; Principal?: { Service?: string | string[] } }> };
    return (doc.Statement ?? []).some((s) => {
      const actions = typeof s.Action === "string" ? [s.Action] : (s.Action ?? []);
      const services = typeof s.Principal?.Service === "string" ? [s.Principal.Service] : (s.Principal?.Service ?? []);
      return s.Effect === "Allow" && actions.some((a) => actionMatches(a, "sts:AssumeRole")) && services.includes(service);
    });
  } catch {
    return false;
  }
}

/** Trust policy: Allow sts:AssumeRole to the account (":root") or to this very user, under Principal.RAM. */
function trusts(role: RoleRecord, principal: Principal): boolean {
  if (principal.kind === "root") return false;
  const callers = [`acs:ram::${principal.accountId}:root`];
  if (principal.kind === "user") callers.push(`acs:ram::${principal.accountId}:user/${principal.userName}`);
  let doc: { Statement?: Array<{ Effect?: string; Action?: string | string[]; Principal?: { RAM?: string | string[] } }> };
  try {
    doc = JSON.parse(role.assumeRolePolicyDocument);
  } catch {
    return false;
  }
  let allowed = false;
  for (const s of doc.Statement ?? []) {
    const actions = typeof s.Action === "string" ? [s.Action] : (s.Action ?? []);
    const ram = typeof s.Principal?.RAM === "string" ? [s.Principal.RAM] : (s.Principal?.RAM ?? []);
    if (!actions.some((a) => actionMatches(a, "sts:AssumeRole")) || !ram.some((r) => callers.includes(r))) continue;
    if (s.Effect === "Deny") return false;
    if (s.Effect === "Allow") allowed = true;
  }
  return allowed;
}

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
  if (principal.kind === "role") {
    return {
      IdentityType: "AssumedRoleUser",
      AccountId: principal.accountId,
      RoleId: principal.roleId,
      PrincipalId: `${principal.roleId}:${principal.sessionName}`,
      Arn: `acs:ram::${principal.accountId}:assumed-role/${principal.roleName.toLowerCase()}/${principal.sessionName}`,
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

/**
 * GetCallerIdentity answers who signed the call (the account, a RAM user, or
 * an assumed role). AssumeRole checks the caller (not the account itself),
 * the session name, the duration against the role's maximum, and the role's
 * trust policy; the router has already checked sts:AssumeRole on the role.
 */
export const stsProduct: ProductSpec = {
  code: "Sts",
  ramNamespace: "sts",
  version: "2015-04-01",
  hostId: () => "sts.aliyuncs.com",
  noPermission: stsErrors.noPermission,
  throttling: stsErrors.throttling,
  actions: {
    GetCallerIdentity: {
      handle: (ctx) => identity(ctx.principal),
    },
    AssumeRole: {
      required: ["RoleArn", "RoleSessionName"],
      handle(ctx) {
        if (ctx.principal.kind === "root") throw stsErrors.rootMayNotAssume();
        const arn = ctx.params.RoleArn ?? "";
        const role = Object.values(ctx.state.data.roles ?? {}).find((r) => r.arn.toLowerCase() === arn.toLowerCase());
        if (!role) throw stsErrors.roleNotFound(arn);
        const sessionName = ctx.params.RoleSessionName ?? "";
        if (!ROLE_SESSION_NAME.test(sessionName)) throw stsErrors.sessionName();
        const duration = integer(
          ctx.params,
          "DurationSeconds",
          { min: MIN_SESSION_SECONDS, max: role.maxSessionDuration, default: Math.min(DEFAULT_SESSION_SECONDS, role.maxSessionDuration) },
          () => stsErrors.duration(role.maxSessionDuration),
        );
        // Ignoring a session policy would grant more than the real service: refuse it instead.
        if (optional(ctx.params, "Policy") !== undefined) throw stsErrors.sessionPolicy();
        if (!trusts(role, ctx.principal)) throw stsErrors.notTrusted(ctx.principal);
        const s = issueSession(ctx.state, role, sessionName, duration, ctx.now);
        return {
          AssumedRoleUser: {
            Arn: `acs:ram::${ctx.state.data.accountId}:assumed-role/${role.roleName.toLowerCase()}/${sessionName}`,
            AssumedRoleId: `${role.roleId}:${sessionName}`,
          },
          Credentials: { AccessKeyId: s.accessKeyId, AccessKeySecret: s.accessKeySecret, SecurityToken: s.securityToken, Expiration: s.expiration },
        };
      },
    },
  },
};
