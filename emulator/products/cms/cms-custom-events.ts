import { gatewayErrors } from "../../gateway/gateway-errors";
import { flatIndexes } from "../../gateway/params";
import type { ActionContext } from "../../gateway/product";
import type { CustomEventRecord } from "../../state/state-types";
import { alertOnCustomEvent, keepNewest } from "./cms-alerts";
import { cmsErrors } from "./cms-errors";

/** EventInfo.N: N from 1 to 50 (PutCustomEvent reference). */
const CMS_MAX_EVENTS_PER_CALL = 50;

/** Time: yyyyMMddTHHmmss.SSSZ (e.g. 20171013T170923.456+0800) or Unix milliseconds. */
const EVENT_TIME = /^(\d{13}|\d{8}T\d{6}\.\d{3}[+-]\d{4})$/;

/**
 * PutCustomEvent: what the rotation runner reports its events with. Events
 * are kept in the state, in arrival order, so tests read back exactly what
 * reached the service, and each meets the alert rules (cms-alerts.ts).
 */
export function putCustomEvent(ctx: ActionContext) {
  const indexes = flatIndexes(ctx.params, "EventInfo");
  if (indexes.length === 0) throw gatewayErrors.missingParameter("EventInfo.1.EventName");
  const received: CustomEventRecord[] = [];
  for (const n of indexes) {
    if (n < 1 || n > CMS_MAX_EVENTS_PER_CALL) throw cmsErrors.invalid(`EventInfo.N: N must be 1 to ${CMS_MAX_EVENTS_PER_CALL}.`);
    const field = (name: string) => ctx.params[`EventInfo.${n}.${name}`];
    const eventName = field("EventName");
    const content = field("Content");
    if (!eventName) throw gatewayErrors.missingParameter(`EventInfo.${n}.EventName`);
    if (!content) throw gatewayErrors.missingParameter(`EventInfo.${n}.Content`);
    const time = field("Time");
    if (time !== undefined && !EVENT_TIME.test(time)) throw cmsErrors.invalid(`EventInfo.${n}.Time must be yyyyMMddTHHmmss.SSSZ or Unix milliseconds.`);
    received.push({ eventName, content, time: time ?? null, groupId: field("GroupId") ?? "0", receivedAt: ctx.now.toISOString() });
  }
  const events = (ctx.state.data.customEvents ??= []);
  for (const event of received) {
    events.push(event);
    alertOnCustomEvent(ctx.state, event, ctx.now);
  }
  keepNewest(events);
  ctx.state.changed();
  return { Code: "200", Message: "success" };
}
