import type * as pulumi from "@pulumi/pulumi";
import { cmsClientFor, type CmsClient } from "../../alicloud/cms-client";
import type { CloudSettings } from "../../alicloud/cloud-settings";
import { ManagedSecretsError } from "../../core/errors";
import { ALARM_LEVELS, CONTACT_GROUP_PATTERN, type AlarmRule } from "./runner-alarm";

type Props = Record<string, unknown>;

/**
 * The dynamic provider behind the RotationRunner's alarm (runner-alarm.ts):
 * the custom-event rule, created and updated with PutCustomEventRule (which
 * creates the rule of a RuleId, or updates it) and removed with
 * DeleteMetricRules, through the product's CloudMonitor client in the rule's
 * region with the deploying stack's cloud settings. CloudMonitor has no call
 * that reads a custom-event rule back, so refresh keeps what was declared.
 */

const RULE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const GROUP_ID = /^\d{1,20}$/;
const REGION = /^[a-z]{2,}-[a-z0-9-]+$/;

/** Inputs and outputs alike: what the engine hands back is held to the rules a declaration is. */
export function parseAlarmRule(props: Props): AlarmRule {
  const fail = (property: string, rule: string): never => {
    throw new ManagedSecretsError("InvalidInput", `the runner's alarm: ${property} ${rule}`, { property });
  };
  const text = (property: string, pattern: RegExp, rule: string): string => {
    const v = props[property];
    return typeof v === "string" && pattern.test(v) ? v : fail(property, rule);
  };
  const whole = (property: string, min: number, step: number): number => {
    const v = props[property];
    return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v % step === 0 ? v : fail(property, `must be a whole number, at least ${min}${step > 1 ? `, a multiple of ${step}` : ""}`);
  };
  const groups = props.contactGroups;
  if (!Array.isArray(groups) || groups.length === 0 || !groups.every((g) => typeof g === "string" && CONTACT_GROUP_PATTERN.test(g))) {
    fail("contactGroups", "must be CloudMonitor alarm contact group names");
  }
  const level = props.level;
  if (typeof level !== "string" || !(ALARM_LEVELS as readonly string[]).includes(level)) fail("level", `must be one of ${ALARM_LEVELS.join(", ")}`);
  return {
    region: text("region", REGION, "must be an Alibaba Cloud region id"),
    groupId: text("groupId", GROUP_ID, "must be a CloudMonitor application group id (digits; 0 for none)"),
    ruleId: text("ruleId", RULE_ID, "must be 1-64 letters, digits, _ and -"),
    ruleName: text("ruleName", RULE_ID, "must be 1-64 letters, digits, _ and -"),
    eventName: text("eventName", RULE_ID, "must be a custom event name"),
    contactGroups: [...(groups as string[])],
    level: level as AlarmRule["level"],
    threshold: whole("threshold", 1, 1),
    periodSeconds: whole("periodSeconds", 60, 60),
  };
}

/** The provider's methods, on a CloudMonitor client in the rule's region (`cloud`: the stack's endpoint and credentials there). */
export function runnerAlarmHandler(cloud: (regionId: string) => CloudSettings, cmsFor: (settings: CloudSettings) => CmsClient = cmsClientFor) {
  const cms = (rule: AlarmRule) => cmsFor(cloud(rule.region));
  const put = async (props: Props) => {
    const rule = parseAlarmRule(props);
    await cms(rule).putCustomEventRule(rule);
    return rule;
  };
  return {
    async check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
      try {
        parseAlarmRule(news);
        return { inputs: news };
      } catch (e) {
        if (!(e instanceof ManagedSecretsError)) throw e;
        return { failures: [{ property: e.details.property ?? "", reason: e.message }] };
      }
    },
    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
      const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => k !== "__provider");
      const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
      // Another RuleId is another rule, and a rule lives in its region's CloudMonitor.
      const replaces = changed.filter((k) => k === "ruleId" || k === "region");
      return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(inputs: Props): Promise<{ id: string; outs: Props }> {
      const rule = await put(inputs);
      return { id: rule.ruleId, outs: { ...rule } };
    },
    async read(id: string, props?: Props): Promise<{ id?: string; props?: Props }> {
      return { id, ...(props ? { props } : {}) };
    },
    async import(): Promise<never> {
      throw new ManagedSecretsError("InvalidInput", "the runner's alarm cannot be imported: declare it with RotationRunner (alarmContactGroup), which creates it");
    },
    async update(_id: string, _olds: Props, news: Props): Promise<{ outs: Props }> {
      return { outs: { ...(await put(news)) } };
    },
    async delete(_id: string, props: Props): Promise<void> {
      const rule = parseAlarmRule(props);
      await cms(rule).deleteMetricRules([rule.ruleId]);
    },
  };
}
