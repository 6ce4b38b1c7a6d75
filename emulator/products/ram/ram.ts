import { isoSeconds } from "../../core/clock";
import { newAccessKeyId, newAccessKeySecret, newUserId } from "../../core/ids";
import type { Principal } from "../../gateway/principal";
import type { AccessKeyRecord, KeyOwner, UserRecord } from "../../state/state-types";
import type { EmulatorState } from "../../state/emulator-state";
import { gatewayErrors } from "../../gateway/gateway-errors";
import { optional } from "../../gateway/params";
import { ramPolicyActions } from "./ram-policies";
import { createServiceLinkedRoleAction } from "./ram-service-roles";
import type { ActionContext, ProductSpec } from "../../gateway/product";
import {
  DISPLAY_NAME_MAX_LENGTH,
  MAX_ACCESS_KEYS_PER_USER,
  USER_NAME_MAX_LENGTH,
  USER_NAME_PATTERN,
  ramErrors,
} from "./ram-errors";

function validateUserName(name: string): void {
  if (name.length > USER_NAME_MAX_LENGTH) throw ramErrors.userNameLength();
  if (!USER_NAME_PATTERN.test(name)) throw ramErrors.userNameInvalidChars();
}

function userView(u: UserRecord) {
  return {
    UserId: u.userId,
    UserName: u.userName,
    DisplayName: u.displayName,
    Comments: u.comments ?? "",
    CreateDate: u.createDate,
    UpdateDate: u.updateDate,
  };
}

/** Key-management actions without UserName act on the caller's own keys, as RAM does. */
function targetOwner(ctx: ActionContext): KeyOwner {
  const userName = optional(ctx.params, "UserName");
  if (userName !== undefined) {
    if (!ctx.state.data.users[userName]) throw ramErrors.userNotFound();
    return { kind: "user", userName };
  }
  return callerAsOwner(ctx.principal);
}

function callerAsOwner(principal: Principal): KeyOwner {
  if (principal.kind === "root") return { kind: "root" };
  // A role session has no AccessKeys of its own: it must name the user.
  if (principal.kind === "role") throw gatewayErrors.missingParameter("UserName");
  return { kind: "user", userName: principal.userName };
}

function sameOwner(a: KeyOwner, b: KeyOwner): boolean {
  return a.kind === b.kind && (a.kind === "root" || a.userName === (b as { userName: string }).userName);
}

/** A user's (or the account's) keys, oldest first. */
export function keysOf(state: EmulatorState, owner: KeyOwner): AccessKeyRecord[] {
  return Object.values(state.data.accessKeys)
    .filter((k) => sameOwner(k.owner, owner))
    .sort((a, b) => a.createDate.localeCompare(b.createDate));
}

function ownedKey(ctx: ActionContext): AccessKeyRecord {
  const owner = targetOwner(ctx);
  const key = ctx.state.data.accessKeys[ctx.params.UserAccessKeyId ?? ""];
  if (!key || !sameOwner(key.owner, owner)) throw ramErrors.accessKeyNotFound();
  return key;
}

/**
 * Creates a key for `owner`, enforcing the per-user limit. Shared with the
 * control surface so a seeded key obeys the same rule as an API-created one.
 */
export function createAccessKey(state: EmulatorState, owner: KeyOwner, now: Date): AccessKeyRecord {
  if (keysOf(state, owner).length >= MAX_ACCESS_KEYS_PER_USER) throw ramErrors.accessKeyLimit();
  const key: AccessKeyRecord = {
    accessKeyId: newAccessKeyId(),
    accessKeySecret: newAccessKeySecret(),
    owner,
    status: "Active",
    createDate: isoSeconds(now),
  };
  state.data.accessKeys[key.accessKeyId] = key;
  state.changed();
  return key;
}

export function deleteAccessKey(state: EmulatorState, accessKeyId: string): void {
  delete state.data.accessKeys[accessKeyId];
  state.changed();
}

export function createUser(
  state: EmulatorState,
  input: { userName: string; displayName?: string; comments?: string; admin?: boolean },
  now: Date,
): UserRecord {
  validateUserName(input.userName);
  const displayName = input.displayName ?? input.userName;
  if (displayName.length > DISPLAY_NAME_MAX_LENGTH) throw ramErrors.displayNameLength();
  if (state.data.users[input.userName]) throw ramErrors.userExists();
  const user: UserRecord = {
    userId: newUserId(),
    userName: input.userName,
    displayName,
    comments: input.comments,
    createDate: isoSeconds(now),
    updateDate: isoSeconds(now),
    admin: input.admin ?? false,
  };
  state.data.users[user.userName] = user;
  state.changed();
  return user;
}

export const ramProduct: ProductSpec = {
  code: "Ram",
  ramNamespace: "ram",
  version: "2015-05-01",
  hostId: () => "ram.aliyuncs.com",
  noPermission: ramErrors.noPermission,
  throttling: ramErrors.throttling,
  actions: {
    ...ramPolicyActions,
    CreateServiceLinkedRole: createServiceLinkedRoleAction,
    CreateUser: {
      required: ["UserName"],
      handle(ctx) {
        const user = createUser(
          ctx.state,
          {
            userName: ctx.params.UserName ?? "",
            displayName: optional(ctx.params, "DisplayName"),
            comments: optional(ctx.params, "Comments"),
          },
          ctx.now,
        );
        const { UpdateDate: _updated, ...created } = userView(user);
        return { User: created };
      },
    },
    GetUser: {
      required: ["UserName"],
      handle(ctx) {
        const user = ctx.state.data.users[ctx.params.UserName ?? ""];
        if (!user) throw ramErrors.userNotFound();
        return { User: userView(user) };
      },
    },
    DeleteUser: {
      required: ["UserName"],
      handle(ctx) {
        const userName = ctx.params.UserName ?? "";
        if (!ctx.state.data.users[userName]) throw ramErrors.userNotFound();
        if (keysOf(ctx.state, { kind: "user", userName }).length > 0) throw ramErrors.deleteConflictAccessKey();
        delete ctx.state.data.users[userName];
        ctx.state.changed();
        return {};
      },
    },
    CreateAccessKey: {
      handle(ctx) {
        const key = createAccessKey(ctx.state, targetOwner(ctx), ctx.now);
        return {
          AccessKey: {
            AccessKeyId: key.accessKeyId,
            AccessKeySecret: key.accessKeySecret,
            Status: key.status,
            CreateDate: key.createDate,
          },
        };
      },
    },
    DeleteAccessKey: {
      required: ["UserAccessKeyId"],
      handle(ctx) {
        deleteAccessKey(ctx.state, ownedKey(ctx).accessKeyId);
        return {};
      },
    },
    ListAccessKeys: {
      handle(ctx) {
        const keys = keysOf(ctx.state, targetOwner(ctx));
        return {
          AccessKeys: {
            AccessKey: keys.map((k) => ({ AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate })),
          },
        };
      },
    },
    UpdateAccessKey: {
      required: ["UserAccessKeyId", "Status"],
      handle(ctx) {
        const status = ctx.params.Status;
        if (status !== "Active" && status !== "Inactive") throw ramErrors.statusFormat();
        const key = ownedKey(ctx);
        key.status = status;
        ctx.state.changed();
        return {};
      },
    },
    GetAccessKeyLastUsed: {
      required: ["UserAccessKeyId"],
      handle(ctx) {
        const key = ownedKey(ctx);
        return { AccessKeyLastUsed: key.lastUsedDate ? { LastUsedDate: key.lastUsedDate } : {} };
      },
    },
  },
};
