import type { Logger } from "pino";
import type { CloudSettings } from "../alicloud/cloud-settings";
import { cloudApiErrorIn } from "../alicloud/cloud-api-error";
import { cmsClientFor } from "../alicloud/cms-client";
import { CLOUD_API_RETRY } from "../core/retry";
import { EVENT_DEADLINES, type EventDeadlines } from "./event-deadlines";
import { pendingDeliveries, type EventSink } from "./event-sink";
import type { RotationEvent } from "./rotation-event";

/**
 * Rotation events as CloudMonitor custom events (PutCustomEvent, CloudMonitor
 * API 2019-01-01), which an event alarm rule picks up and sends to a contact
 * group: how a failed 3 a.m. rotation in Function Compute wakes someone.
 * The event name says the outcome so a rule can match failures alone; the
 * content is the event's JSON (names, ids and codes only).
 */

export const CMS_EVENT_NAMES = { succeeded: "ManagedSecretsRotationSucceeded", failed: "ManagedSecretsRotationFailed", skipped: "ManagedSecretsRotationSkipped" } as const;

export interface CloudMonitorOptions {
  readonly settings: CloudSettings;
  /** The application group the events belong to (PutCustomEvent GroupId); none: "0", no group. */
  readonly groupId?: string;
  /** Sends of one event at most (default CLOUD_API_RETRY's); the CloudMonitor client retries, the sink does not. */
  readonly attempts?: number;
  /** Each event's and the pass's deadlines (EVENT_DEADLINES by default). */
  readonly deadlines?: EventDeadlines;
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
  const cms = cmsClientFor(o.settings, { ...CLOUD_API_RETRY, ...(o.attempts === undefined ? {} : { attempts: o.attempts }), ...(o.sleep ? { sleep: o.sleep } : {}) });
  const deadlines = o.deadlines ?? EVENT_DEADLINES;
  const pending = pendingDeliveries(deadlines);
  const undelivered = (event: RotationEvent, fields: Record<string, unknown>) =>
    o.logger?.warn({ event: "cloudmonitor-undelivered", secret: event.secretName, ...fields }, "rotation event not delivered to CloudMonitor");

  function emit(event: RotationEvent): void {
    const deadlineAt = Date.now() + deadlines.deliveryMs;
    pending.track(
      async (signal) => {
        try {
          await cms.putCustomEvent(putCustomEventParams(event, o.groupId), { signal, deadlineAt });
        } catch (e) {
          if (signal.aborted) return;
          // The code and status only: a service message can quote the request.
          const failed = cloudApiErrorIn(e);
          undelivered(event, { code: failed?.apiCode, statusCode: failed?.httpStatus, attempts: failed?.attempts ?? 1 });
        }
      },
      (why) => undelivered(event, { why: `${why} passed (${why === "pass deadline" ? deadlines.passMs : deadlines.deliveryMs} ms)` }),
    );
  }

  return { name: "cloudmonitor", emit, flush: () => pending.settle() };
}
