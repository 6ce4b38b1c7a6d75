import type { EmulatorState } from "../../state/emulator-state";
import type { CustomEventRecord, EventPatternRecord, EventRuleRecord, NotificationRecord, SystemEventRecord } from "../../state/state-types";
import { CMS_UTC_OFFSET_MINUTES } from "./cms-errors";

/**
 * Alert rules meeting events: the emulator's stand-in for CloudMonitor
 * notifying a contact group. A notification is recorded (control.notifications())
 * instead of a text message or e-mail.
 *
 * - PutCustomEventRule rules see custom events of their EventName and GroupId;
 *   one fires when the events counted over the last Period seconds reach
 *   Threshold (the reference: "the alert threshold"; reaching it, >=, is our
 *   reading) inside EffectiveInterval.
 * - PutEventRule rules (EventType SYSTEM) see system events whose product,
 *   name, level, type and status their EventPattern lists ("*" or an empty list
 *   matches anything) and whose content holds CustomFilters; EventType CUSTOM
 *   rules see custom events by NameList and GroupId (custom events carry no
 *   product or level). A rule notifies each contact group PutEventRuleTargets
 *   gave it, then stays silent for SilenceTime seconds when one was set.
 */

/** The state keeps the newest this many of each record kind; an emulator left running must not grow without bound. */
export const CMS_KEPT_RECORDS = 10_000;

export function keepNewest<T>(records: T[]): void {
  if (records.length > CMS_KEPT_RECORDS) records.splice(0, records.length - CMS_KEPT_RECORDS);
}

function notify(state: EmulatorState, record: NotificationRecord): void {
  const all = (state.data.notifications ??= []);
  all.push(record);
  keepNewest(all);
}

/** Minutes since midnight, China Standard Time. */
function cstMinutes(at: Date): number {
  const shifted = new Date(at.getTime() + CMS_UTC_OFFSET_MINUTES * 60_000);
  return shifted.getUTCHours() * 60 + shifted.getUTCMinutes();
}

/** "HH:MM-HH:MM"; a window whose end is before its start runs over midnight. */
export function withinInterval(interval: string | undefined, at: Date): boolean {
  if (interval === undefined) return true;
  const [from, to] = interval.split("-").map((t) => {
    const [h, m] = t.split(":").map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  }) as [number, number];
  const now = cstMinutes(at);
  return from <= to ? now >= from && now <= to : now >= from || now <= to;
}

const listMatches = (list: readonly string[], value: string) =>
  list.length === 0 || list.includes("*") || list.some((v) => v.toLowerCase() === value.toLowerCase());

function systemPatternMatches(p: EventPatternRecord, e: SystemEventRecord): boolean {
  return (
    p.product.toLowerCase() === e.product.toLowerCase() &&
    listMatches(p.nameList, e.name) &&
    listMatches(p.levelList, e.level) &&
    listMatches(p.eventTypeList, e.eventType) &&
    listMatches(p.statusList, e.status) &&
    (p.customFilters === undefined || JSON.stringify(e.content).includes(p.customFilters))
  );
}

function customPatternMatches(rule: EventRuleRecord, p: EventPatternRecord, e: CustomEventRecord): boolean {
  return (
    (rule.groupId === undefined || rule.groupId === e.groupId) &&
    listMatches(p.nameList, e.eventName) &&
    (p.customFilters === undefined || e.content.includes(p.customFilters))
  );
}

function fireEventRule(state: EmulatorState, rule: EventRuleRecord, eventName: string, content: string, now: Date): void {
  if (rule.state !== "ENABLED" || rule.contacts.length === 0) return;
  const last = rule.lastNotifiedAt === undefined ? undefined : Date.parse(rule.lastNotifiedAt);
  if (rule.silenceSeconds && last !== undefined && now.getTime() - last < rule.silenceSeconds * 1000) return;
  for (const c of rule.contacts) {
    notify(state, { via: "eventRule", ruleName: rule.ruleName, contactGroup: c.contactGroupName, level: c.level, eventName, content, at: now.toISOString() });
  }
  rule.lastNotifiedAt = now.toISOString();
}

/** A system event an emulated service raised: kept, and handed to the SYSTEM rules it matches. */
export function raiseSystemEvent(state: EmulatorState, event: SystemEventRecord, now: Date): void {
  const events = (state.data.systemEvents ??= []);
  events.push(event);
  keepNewest(events);
  for (const rule of Object.values(state.data.eventRules ?? {})) {
    if (rule.eventType === "SYSTEM" && rule.patterns.some((p) => systemPatternMatches(p, event))) {
      fireEventRule(state, rule, event.name, JSON.stringify(event.content), now);
    }
  }
  state.changed();
}

/** A custom event just received (already kept): the custom event rules and CUSTOM event rules it reaches. */
export function alertOnCustomEvent(state: EmulatorState, event: CustomEventRecord, now: Date): void {
  const events = state.data.customEvents ?? [];
  for (const rule of Object.values(state.data.customEventRules ?? {})) {
    if (rule.eventName !== event.eventName || rule.groupId !== event.groupId) continue;
    if (!withinInterval(rule.effectiveInterval, now)) continue;
    const since = now.getTime() - rule.periodSeconds * 1000;
    const counted = events.filter((e) => e.eventName === rule.eventName && e.groupId === rule.groupId && Date.parse(e.receivedAt) > since).length;
    if (counted < rule.threshold) continue;
    for (const group of rule.contactGroups) {
      notify(state, { via: "customEventRule", ruleName: rule.ruleName, contactGroup: group, level: rule.level, eventName: event.eventName, content: event.content, at: now.toISOString() });
    }
  }
  for (const rule of Object.values(state.data.eventRules ?? {})) {
    if (rule.eventType === "CUSTOM" && rule.patterns.some((p) => customPatternMatches(rule, p, event))) {
      fireEventRule(state, rule, event.eventName, event.content, now);
    }
  }
}
