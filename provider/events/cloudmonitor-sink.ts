import type { Logger } from "pino";
import type { CloudSettings } from "../alicloud/cloud-settings";
import { rpcPostParams } from "../alicloud/rpc-params";
import { pendingDeliveries, type EventSink } from "./event-sink";
import type { RotationEvent } from "./rotation-event";

/**
 * Rotation events as CloudMonitor custom events (PutCustomEvent, CloudMonitor
 * API 2019-01-01), which an event alarm rule picks up and sends to a contact
 * group: how a failed 3 a.m. rotation in Function Compute wakes someone.
 * The event name says the outcome so a rule can match failures alone; the
 * content is the event's JSON (names, ids and codes only).
 */

export const CMS_API_VERSION = "2019-01-01";
export const CMS_EVENT_NAMES = { succeeded: "ManagedSecretsRotationSucceeded", failed: "ManagedSecretsRotationFailed", skipped: "ManagedSecretsRotationSkipped" } as const;
/** CloudMonitor's API endpoint for a region. */
export const cmsEndpoint = (regionId: string): string => `metrics.${regionId}.aliyuncs.com`;

export interface CloudMonitorOptions {
  readonly settings: CloudSettings;
  /** The application group the events belong to (PutCustomEvent GroupId); none: "0", no group. */
  readonly groupId?: string;
  readonly attempts?: number;
  readonly logger?: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The PutCustomEvent parameters for one event (EventInfo.N, N = 1). */
export function putCustomEventParams(event: RotationEvent, groupId?: string): Record<string, string> {
  return {
    "EventInfo.1.EventName": CMS_EVENT_NAMES[event.outcome],
    "EventInfo.1.Content": JSON.stringify(event),
    // Unix milliseconds: one of the two forms PutCustomEvent's Time takes.
    "EventInfo.1.Time": String(Date.parse(event.at)),
    ...(groupId ? { "EventInfo.1.GroupId": groupId } : {}),
  };
}

export function cloudMonitorSink(o: CloudMonitorOptions): EventSink {
  const { default: OpenApi, $OpenApiUtil: util, OpenApiUtil } = require("@alicloud/openapi-core") as typeof import("@alicloud/openapi-core");
  const { RuntimeOptions } = require("@alicloud/tea-util") as typeof import("@alicloud/tea-util");
  const { openApiConfig } = require("../alicloud/cloud-settings") as typeof import("../alicloud/cloud-settings");
  const client = new OpenApi(openApiConfig(o.settings, cmsEndpoint(o.settings.regionId)));
  const attempts = o.attempts ?? 3;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pending = pendingDeliveries();
  const spec = rpcPostParams("PutCustomEvent", CMS_API_VERSION);


  async function deliver(event: RotationEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await client.callApi(spec, new util.OpenApiRequest({ query: OpenApiUtil.query(putCustomEventParams(event, o.groupId)) }), new RuntimeOptions({ autoretry: false }));
        const code = String((response.body as { Code?: unknown } | undefined)?.Code ?? "200");
        if (code === "200") return;
        throw Object.assign(new Error("PutCustomEvent refused"), { code });
      } catch (e) {
        const { code, statusCode } = e as { code?: unknown; statusCode?: unknown };
        const retry = typeof statusCode !== "number" || statusCode >= 500 || String(code).startsWith("Throttling");
        if (!retry || attempt >= attempts) {
          // The code and status only: a service message can quote the request.
          o.logger?.warn({ event: "cloudmonitor-undelivered", secret: event.secretName, code: typeof code === "string" ? code : undefined, statusCode, attempts: attempt }, "rotation event not delivered to CloudMonitor");
          return;
        }
        await sleep(300 * 2 ** (attempt - 1));
      }
    }
  }

  return { name: "cloudmonitor", emit: (event) => pending.track(deliver(event)), flush: () => pending.settle() };
}
