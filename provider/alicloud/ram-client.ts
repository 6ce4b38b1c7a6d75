import type { $OpenApiUtil } from "@alicloud/openapi-core";
import { ManagedSecretsError, type ErrorCode } from "../core/errors";
import type { CloudSettings } from "./cloud-settings";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../core/retry";

/**
 * The RAM calls a RAM secret needs, one method per API, and nothing else.
 * The SDK is required inside the factory (never at module scope), and its
 * Config is handed in, so the same client talks to the real service or to
 * the emulator. Every SDK failure leaves as a ManagedSecretsError whose
 * message names the service's Code; no call here ever carries a secret as a
 * parameter, so no message can echo one.
 */

/** RAM is a global service: one endpoint for every region. */
export const RAM_ENDPOINT = "ram.aliyuncs.com";

/**
 * Calls that only read (or set a status to a fixed value) are tried again
 * when RAM throttles them or the network drops them, so a refresh or a
 * rotation does not fail on one blip. CreateAccessKey and DeleteAccessKey
 * are not: a lost answer there is for the rotation protocol to sort out.
 */
export const RAM_IDEMPOTENT_RETRY: RetryPolicy = { ...DEFAULT_RETRY, attempts: 4, baseDelayMs: 200, maxDelayMs: 2_000 };

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

export function createRamClient(config: $OpenApiUtil.Config, retry: RetryPolicy = RAM_IDEMPOTENT_RETRY): RamClient {
  const sdk = require("@alicloud/ram20150501") as typeof import("@alicloud/ram20150501");
  const client = new sdk.default(config);
  const once = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw apiErrorFrom("RAM", action, e);
    }
  };
  const idempotent = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    const attempted = await withRetry(retry, () => once(action, run));
    if (attempted.ok) return attempted.value;
    throw attempted.error;
  };
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
          throw new ManagedSecretsError("CloudApiError", `RAM CreateAccessKey answered without an AccessKey for user ${userName}`);
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
export function ramClientFor(settings: CloudSettings): RamClient {
  const { openApiConfig } = require("./cloud-settings") as typeof import("./cloud-settings");
  return createRamClient(openApiConfig(settings, RAM_ENDPOINT));
}

function statusOf(status: string | undefined): AccessKeyStatus {
  return status === "Inactive" ? "Inactive" : "Active";
}

/**
 * A ManagedSecretsError that also carries what the service said, so callers
 * branch on `apiCode` instead of parsing messages.
 */
export class CloudApiFailure extends ManagedSecretsError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly apiCode: string,
    readonly httpStatus?: number,
    readonly requestId?: string,
  ) {
    super(code, message);
  }
}

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** The gateway's answers when the signing key itself is refused. */
const CREDENTIAL_CODES = /^(InvalidAccessKeyId\b|SignatureDoesNotMatch$|IncompleteSignature$|InvalidSecurityToken\b)/;
const MAX_SERVICE_MESSAGE = 240;

/**
 * Translates any SDK failure. Shared by the RAM and STS clients; the SDK's own
 * error object is not attached as a cause, because it holds the request
 * (headers, signed URL) and nothing that walks causes should log that.
 */
export function apiErrorFrom(service: string, action: string, e: unknown): ManagedSecretsError {
  if (e instanceof ManagedSecretsError) return e;
  const err = e as { code?: unknown; statusCode?: unknown; name?: unknown; requestId?: unknown; data?: { Message?: unknown; RequestId?: unknown } };
  const apiCode = typeof err?.code === "string" ? err.code : "";
  const status = typeof err?.statusCode === "number" ? err.statusCode : undefined;
  if (status === undefined) {
    const name = typeof err?.name === "string" ? err.name : "Error";
    if (NETWORK_CODES.has(apiCode) || /timeout/i.test(`${name} ${apiCode}`)) {
      return new CloudApiFailure(
        "Unreachable",
        `${service} ${action} did not complete (${apiCode || name}); the call may or may not have taken effect`,
        apiCode || name,
      );
    }
    return new CloudApiFailure("CloudApiError", `${service} ${action} failed before the service answered (${apiCode || name})`, apiCode || name);
  }
  const requestId = typeof err.requestId === "string" ? err.requestId : typeof err.data?.RequestId === "string" ? err.data.RequestId : undefined;
  const said = serviceMessage(err.data?.Message);
  const message = `${service} ${action} failed: ${apiCode} (HTTP ${status}${requestId ? `, request ${requestId}` : ""})${said ? `: ${said}` : ""}`;
  return new CloudApiFailure(codeFor(apiCode, status), message, apiCode, status, requestId);
}

function codeFor(apiCode: string, status: number): ErrorCode {
  if (/Throttling/i.test(apiCode) || status === 429) return "Throttled";
  if (apiCode.startsWith("EntityNotExist")) return "TargetNotFound";
  if (apiCode.startsWith("LimitExceeded.User.AccessKey")) return "AccessKeyLimit";
  if (CREDENTIAL_CODES.test(apiCode)) return "AuthenticationFailed";
  return "CloudApiError";
}

/** The service's own words, short; a signature mismatch's echo of the string to sign is noise, not help. */
function serviceMessage(text: unknown): string {
  if (typeof text !== "string") return "";
  const cut = text.split(/\s*server string to sign is/i)[0]!.trim();
  return cut.length > MAX_SERVICE_MESSAGE ? `${cut.slice(0, MAX_SERVICE_MESSAGE)}...` : cut;
}
