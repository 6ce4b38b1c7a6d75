import { CLOUD_API_RETRY, type RetryPolicy } from "../core/retry";
import { CloudApiError } from "./cloud-api-error";
import { cloudCall } from "./cloud-call";
import { redactCloudText } from "./redact-cloud-text";
import { signingSecrets } from "./signing-secrets";
import type { CloudSettings } from "./cloud-settings";
import { rpcPostParams } from "./rpc-params";

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
  /** PutCustomEvent with its query parameters (EventInfo.N.*). */
  putCustomEvent(params: Record<string, string>): Promise<void>;
}

export function cmsClientFor(settings: CloudSettings, retry: RetryPolicy = CLOUD_API_RETRY): CmsClient {
  const { default: OpenApi, $OpenApiUtil: util, OpenApiUtil } = require("@alicloud/openapi-core") as typeof import("@alicloud/openapi-core");
  const { RuntimeOptions } = require("@alicloud/tea-util") as typeof import("@alicloud/tea-util");
  const { openApiConfig } = require("./cloud-settings") as typeof import("./cloud-settings");
  const config = openApiConfig(settings, cmsEndpoint(settings.regionId));
  const client = new OpenApi(config);
  const spec = rpcPostParams("PutCustomEvent", CMS_API_VERSION);
  return {
    putCustomEvent: (params) =>
      cloudCall({ service: "CMS", action: "PutCustomEvent", retry, quoteService: false, sent: () => signingSecrets(config) }, async () => {
        const response = await client.callApi(spec, new util.OpenApiRequest({ query: OpenApiUtil.query(params) }), new RuntimeOptions({ autoretry: false }));
        // CloudMonitor can refuse in the body of an HTTP 200.
        const code = redactCloudText(String((response.body as { Code?: unknown } | undefined)?.Code ?? "200"), await signingSecrets(config));
        if (code !== "200") throw new CloudApiError("CloudRejected", `CMS PutCustomEvent failed: ${code}`, "CMS", "PutCustomEvent", "client", code);
      }),
  };
}
