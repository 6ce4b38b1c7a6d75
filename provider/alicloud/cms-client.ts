import { CLOUD_API_RETRY, type RetryPolicy } from "../core/retry";
import { longSleep } from "../core/long-sleep";
import { CloudApiError } from "./cloud-api-error";
import { cloudCall } from "./cloud-call";
import { redactCloudText } from "./redact-cloud-text";
import { signingSecrets } from "./signing-secrets";
import { openApiConfig, type CloudSettings } from "./cloud-settings";
import { rpcPostParams } from "./rpc-params";
import { openApiCore, teaUtil } from "./sdk-modules";

/**
 * CloudMonitor (API 2019-01-01): PutCustomEvent, what the runner and the
 * provider report each rotation with, and the alarm the RotationRunner
 * deploys on the failed ones: PutCustomEventRule, the documented alert route
 * for custom events (its reference: report the event with PutCustomEvent,
 * then create the rule), and DeleteMetricRules, CloudMonitor's delete of
 * alert rules by id, which the rule's RuleId fits (the PutCustomEventRule
 * reference names no delete of its own). Each is retried here (cloud-call.ts)
 * on throttling, 5xx and network failures: a repeated event is harmless (an
 * alarm rule fires on it once more), a lost one is not; the rule calls set
 * or remove a rule by its id, so a second send changes nothing.
 */

export const CMS_API_VERSION = "2019-01-01";
/** CloudMonitor's API endpoint for a region. */
export const cmsEndpoint = (regionId: string): string => `metrics.${regionId}.aliyuncs.com`;

export interface CmsClient {
  /**
   * PutCustomEvent with its query parameters (EventInfo.N.*). With `until`,
   * no send starts once `signal` aborts, and none runs past `deadlineAt`
   * (epoch ms): the SDK cannot be interrupted, so each send's timeouts are
   * cut to the time left.
   */
  putCustomEvent(params: Record<string, string>, until?: { readonly signal: AbortSignal; readonly deadlineAt: number }): Promise<void>;
  /** Creates the rule, or updates the one with this RuleId. */
  putCustomEventRule(rule: CustomEventRule): Promise<void>;
  /** Removes alert rules by id (Id.N, at most 100). */
  deleteMetricRules(ruleIds: readonly string[]): Promise<void>;
}

/** PutCustomEventRule's parameters: notify `contactGroups` at `level` once `threshold` events named `eventName` of `groupId` arrive within `periodSeconds`. */
export interface CustomEventRule {
  readonly groupId: string;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly eventName: string;
  readonly contactGroups: readonly string[];
  readonly level: "CRITICAL" | "WARN" | "INFO";
  readonly threshold: number;
  readonly periodSeconds: number;
}

/** The SDK's own timeouts (cloud-settings.ts openApiConfig), never longer than the time left. */
const SEND_TIMEOUTS = { connectMs: 5_000, readMs: 30_000 } as const;

export function cmsClientFor(settings: CloudSettings, retry: RetryPolicy = CLOUD_API_RETRY): CmsClient {
  const { default: OpenApi, $OpenApiUtil: util, OpenApiUtil } = openApiCore();
  const { RuntimeOptions } = teaUtil();
  const config = openApiConfig(settings, cmsEndpoint(settings.regionId));
  const client = new OpenApi(config);
  const spec = rpcPostParams("PutCustomEvent", CMS_API_VERSION);
  /** CloudMonitor can refuse in the body of an HTTP 200. */
  const refusedIn = async (action: string, body: unknown): Promise<void> => {
    const code = redactCloudText(String((body as { Code?: unknown } | undefined)?.Code ?? "200"), await signingSecrets(config));
    if (code !== "200") throw new CloudApiError("CloudRejected", `CMS ${action} failed: ${code}`, "CMS", action, "client", code);
  };
  const write = (action: string, query: Record<string, string>) =>
    cloudCall({ service: "CMS", action, retry, quoteService: false, sent: () => signingSecrets(config) }, async () => {
      const response = await client.callApi(rpcPostParams(action, CMS_API_VERSION), new util.OpenApiRequest({ query }), new RuntimeOptions({ autoretry: false }));
      await refusedIn(action, response.body);
    });
  return {
    putCustomEvent: (params, until) => {
      const left = () => (until ? Math.max(1, until.deadlineAt - Date.now()) : Infinity);
      // A back-off cut short by the signal ends the call: no further send.
      const policy: RetryPolicy = until ? { ...retry, sleep: (ms) => (until.signal.aborted ? Promise.reject(until.signal.reason) : longSleep(Math.min(ms, left()), until.signal)) } : retry;
      return cloudCall({ service: "CMS", action: "PutCustomEvent", retry: policy, quoteService: false, sent: () => signingSecrets(config) }, async () => {
        if (until?.signal.aborted) throw new CloudApiError("Unreachable", "CMS PutCustomEvent was not sent: the events deadline passed", "CMS", "PutCustomEvent", "client", "Deadline");
        const timeouts = { connectTimeout: Math.min(SEND_TIMEOUTS.connectMs, left()), readTimeout: Math.min(SEND_TIMEOUTS.readMs, left()) };
        const response = await client.callApi(spec, new util.OpenApiRequest({ query: OpenApiUtil.query(params) }), new RuntimeOptions({ autoretry: false, ...timeouts }));
        await refusedIn("PutCustomEvent", response.body);
      });
    },
    putCustomEventRule: (rule) =>
      write("PutCustomEventRule", {
        GroupId: rule.groupId,
        RuleId: rule.ruleId,
        RuleName: rule.ruleName,
        EventName: rule.eventName,
        ContactGroups: rule.contactGroups.join(","),
        Level: rule.level,
        Threshold: String(rule.threshold),
        Period: String(rule.periodSeconds),
      }),
    deleteMetricRules: (ruleIds) => write("DeleteMetricRules", Object.fromEntries(ruleIds.map((id, i) => [`Id.${i + 1}`, id]))),
  };
}
