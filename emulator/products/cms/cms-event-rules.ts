import { flatIndexes, flatList, integer, optional } from "../../gateway/params";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import type { EventPatternRecord, EventRuleRecord } from "../../state/state-types";
import { CMS_OK, cmsErrors } from "./cms-errors";

/**
 * The alert rules of CloudMonitor's event center (API 2019-01-01), checked
 * against the references and the cms20190101 SDK models:
 * - PutCustomEventRule(GroupId, RuleId, RuleName, EventName, ContactGroups,
 *   Level, Threshold, Period, EffectiveInterval, Webhook, EmailSubject): the
 *   documented alert route for custom events; an existing RuleId is updated.
 * - PutEventRule(RuleName, EventType SYSTEM|CUSTOM, GroupId, Description,
 *   State, SilenceTime, EventPattern.N.{Product, NameList.N, LevelList.N,
 *   EventTypeList.N, StatusList.N, CustomFilters, SQLFilter}): creates or
 *   modifies the rule of that name.
 * - PutEventRuleTargets(RuleName, ContactParameters.N.{Id, ContactGroupName,
 *   Level}): adds or replaces (by Id) who a rule notifies.
 * - DeleteMetricRules(Id.N, N 1..100): CloudMonitor's delete of alert rules
 *   by id. The PutCustomEventRule reference names no delete of its own; this
 *   is the alert-rule delete its RuleId fits (unconfirmed that the real
 *   service removes custom-event rules with it: the emulator does). An id
 *   that names no rule is passed over (the reference lists no error for it).
 * Matching is in cms-alerts.ts.
 */

const LEVELS = ["CRITICAL", "WARN", "INFO"];
/** Pattern lists and patterns: N from 1 to 50; rule targets: N from 1 to 5 (SDK model docs). */
const MAX_PATTERNS = 50;
const MAX_TARGETS = 5;
/** Period: 60 or a multiple of it, default 300 (PutCustomEventRule reference). */
const PERIOD_STEP_SECONDS = 60;
const DEFAULT_PERIOD_SECONDS = 300;
const INTERVAL = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
/** ContactParameters.N.Level: 2 (phone, text, DingTalk, e-mail), 3 (text, DingTalk, e-mail), 4 (DingTalk, e-mail). */
const CONTACT_LEVELS = ["2", "3", "4"];
/** Notification channels the emulator does not model: refused rather than dropped. */
const UNMODELLED_TARGETS = ["FcParameters", "MnsParameters", "WebhookParameters", "SlsParameters", "OpenApiParameters"];

function required(ctx: ActionContext, name: string): string {
  const v = optional(ctx.params, name);
  if (v === undefined) throw cmsErrors.invalid(`${name} is mandatory for this action.`);
  return v;
}

export const putCustomEventRule: ActionSpec = {
  handle(ctx) {
    const groupId = required(ctx, "GroupId");
    const ruleId = required(ctx, "RuleId");
    const ruleName = required(ctx, "RuleName");
    const eventName = required(ctx, "EventName");
    const contactGroups = required(ctx, "ContactGroups").split(",").map((g) => g.trim()).filter((g) => g !== "");
    if (contactGroups.length === 0) throw cmsErrors.invalid("ContactGroups must name at least one contact group.");
    const level = required(ctx, "Level");
    if (!LEVELS.includes(level)) throw cmsErrors.invalid(`Level must be one of ${LEVELS.join(", ")}.`);
    required(ctx, "Threshold");
    const threshold = integer(ctx.params, "Threshold", { min: 1, max: 1e9, default: 1 }, () => cmsErrors.invalid("Threshold must be a whole number of events, at least 1."));
    const periodSeconds = integer(ctx.params, "Period", { min: PERIOD_STEP_SECONDS, max: 86400, default: DEFAULT_PERIOD_SECONDS }, () => cmsErrors.invalid("Period must be 60 or a multiple of 60 seconds."));
    if (periodSeconds % PERIOD_STEP_SECONDS !== 0) throw cmsErrors.invalid("Period must be 60 or a multiple of 60 seconds.");
    const effectiveInterval = optional(ctx.params, "EffectiveInterval");
    if (effectiveInterval !== undefined && !INTERVAL.test(effectiveInterval)) throw cmsErrors.invalid("EffectiveInterval must be HH:MM-HH:MM, 00:00 to 23:59.");
    const rules = (ctx.state.data.customEventRules ??= {});
    rules[ruleId] = {
      ruleId,
      ruleName,
      groupId,
      eventName,
      contactGroups,
      level,
      threshold,
      periodSeconds,
      ...(effectiveInterval ? { effectiveInterval } : {}),
      ...(optional(ctx.params, "Webhook") ? { webhook: ctx.params.Webhook } : {}),
      ...(optional(ctx.params, "EmailSubject") ? { emailSubject: ctx.params.EmailSubject } : {}),
    };
    ctx.state.changed();
    return { ...CMS_OK };
  },
};

function patternsOf(ctx: ActionContext): EventPatternRecord[] {
  const indexes = flatIndexes(ctx.params, "EventPattern");
  if (indexes.length === 0) throw cmsErrors.invalid("EventPattern is mandatory for this action.");
  return indexes.map((n) => {
    if (n < 1 || n > MAX_PATTERNS) throw cmsErrors.invalid(`EventPattern.N: N must be 1 to ${MAX_PATTERNS}.`);
    const at = `EventPattern.${n}`;
    if (optional(ctx.params, `${at}.SQLFilter`) !== undefined) throw cmsErrors.notEmulated(`${at}.SQLFilter`);
    const product = optional(ctx.params, `${at}.Product`);
    if (product === undefined) throw cmsErrors.invalid(`${at}.Product is mandatory for this action.`);
    const list = (name: string) => {
      const values = flatList(ctx.params, `${at}.${name}`);
      if (values.length > MAX_PATTERNS) throw cmsErrors.invalid(`${at}.${name}.N: N must be 1 to ${MAX_PATTERNS}.`);
      return values;
    };
    const levelList = list("LevelList");
    if (!levelList.every((l) => l === "*" || LEVELS.includes(l))) throw cmsErrors.invalid(`${at}.LevelList takes ${LEVELS.join(", ")} or *.`);
    const customFilters = optional(ctx.params, `${at}.CustomFilters`);
    return {
      product,
      nameList: list("NameList"),
      levelList,
      eventTypeList: list("EventTypeList"),
      statusList: list("StatusList"),
      ...(customFilters === undefined ? {} : { customFilters }),
    };
  });
}

export const putEventRule: ActionSpec = {
  required: ["RuleName"],
  handle(ctx) {
    const ruleName = ctx.params.RuleName ?? "";
    // The reference gives no default for EventType; SYSTEM, the console's first choice, is ours.
    const eventType = optional(ctx.params, "EventType") ?? "SYSTEM";
    if (eventType !== "SYSTEM" && eventType !== "CUSTOM") throw cmsErrors.invalid("EventType must be SYSTEM or CUSTOM.");
    const state = optional(ctx.params, "State") ?? "ENABLED";
    if (state !== "ENABLED" && state !== "DISABLED") throw cmsErrors.invalid("State must be ENABLED or DISABLED.");
    const silence = optional(ctx.params, "SilenceTime");
    const silenceSeconds = silence === undefined ? undefined : integer(ctx.params, "SilenceTime", { min: 0, max: 1e9, default: 0 }, () => cmsErrors.invalid("SilenceTime must be a whole number of seconds."));
    const patterns = patternsOf(ctx);
    const rules = (ctx.state.data.eventRules ??= {});
    const existing = rules[ruleName];
    const rule: EventRuleRecord = {
      ruleName,
      eventType,
      description: optional(ctx.params, "Description") ?? "",
      state,
      patterns,
      contacts: existing?.contacts ?? [],
      ...(optional(ctx.params, "GroupId") ? { groupId: ctx.params.GroupId } : {}),
      ...(silenceSeconds === undefined ? {} : { silenceSeconds }),
    };
    rules[ruleName] = rule;
    ctx.state.changed();
    return { ...CMS_OK, Data: `acs:cms:${ctx.regionId}:${ctx.state.data.accountId}:event-rule/${ruleName}` };
  },
};

export const putEventRuleTargets: ActionSpec = {
  required: ["RuleName"],
  handle(ctx) {
    const ruleName = ctx.params.RuleName ?? "";
    for (const kind of UNMODELLED_TARGETS) {
      if (flatIndexes(ctx.params, kind).length > 0) throw cmsErrors.notEmulated(kind);
    }
    const rule = ctx.state.data.eventRules?.[ruleName];
    if (!rule) throw cmsErrors.ruleNotFound(ruleName);
    const indexes = flatIndexes(ctx.params, "ContactParameters");
    if (indexes.length === 0) throw cmsErrors.invalid("ContactParameters is mandatory: the emulator models contact groups only.");
    const contacts = indexes.map((n) => {
      if (n < 1 || n > MAX_TARGETS) throw cmsErrors.invalid(`ContactParameters.N: N must be 1 to ${MAX_TARGETS}.`);
      const field = (name: string) => optional(ctx.params, `ContactParameters.${n}.${name}`);
      const contactGroupName = field("ContactGroupName");
      if (contactGroupName === undefined) throw cmsErrors.invalid(`ContactParameters.${n}.ContactGroupName is mandatory for this action.`);
      const level = field("Level") ?? "3";
      if (!CONTACT_LEVELS.includes(level)) throw cmsErrors.invalid(`ContactParameters.${n}.Level must be one of ${CONTACT_LEVELS.join(", ")}.`);
      return { id: field("Id") ?? String(n), contactGroupName, level };
    });
    const byId = new Map(rule.contacts.map((c) => [c.id, c]));
    for (const c of contacts) byId.set(c.id, c);
    rule.contacts = [...byId.values()];
    if (rule.contacts.length > MAX_TARGETS) throw cmsErrors.invalid(`A rule notifies at most ${MAX_TARGETS} contact groups.`);
    ctx.state.changed();
    return { ...CMS_OK };
  },
};

/** Id.N: N from 1 to 100 (DeleteMetricRules reference). */
const MAX_DELETED_RULES = 100;

export const deleteMetricRules: ActionSpec = {
  handle(ctx) {
    const ids = flatList(ctx.params, "Id");
    if (ids.length === 0) throw cmsErrors.invalid("Id is mandatory for this action.");
    if (ids.length > MAX_DELETED_RULES) throw cmsErrors.invalid(`Id.N: N must be 1 to ${MAX_DELETED_RULES}.`);
    const rules = ctx.state.data.customEventRules ?? {};
    for (const id of ids) delete rules[id];
    ctx.state.changed();
    return { ...CMS_OK };
  },
};
