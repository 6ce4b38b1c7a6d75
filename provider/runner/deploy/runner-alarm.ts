import { CMS_EVENT_NAMES } from "../../events/cloudmonitor-sink";

/**
 * The CloudMonitor alarm the RotationRunner can create: an event rule that
 * matches the runner's "rotation failed" custom events and notifies a contact
 * group, so a rotation that fails at 3 a.m. pages someone. Plain data, so it
 * is tested without an engine; sdk/rotation-runner.ts declares it.
 */

/** CloudMonitor contact group names: letters (CJK included), digits, _ . - and spaces, 1-64. */
export const CONTACT_GROUP_PATTERN = /^[\p{L}\p{N}_. -]{1,64}$/u;
export const CONTACT_GROUP_RULE = "must be a CloudMonitor alarm contact group name (letters, digits, _ . - and spaces, at most 64)";
export const ALARM_LEVELS = ["CRITICAL", "WARN", "INFO"] as const;
/**
 * How the contact group is told (EventRule contactParameters.level, as
 * PutEventRuleTargets' ContactParameters.N.Level): 3 is text message, email
 * and DingTalk; 2 adds a phone call.
 */
const NOTIFY_LEVEL = { CRITICAL: "2", WARN: "3", INFO: "4" } as const;

export interface AlarmSettings {
  readonly functionName: string;
  readonly cloudMonitorGroupId?: string | undefined;
  readonly alarmContactGroup?: string | undefined;
  readonly alarmContacts?: readonly string[] | undefined;
  readonly alarmLevel: (typeof ALARM_LEVELS)[number];
  readonly alarmSilenceSeconds: number;
}

/** EventRule rule names: letters, digits, _ and -; derived from the function so two runners in one account do not collide. */
function alarmRuleName(d: Pick<AlarmSettings, "functionName">): string {
  return `${d.functionName}-rotation-failed`.slice(0, 64);
}

export interface AlarmRuleArgs {
  readonly ruleName: string;
  readonly description: string;
  readonly status: "ENABLED";
  readonly silenceTime: number;
  readonly groupId?: string;
  readonly eventPattern: { readonly product: string; readonly nameLists: string[]; readonly eventTypeLists: string[]; readonly levelLists: string[] };
  readonly contactParameters: { readonly contactParametersId: string; readonly contactGroupName: string; readonly level: string }[];
}

/** The alicloud.cms.EventRule arguments, or undefined when no contact group is configured. */
export function alarmRuleArgs(d: AlarmSettings): AlarmRuleArgs | undefined {
  if (!d.alarmContactGroup) return undefined;
  return {
    ruleName: alarmRuleName(d),
    description: `managed-secrets: a rotation by ${d.functionName} failed`,
    status: "ENABLED",
    silenceTime: d.alarmSilenceSeconds,
    ...(d.cloudMonitorGroupId ? { groupId: d.cloudMonitorGroupId } : {}),
    // Custom events (PutCustomEvent) are matched by product CustomEvent and the event's name.
    eventPattern: { product: "CustomEvent", nameLists: [CMS_EVENT_NAMES.failed], eventTypeLists: ["*"], levelLists: ["*"] },
    contactParameters: [{ contactParametersId: "1", contactGroupName: d.alarmContactGroup, level: NOTIFY_LEVEL[d.alarmLevel] }],
  };
}
