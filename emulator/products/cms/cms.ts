import { ApiError } from "../../gateway/api-error";
import type { Principal } from "../../gateway/authenticate";
import { accessDeniedDetail } from "../../gateway/authorize";
import { gatewayErrors } from "../../gateway/gateway-errors";
import type { CustomEventRecord } from "../../state/state-types";
import type { ActionContext, ProductSpec } from "../../gateway/product";

/**
 * CloudMonitor (API 2019-01-01), only PutCustomEvent: what the rotation
 * runner reports its events with. Events are kept in the state, in arrival
 * order, so tests read back exactly what reached the service.
 */

/** EventInfo.N: N from 1 to 50 (PutCustomEvent reference). */
const CMS_MAX_EVENTS_PER_CALL = 50;
/** The state keeps the newest this many; an emulator left running must not grow without bound. */
const CMS_KEPT_EVENTS = 10_000;

const cmsErrors = {
  noPermission: (principal: Principal, action: string) =>
    new ApiError(403, "NoPermission", `You are not authorized to do this action. Action: cms:${action}`, accessDeniedDetail(principal, `cms:${action}`)),
  throttling: () => new ApiError(400, "Throttling.User", "Request was denied due to user flow control."),
  invalid: (message: string) => new ApiError(400, "InvalidParameter", message),
};

/** Time: yyyyMMddTHHmmss.SSSZ (e.g. 20171013T170923.456+0800) or Unix milliseconds. */
const EVENT_TIME = /^(\d{13}|\d{8}T\d{6}\.\d{3}[+-]\d{4})$/;

function putCustomEvent(ctx: ActionContext) {
  const indexes = new Set<number>();
  for (const key of Object.keys(ctx.params)) {
    const m = /^EventInfo\.(\d+)\./.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  if (indexes.size === 0) throw gatewayErrors.missingParameter("EventInfo.1.EventName");
  const received: CustomEventRecord[] = [];
  for (const n of [...indexes].sort((a, b) => a - b)) {
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
  events.push(...received);
  if (events.length > CMS_KEPT_EVENTS) events.splice(0, events.length - CMS_KEPT_EVENTS);
  ctx.state.changed();
  return { Code: "200", Message: "success" };
}

export const cmsProduct: ProductSpec = {
  code: "Cms",
  ramNamespace: "cms",
  version: "2019-01-01",
  hostId: (regionId) => `metrics.${regionId}.aliyuncs.com`,
  noPermission: cmsErrors.noPermission,
  throttling: cmsErrors.throttling,
  actions: { PutCustomEvent: { handle: putCustomEvent } },
};
