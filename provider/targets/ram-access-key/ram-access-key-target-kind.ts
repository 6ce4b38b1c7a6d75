import type { TargetKind } from "../../rotation/target-kind";
import { MAX_GRACE_SECONDS } from "../../validation/grace-period";
import { RAM_USER_NAME_FORM, isRamUserName } from "../../validation/ram-fields";
import { PREVIOUS_KEY_ACTIONS, type PreviousKeyAction } from "./previous-key-action";
import { GRACE_META, ramTargetFor } from "./ram-access-key-target";

/** A RAM user's AccessKey: whose keys, and what becomes of the previous one after a rotation. */
export interface RamAccessKeyTargetSpec {
  readonly userName: string;
  readonly previousKeyAction: PreviousKeyAction;
  /** 0: the previous key is retired at once. */
  readonly previousKeyGraceSeconds: number;
}

export const RAM_KIND = "ram";

/** A RAM user's AccessKey, rotated with the admin credentials of the context's cloud settings. */
export const ramAccessKeyTargetKind: TargetKind<RamAccessKeyTargetSpec> = {
  name: "ram",
  keys: ["kind", "userName", "previousKeyAction", GRACE_META],
  matches: (m) => m.kind === RAM_KIND,
  decode: (r) => ({
    userName: r.required("userName", isRamUserName, RAM_USER_NAME_FORM),
    previousKeyAction: r.oneOf("previousKeyAction", PREVIOUS_KEY_ACTIONS, "keep"),
    // A shorter grace than declared would cut off apps still on the previous key; a longer one than any declaration could hold is not ours.
    previousKeyGraceSeconds: r.integer(GRACE_META, 0, MAX_GRACE_SECONDS, 0),
  }),
  encode: (spec) => ({
    kind: RAM_KIND,
    userName: spec.userName,
    previousKeyAction: spec.previousKeyAction,
    ...(spec.previousKeyGraceSeconds > 0 ? { [GRACE_META]: String(spec.previousKeyGraceSeconds) } : {}),
  }),
  credentialKey: (spec) => `ram:${spec.userName}`,
  facts: (spec) => ({
    family: RAM_KIND,
    subject: `ram-user/${spec.userName}`,
    description: `AccessKey of RAM user ${spec.userName} (previous key: ${spec.previousKeyAction})`,
    // Secrets of one RAM user share its two AccessKey slots: one rotation per user at a time.
    failureDomain: `ram:${spec.userName}`,
  }),
  build: (spec, secretName, ctx) => ramTargetFor({ secretName, ...spec }, ctx),
};
