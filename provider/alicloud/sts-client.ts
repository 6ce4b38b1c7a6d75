import type { $OpenApiUtil } from "@alicloud/openapi-core";
import { openApiConfig, type CloudSettings } from "./cloud-settings";
import { CLOUD_API_RETRY, type RetryPolicy } from "../core/retry";
import { cloudCall } from "./cloud-call";
import { signingSecrets } from "./signing-secrets";
import { stsSdk } from "./sdk-modules";

/**
 * STS GetCallerIdentity signed WITH a given AccessKey pair: the cheapest call
 * that proves a pair authenticates, and says as whom. A refused key is an
 * answer here, not an error, because probing keys is what callers do with
 * it, and never retried here (the RAM target waits for a new key to
 * propagate, and probes again itself). Throttling, 5xx and network failures
 * are retried here (cloud-call.ts: the call only reads), then thrown as a
 * CloudApiError.
 */

/** STS's global endpoint; it answers for every region. */
export const STS_ENDPOINT = "sts.aliyuncs.com";

export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface CallerIdentity {
  readonly identityType: string;
  readonly accountId: string;
  readonly userId: string;
  readonly arn: string;
}

/** Why the gateway refused a pair: unknown (or not yet propagated), disabled, or the secret does not belong to the id. */
export type KeyRejection = "NotFound" | "Inactive" | "SignatureMismatch";

export type KeyPairCheck =
  | { readonly outcome: "accepted"; readonly identity: CallerIdentity }
  | { readonly outcome: "rejected"; readonly reason: KeyRejection; readonly apiCode: string };

export interface StsClient {
  getCallerIdentity(pair: AccessKeyPair): Promise<KeyPairCheck>;
}

const REJECTIONS: Readonly<Record<string, KeyRejection>> = {
  "InvalidAccessKeyId.NotFound": "NotFound",
  "InvalidAccessKeyId.Inactive": "Inactive",
  SignatureDoesNotMatch: "SignatureMismatch",
};

/** `configFor` builds the SDK Config that signs with the given pair. */
export function createStsClient(configFor: (pair: AccessKeyPair) => $OpenApiUtil.Config, retry: RetryPolicy = CLOUD_API_RETRY): StsClient {
  const sdk = stsSdk();
  return {
    getCallerIdentity: (pair) => {
      const config = configFor(pair);
      const sent = async () => [pair.accessKeySecret, ...(await signingSecrets(config))];
      return cloudCall({ service: "STS", action: "GetCallerIdentity", retry, quoteService: true, sent }, async (): Promise<KeyPairCheck> => {
        try {
          const body = (await new sdk.default(config).getCallerIdentity()).body;
          return {
            outcome: "accepted",
            identity: { identityType: body?.identityType ?? "", accountId: body?.accountId ?? "", userId: body?.userId ?? "", arn: body?.arn ?? "" },
          };
        } catch (e) {
          const code = (e as { code?: unknown })?.code;
          const reason = typeof code === "string" && typeof (e as { statusCode?: unknown }).statusCode === "number" ? REJECTIONS[code] : undefined;
          if (reason) return { outcome: "rejected", reason, apiCode: code as string };
          throw e;
        }
      });
    },
  };
}

/** Same region and endpoint override as the settings, but signed with `pair` instead of the admin credentials. */
export function stsClientFor(settings: CloudSettings, retry: RetryPolicy = CLOUD_API_RETRY): StsClient {
  return createStsClient(
    (pair) => openApiConfig({ regionId: settings.regionId, endpoint: settings.endpoint, protocol: settings.protocol, ...pair }, STS_ENDPOINT),
    retry,
  );
}

/** True when the identity is the RAM user `userName` (RAM user names compare case-insensitively). */
export function isRamUser(identity: CallerIdentity, userName: string): boolean {
  const m = /:user\/([^/]+)$/.exec(identity.arn);
  return identity.identityType === "RAMUser" && m !== null && m[1]!.toLowerCase() === userName.toLowerCase();
}
