import type { Logger } from "pino";
import { ManagedSecretsError } from "../core/errors";
import type { CloudSettings } from "../alicloud/cloud-settings";
import { eventDeadlinesFromEnv } from "./event-deadlines";
import { cloudMonitorSink } from "./cloudmonitor-sink";
import type { EventSink } from "./event-sink";

/**
 * The Function Compute runner's CloudMonitor events, switched on by the
 * RotationRunner's settings through the function's environment.
 */
const CLOUDMONITOR_ENV = { enabled: "MANAGED_SECRETS_CLOUDMONITOR_EVENTS", groupId: "MANAGED_SECRETS_CLOUDMONITOR_GROUP_ID" } as const;
export const CMS_GROUP_ID = /^[0-9]{1,20}$/;

export function cloudMonitorEnvironment(s: { readonly cloudMonitorEvents: boolean; readonly cloudMonitorGroupId?: string | undefined }): Record<string, string> {
  if (!s.cloudMonitorEvents) return {};
  return { [CLOUDMONITOR_ENV.enabled]: "1", ...(s.cloudMonitorGroupId ? { [CLOUDMONITOR_ENV.groupId]: s.cloudMonitorGroupId } : {}) };
}

export function cloudMonitorSinkFromEnv(env: NodeJS.ProcessEnv, cloud: () => CloudSettings, logger: Logger): EventSink | undefined {
  if (env[CLOUDMONITOR_ENV.enabled] !== "1") return undefined;
  const groupId = env[CLOUDMONITOR_ENV.groupId] || undefined;
  if (groupId !== undefined && !CMS_GROUP_ID.test(groupId)) {
    throw new ManagedSecretsError("InvalidInput", `${CLOUDMONITOR_ENV.groupId} must be a CloudMonitor application group id (digits)`, { property: CLOUDMONITOR_ENV.groupId });
  }
  return cloudMonitorSink({ settings: cloud(), groupId, logger, deadlines: eventDeadlinesFromEnv(env) });
}
