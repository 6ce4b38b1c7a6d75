import { CLOUD_API_RETRY, type RetryPolicy } from "../core/retry";
import { CloudApiError } from "./cloud-api-error";
import { cloudCall } from "./cloud-call";
import { openApiConfig, type CloudSettings } from "./cloud-settings";
import { cmsEndpoint, CMS_API_VERSION } from "./cms-client";
import { redactCloudText } from "./redact-cloud-text";
import { rpcPostParams } from "./rpc-params";
import { openApiCore, teaUtil } from "./sdk-modules";
import { signingSecrets } from "./signing-secrets";

/**
 * KMS has no rotation status API: what it says about a rotation it carried
 * out is a CloudMonitor system event, Secret:RotateSecret:Success (INFO) or
 * Secret:RotateSecret:Failure (CRITICAL), whose content names the secret and,
 * on failure, KMS's error code (KMS's "Manage and use RAM secrets" and
 * secret rotation pages). Read with DescribeSystemEventAttribute (CloudMonitor
 * 2019-01-01; cms:DescribeSystemEventAttribute), one page of the newest, since
 * only the latest outcome of a secret matters. Retried here as every call is
 * (cloud-call.ts): it changes nothing.
 */

export const KMS_ROTATION_EVENT = { success: "Secret:RotateSecret:Success", failure: "Secret:RotateSecret:Failure" } as const;

/** One of KMS's rotation outcomes, as much of it as the product reads. */
export interface KmsRotationEvent {
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly outcome: "Success" | "Failure";
  /** KMS's error code on failure (failureInfo.errorCode), held to an identifier's form; never its message. */
  readonly errorCode?: string;
}

/** The most events one read returns: DescribeSystemEventAttribute's largest page. */
const PAGE_SIZE = 100;
/** What an error code may look like when shown: KMS's and ECS's are dotted identifiers (InvalidInstance.NotFound). */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export interface KmsRotationEventReader {
  /** KMS's rotation events of `secretName` from `since` on (at most a page of them), newest first. */
  since(secretName: string, since: Date): Promise<KmsRotationEvent[]>;
}

export function kmsRotationEventsFor(settings: CloudSettings, retry: RetryPolicy = CLOUD_API_RETRY): KmsRotationEventReader {
  const { default: OpenApi, $OpenApiUtil: util } = openApiCore();
  const { RuntimeOptions } = teaUtil();
  const config = openApiConfig(settings, cmsEndpoint(settings.regionId));
  const client = new OpenApi(config);
  const spec = rpcPostParams("DescribeSystemEventAttribute", CMS_API_VERSION);
  return {
    async since(secretName, since) {
      const body = {
        Product: "kms",
        SearchKeywords: secretName,
        StartTime: String(since.getTime()),
        PageNumber: "1",
        PageSize: String(PAGE_SIZE),
      };
      const answer = await cloudCall({ service: "CMS", action: "DescribeSystemEventAttribute", retry, quoteService: false, sent: () => signingSecrets(config) }, async () => {
        const response = await client.callApi(spec, new util.OpenApiRequest({ body }), new RuntimeOptions({ autoretry: false }));
        const b = (response.body ?? {}) as { Code?: unknown; SystemEvents?: { SystemEvent?: unknown } };
        // CloudMonitor can refuse in the body of an HTTP 200.
        const code = redactCloudText(String(b.Code ?? "200"), await signingSecrets(config));
        if (code !== "200") throw new CloudApiError("CloudRejected", `CMS DescribeSystemEventAttribute failed: ${code}`, "CMS", "DescribeSystemEventAttribute", "client", code);
        return Array.isArray(b.SystemEvents?.SystemEvent) ? (b.SystemEvents.SystemEvent as unknown[]) : [];
      });
      return answer.flatMap((e) => rotationEventOf(e, secretName)).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    },
  };
}

/**
 * A system event read as one of KMS's rotation outcomes for `secretName`, or
 * nothing: a keyword search matches substrings, so the content must name
 * exactly this secret. Whatever the answer holds is checked as input would be.
 */
export function rotationEventOf(raw: unknown, secretName: string): KmsRotationEvent[] {
  const e = raw as { Name?: unknown; Time?: unknown; Content?: unknown; Product?: unknown } | null;
  if (e === null || typeof e !== "object" || String(e.Product ?? "").toLowerCase() !== "kms") return [];
  const outcome = e.Name === KMS_ROTATION_EVENT.success ? "Success" : e.Name === KMS_ROTATION_EVENT.failure ? "Failure" : undefined;
  const ms = Number(e.Time);
  if (outcome === undefined || !Number.isSafeInteger(ms) || ms <= 0) return [];
  let content: { secretName?: unknown; failureInfo?: { errorCode?: unknown } };
  try {
    content = JSON.parse(String(e.Content ?? "")) as typeof content;
  } catch {
    return [];
  }
  if (content === null || typeof content !== "object" || content.secretName !== secretName) return [];
  const code = content.failureInfo?.errorCode;
  const errorCode = outcome === "Failure" ? (typeof code === "string" && ERROR_CODE.test(code) ? code : "Unknown") : undefined;
  return [{ at: new Date(ms).toISOString(), outcome, ...(errorCode ? { errorCode } : {}) }];
}
