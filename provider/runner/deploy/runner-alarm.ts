import type { CustomEventRule } from "../../alicloud/cms-client";
import { CMS_EVENT_NAMES } from "../../events/cloudmonitor-sink";

/**
 * The CloudMonitor alarm the RotationRunner can create, so that a rotation
 * that fails at 3 a.m. pages someone: a custom-event rule (PutCustomEventRule)
 * on the runner's ManagedSecretsRotationFailed events that notifies a contact
 * group at the first one.
 *
 * Why this route: the runner reports rotations as custom events
 * (PutCustomEvent), and CloudMonitor documents alerting on custom events
 * through PutCustomEventRule (its reference: report the event with
 * PutCustomEvent first). The event rule alicloud.cms.EventRule declares
 * (PutEventRule) sees system events unless its EventType is CUSTOM, which
 * that resource cannot set: the rule earlier releases declared, with product
 * "CustomEvent", never matched an event (tests/runner/deploy/runner-alarm.test.ts).
 * No Pulumi or Terraform resource declares a custom-event rule, so the stack
 * declares it as a dynamic resource (sdk/runner-alarm.ts) whose provider
 * calls PutCustomEventRule through the product's own CloudMonitor client
 * (runner-alarm-provider.ts). Plain data here, tested without an engine.
 */

/** CloudMonitor contact group names: letters (CJK included), digits, _ . - and spaces, 1-64. */
export const CONTACT_GROUP_PATTERN = /^[\p{L}\p{N}_. -]{1,64}$/u;
export const CONTACT_GROUP_RULE = "must be a CloudMonitor alarm contact group name (letters, digits, _ . - and spaces, at most 64)";
/**
 * PutCustomEventRule's Level, which decides how the group is told: CRITICAL
 * by phone call, text message, email and DingTalk, WARN by text message,
 * email and DingTalk, INFO by email and DingTalk.
 */
export const ALARM_LEVELS = ["CRITICAL", "WARN", "INFO"] as const;
/** One failed rotation is enough; 60 s is the shortest Period PutCustomEventRule takes (60 or a multiple of it). */
const ALARM_THRESHOLD = 1;
const ALARM_PERIOD_SECONDS = 60;

export interface AlarmSettings {
  readonly functionName: string;
  readonly region: string;
  readonly cloudMonitorGroupId?: string | undefined;
  readonly alarmContactGroup?: string | undefined;
  readonly alarmContacts?: readonly string[] | undefined;
  readonly alarmLevel: (typeof ALARM_LEVELS)[number];
}

/** The rule the stack declares, with the region its CloudMonitor endpoint is in (where the runner sends its events). */
export interface AlarmRule extends CustomEventRule {
  readonly region: string;
}

/** Rule ids and names: derived from the function so two runners in one account do not collide. */
function alarmRuleName(d: Pick<AlarmSettings, "functionName">): string {
  return `${d.functionName}-rotation-failed`.slice(0, 64);
}

/** The custom-event rule, or undefined when no contact group is configured. */
export function alarmRule(d: AlarmSettings): AlarmRule | undefined {
  if (!d.alarmContactGroup) return undefined;
  const name = alarmRuleName(d);
  return {
    region: d.region,
    // The runner's events carry its cloudMonitorGroupId (0: no application group), and a rule sees only its group's.
    groupId: d.cloudMonitorGroupId ?? "0",
    ruleId: name,
    ruleName: name,
    eventName: CMS_EVENT_NAMES.failed,
    contactGroups: [d.alarmContactGroup],
    level: d.alarmLevel,
    threshold: ALARM_THRESHOLD,
    periodSeconds: ALARM_PERIOD_SECONDS,
  };
}
