import { isoSeconds } from "../../core/clock";
import { newRoleId } from "../../core/ids";
import { parsePolicy, PolicyGrammarError } from "../../gateway/policy";
import type { EmulatorState } from "../../state/emulator-state";
import type { PolicyRecord, RoleRecord } from "../../state/state-types";
import { integer, optional } from "../../gateway/params";
import type { ActionSpec } from "../../gateway/product";
import { ramErrors } from "./ram-errors";

/**
 * Custom policies and roles (RAM API reference: CreatePolicy, CreateRole,
 * AttachPolicyToUser, AttachPolicyToRole). Only custom policies exist here:
 * the emulator has no system policies, so PolicyType must be Custom.
 */

/** CreatePolicy: 1-128 characters, letters, digits and hyphens. */
const POLICY_NAME_MAX_LENGTH = 128;
const POLICY_NAME_PATTERN = /^[A-Za-z0-9-]+$/;
/** CreateRole: 1-64 characters, letters, digits, periods and hyphens. */
const ROLE_NAME_MAX_LENGTH = 64;
const ROLE_NAME_PATTERN = /^[A-Za-z0-9.-]+$/;
/** CreateRole MaxSessionDuration, seconds. */
const ROLE_MAX_SESSION_DURATION = { min: 3600, max: 43200, default: 3600 } as const;
const DESCRIPTION_MAX_LENGTH = 1024;

function validatePolicyName(name: string): void {
  if (name.length > POLICY_NAME_MAX_LENGTH) throw ramErrors.nameLength("PolicyName");
  if (!POLICY_NAME_PATTERN.test(name)) throw ramErrors.nameInvalidChars("PolicyName");
}

function validateRoleName(name: string): void {
  if (name.length > ROLE_NAME_MAX_LENGTH) throw ramErrors.nameLength("RoleName");
  if (!ROLE_NAME_PATTERN.test(name)) throw ramErrors.nameInvalidChars("RoleName");
}

function validateDocument(document: string, parameter: "PolicyDocument" | "AssumeRolePolicyDocument", trust: boolean): void {
  if (trust) {
    // Trust policies carry Principal, which permission policies may not; only their JSON shape is checked.
    try {
      const doc = JSON.parse(document) as { Version?: unknown; Statement?: unknown };
      if (doc.Version !== "1" || !Array.isArray(doc.Statement)) throw new Error("shape");
      return;
    } catch {
      throw ramErrors.malformedPolicy(parameter);
    }
  }
  try {
    parsePolicy(document);
  } catch (e) {
    if (e instanceof PolicyGrammarError) throw ramErrors.malformedPolicy(parameter, e.message);
    throw e;
  }
}

export function createPolicy(state: EmulatorState, input: { policyName: string; policyDocument: string; description?: string }, now: Date): PolicyRecord {
  validatePolicyName(input.policyName);
  if ((input.description ?? "").length > DESCRIPTION_MAX_LENGTH) throw ramErrors.nameLength("Description");
  validateDocument(input.policyDocument, "PolicyDocument", false);
  const policies = (state.data.policies ??= {});
  if (policies[input.policyName]) throw ramErrors.policyExists();
  const policy: PolicyRecord = {
    policyName: input.policyName,
    policyType: "Custom",
    description: input.description ?? "",
    policyDocument: input.policyDocument,
    createDate: isoSeconds(now),
  };
  policies[policy.policyName] = policy;
  state.changed();
  return policy;
}

export function createRole(
  state: EmulatorState,
  input: { roleName: string; assumeRolePolicyDocument: string; description?: string; maxSessionDuration?: number },
  now: Date,
): RoleRecord {
  validateRoleName(input.roleName);
  validateDocument(input.assumeRolePolicyDocument, "AssumeRolePolicyDocument", true);
  const roles = (state.data.roles ??= {});
  if (roles[input.roleName]) throw ramErrors.roleExists();
  const roleId = newRoleId();
  const role: RoleRecord = {
    roleId,
    roleName: input.roleName,
    arn: `acs:ram::${state.data.accountId}:role/${input.roleName.toLowerCase()}`,
    description: input.description ?? "",
    assumeRolePolicyDocument: input.assumeRolePolicyDocument,
    maxSessionDuration: input.maxSessionDuration ?? ROLE_MAX_SESSION_DURATION.default,
    createDate: isoSeconds(now),
    policies: [],
  };
  roles[role.roleName] = role;
  state.changed();
  return role;
}

function customPolicy(state: EmulatorState, params: Record<string, string>): PolicyRecord {
  if (params.PolicyType !== "Custom" && params.PolicyType !== "System") throw ramErrors.policyTypeFormat();
  const policy = params.PolicyType === "Custom" ? state.data.policies?.[params.PolicyName ?? ""] : undefined;
  if (!policy) throw ramErrors.policyNotFound();
  return policy;
}

export function attachPolicy(state: EmulatorState, target: { user?: string; role?: string }, policyName: string): void {
  if (target.user !== undefined) {
    const user = state.data.users[target.user];
    if (!user) throw ramErrors.userNotFound();
    const attached = (user.policies ??= []);
    if (attached.includes(policyName)) throw ramErrors.policyAttached("User");
    attached.push(policyName);
  } else {
    const role = state.data.roles?.[target.role ?? ""];
    if (!role) throw ramErrors.roleNotFound();
    if (role.policies.includes(policyName)) throw ramErrors.policyAttached("Role");
    role.policies.push(policyName);
  }
  state.changed();
}

export function detachPolicy(state: EmulatorState, target: { role: string }, policyName: string): void {
  const role = state.data.roles?.[target.role];
  if (!role) throw ramErrors.roleNotFound();
  if (!role.policies.includes(policyName)) throw ramErrors.policyNotAttached("Role");
  role.policies = role.policies.filter((p) => p !== policyName);
  state.changed();
}

function roleView(r: RoleRecord) {
  return {
    RoleId: r.roleId,
    RoleName: r.roleName,
    Arn: r.arn,
    Description: r.description,
    AssumeRolePolicyDocument: r.assumeRolePolicyDocument,
    MaxSessionDuration: r.maxSessionDuration,
    CreateDate: r.createDate,
  };
}

export const ramPolicyActions: Readonly<Record<string, ActionSpec>> = {
  CreatePolicy: {
    required: ["PolicyName", "PolicyDocument"],
    handle(ctx) {
      const p = createPolicy(
        ctx.state,
        { policyName: ctx.params.PolicyName ?? "", policyDocument: ctx.params.PolicyDocument ?? "", description: optional(ctx.params, "Description") },
        ctx.now,
      );
      return { Policy: { PolicyName: p.policyName, PolicyType: p.policyType, Description: p.description, DefaultVersion: "v1", CreateDate: p.createDate } };
    },
  },
  CreateRole: {
    required: ["RoleName", "AssumeRolePolicyDocument"],
    handle(ctx) {
      const maxSessionDuration = integer(ctx.params, "MaxSessionDuration", ROLE_MAX_SESSION_DURATION, () => ramErrors.maxSessionDuration());
      const role = createRole(
        ctx.state,
        {
          roleName: ctx.params.RoleName ?? "",
          assumeRolePolicyDocument: ctx.params.AssumeRolePolicyDocument ?? "",
          description: optional(ctx.params, "Description"),
          maxSessionDuration,
        },
        ctx.now,
      );
      return { Role: roleView(role) };
    },
  },
  GetRole: {
    required: ["RoleName"],
    handle(ctx) {
      const role = ctx.state.data.roles?.[ctx.params.RoleName ?? ""];
      if (!role) throw ramErrors.roleNotFound();
      return { Role: roleView(role) };
    },
  },
  AttachPolicyToUser: {
    required: ["PolicyType", "PolicyName", "UserName"],
    handle(ctx) {
      attachPolicy(ctx.state, { user: ctx.params.UserName ?? "" }, customPolicy(ctx.state, ctx.params).policyName);
      return {};
    },
  },
  AttachPolicyToRole: {
    required: ["PolicyType", "PolicyName", "RoleName"],
    handle(ctx) {
      attachPolicy(ctx.state, { role: ctx.params.RoleName ?? "" }, customPolicy(ctx.state, ctx.params).policyName);
      return {};
    },
  },
  DetachPolicyFromRole: {
    required: ["PolicyType", "PolicyName", "RoleName"],
    handle(ctx) {
      detachPolicy(ctx.state, { role: ctx.params.RoleName ?? "" }, customPolicy(ctx.state, ctx.params).policyName);
      return {};
    },
  },
};
