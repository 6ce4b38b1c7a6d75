import type { $OpenApiUtil } from "@alicloud/openapi-core";
import { ManagedSecretsError } from "../core/errors";
import { openApiConfig, type CloudSettings } from "./cloud-settings";
import { CLOUD_API_RETRY, NO_RETRY, type RetryPolicy } from "../core/retry";
import { cloudCall } from "./cloud-call";
import { signingSecrets } from "./signing-secrets";
import { ramSdk } from "./sdk-modules";

/**
 * The RAM calls a RAM secret needs, one method per API, and nothing else.
 * The SDK is required inside the factory (never at module scope), and its
 * Config is handed in, so the same client talks to the real service or to
 * the emulator. Every SDK failure leaves as a CloudApiError
 * (cloud-api-error.ts) whose message names the service's Code; no call here
 * carries a secret as a parameter, and what RAM says back is redacted of the
 * signing secret and anything shaped like a credential.
 */

/** RAM is a global service: one endpoint for every region. */
export const RAM_ENDPOINT = "ram.aliyuncs.com";


export type AccessKeyStatus = "Active" | "Inactive";

export interface AccessKeyInfo {
  readonly accessKeyId: string;
  readonly status: AccessKeyStatus;
  /** As RAM reports it: `2006-01-02T15:04:05Z`. */
  readonly createDate: string;
}

export interface CreatedAccessKey extends AccessKeyInfo {
  readonly accessKeySecret: string;
}

export interface RamUser {
  readonly userName: string;
  readonly userId: string;
}

export interface RamClient {
  getUser(userName: string): Promise<RamUser>;
  listAccessKeys(userName: string): Promise<AccessKeyInfo[]>;
  createAccessKey(userName: string): Promise<CreatedAccessKey>;
  updateAccessKey(userName: string, accessKeyId: string, status: AccessKeyStatus): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  /** `2006-01-02T15:04:05Z`, or undefined when the key has never been used. */
  getAccessKeyLastUsed(userName: string, accessKeyId: string): Promise<string | undefined>;
}

/**
 * Calls that only read (or set a status to a fixed value) are sent again, by
 * `retry`, when RAM throttles them, fails on its side or the network drops
 * them, so a refresh or a rotation does not fail on one blip. CreateAccessKey
 * and DeleteAccessKey are sent once: a lost answer there is for the rotation
 * protocol to sort out, and a second CreateAccessKey would make a second key.
 */
export function createRamClient(config: $OpenApiUtil.Config, retry: RetryPolicy = CLOUD_API_RETRY): RamClient {
  const sdk = ramSdk();
  const client = new sdk.default(config);
  const sent = () => signingSecrets(config);
  const once = <T>(action: string, run: () => Promise<T>): Promise<T> => cloudCall({ service: "RAM", action, retry: NO_RETRY, quoteService: true, sent }, run);
  const idempotent = <T>(action: string, run: () => Promise<T>): Promise<T> => cloudCall({ service: "RAM", action, retry, quoteService: true, sent }, run);
  return {
    getUser: (userName) =>
      idempotent("GetUser", async () => {
        const user = (await client.getUser(new sdk.GetUserRequest({ userName }))).body?.user;
        return { userName: user?.userName ?? userName, userId: user?.userId ?? "" };
      }),
    listAccessKeys: (userName) =>
      idempotent("ListAccessKeys", async () => {
        const keys = (await client.listAccessKeys(new sdk.ListAccessKeysRequest({ userName }))).body?.accessKeys?.accessKey ?? [];
        return keys.map((k) => ({ accessKeyId: k.accessKeyId ?? "", status: statusOf(k.status), createDate: k.createDate ?? "" }));
      }),
    createAccessKey: (userName) =>
      once("CreateAccessKey", async () => {
        const key = (await client.createAccessKey(new sdk.CreateAccessKeyRequest({ userName }))).body?.accessKey;
        if (!key?.accessKeyId || !key.accessKeySecret) {
          throw new ManagedSecretsError("CloudRejected", `RAM CreateAccessKey answered without an AccessKey for user ${userName}`);
        }
        return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, status: statusOf(key.status), createDate: key.createDate ?? "" };
      }),
    updateAccessKey: (userName, accessKeyId, status) =>
      idempotent("UpdateAccessKey", async () => {
        await client.updateAccessKey(new sdk.UpdateAccessKeyRequest({ userName, userAccessKeyId: accessKeyId, status }));
      }),
    deleteAccessKey: (userName, accessKeyId) =>
      once("DeleteAccessKey", async () => {
        await client.deleteAccessKey(new sdk.DeleteAccessKeyRequest({ userName, userAccessKeyId: accessKeyId }));
      }),
    getAccessKeyLastUsed: (userName, accessKeyId) =>
      idempotent("GetAccessKeyLastUsed", async () => {
        const res = await client.getAccessKeyLastUsed(new sdk.GetAccessKeyLastUsedRequest({ userName, userAccessKeyId: accessKeyId }));
        return res.body?.accessKeyLastUsed?.lastUsedDate || undefined;
      }),
  };
}

/** A client for the settings' admin credentials (stack config or environment). */
export function ramClientFor(settings: CloudSettings, retry: RetryPolicy = CLOUD_API_RETRY): RamClient {
  return createRamClient(openApiConfig(settings, RAM_ENDPOINT), retry);
}

function statusOf(status: string | undefined): AccessKeyStatus {
  return status === "Inactive" ? "Inactive" : "Active";
}
