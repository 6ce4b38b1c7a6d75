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
 * CloudMonitor (API 2019-01-01), the one call the product makes:
 * PutCustomEvent. Retried here (cloud-call.ts) on throttling, 5xx and network
 * failures; a repeated event is harmless (an alarm rule fires on it once
 * more), a lost one is not.
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
}

/** The SDK's own timeouts (cloud-settings.ts openApiConfig), never longer than the time left. */
const SEND_TIMEOUTS = { connectMs: 5_000, readMs: 30_000 } as const;

export function cmsClientFor(settings: CloudSettings, retry: RetryPolicy = CLOUD_API_RETRY): CmsClient {
  const { default: OpenApi, $OpenApiUtil: util, OpenApiUtil } = openApiCore();
  const { RuntimeOptions } = teaUtil();
  const config = openApiConfig(settings, cmsEndpoint(settings.regionId));
  const client = new OpenApi(config);
  const spec = rpcPostParams("PutCustomEvent", CMS_API_VERSION);
  return {
    putCustomEvent: (params, until) => {
      const left = () => (until ? Math.max(1, until.deadlineAt - Date.now()) : Infinity);
      // A back-off cut short by the signal ends the call: no further send.
      const policy: RetryPolicy = until ? { ...retry, sleep: (ms) => (until.signal.aborted ? Promise.reject(until.signal.reason) : longSleep(Math.min(ms, left()), until.signal)) } : retry;
      return cloudCall({ service: "CMS", action: "PutCustomEvent", retry: policy, quoteService: false, sent: () => signingSecrets(config) }, async () => {
        if (until?.signal.aborted) throw new CloudApiError("Unreachable", "CMS PutCustomEvent was not sent: the events deadline passed", "CMS", "PutCustomEvent", "client", "Deadline");
        const timeouts = { connectTimeout: Math.min(SEND_TIMEOUTS.connectMs, left()), readTimeout: Math.min(SEND_TIMEOUTS.readMs, left()) };
        const response = await client.callApi(spec, new util.OpenApiRequest({ query: OpenApiUtil.query(params) }), new RuntimeOptions({ autoretry: false, ...timeouts }));
        // CloudMonitor can refuse in the body of an HTTP 200.
        const code = redactCloudText(String((response.body as { Code?: unknown } | undefined)?.Code ?? "200"), await signingSecrets(config));
        if (code !== "200") throw new CloudApiError("CloudRejected", `CMS PutCustomEvent failed: ${code}`, "CMS", "PutCustomEvent", "client", code);
      });
    },
  };
}
