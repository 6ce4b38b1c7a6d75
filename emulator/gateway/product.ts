import type { Principal } from "./principal";
import type { ApiError } from "./api-error";
import type { EmulatorState } from "../state/emulator-state";
import type { ScriptRunner } from "../ecs-hosts/script-runner";

/** Everything an action handler may use; nothing else leaks in. */
export interface ActionContext {
  action: string;
  params: Record<string, string>;
  principal: Principal;
  state: EmulatorState;
  now: Date;
  /** Business clock, for work that finishes after the response (Cloud Assistant). */
  clock: () => Date;
  /** The emulator's home region (default for instances and ARNs). */
  regionId: string;
  scripts: ScriptRunner;
}

export type ActionResult = Record<string, unknown>;

export interface ActionSpec {
  /** Checked by the router before the handler runs, worded like the gateway. */
  required?: readonly string[];
  handle(ctx: ActionContext): ActionResult | Promise<ActionResult>;
}

/** One Alibaba Cloud product: its API version, its actions and its own error wording. */
export interface ProductSpec {
  /** Product code as the error center names it (Ram, Ecs, Sts, Kms). */
  code: string;
  /** RAM action namespace, e.g. "ram" in "ram:CreateUser". */
  ramNamespace: string;
  version: string;
  hostId(regionId: string): string;
  actions: Readonly<Record<string, ActionSpec>>;
  noPermission(principal: Principal, action: string): ApiError;
  throttling(): ApiError;
  /** Housekeeping that must happen before any action sees the state (e.g. KMS purges). */
  beforeAction?(ctx: ActionContext): void;
}
