import type { $OpenApiUtil } from "@alicloud/openapi-core";
import { rpcPostParams } from "./rpc-params";

/**
 * KMS Secrets Manager 2016-01-20, one method per API action, nothing more:
 * no retries, no error wording, no product rules (those live in the store).
 *
 * Calls go through @alicloud/openapi-core's generic callApi (RPC, POST /,
 * ACS3-HMAC-SHA256), because the registry only has the legacy v1-signing KMS
 * SDK. Every parameter travels in the form body rather than the query string:
 * the SDK puts the request URL into its network error messages, and a URL
 * must never carry SecretData.
 */

export const KMS_API_VERSION = "2016-01-20";

export interface KmsTag {
  readonly key: string;
  readonly value: string;
}

export interface KmsSecretValue {
  readonly secretName: string;
  readonly secretData: string;
  readonly versionId: string;
  readonly versionStages: readonly string[];
  /** As KMS prints it: 2006-01-02T15:04:05Z. */
  readonly createTime: string;
}

export interface KmsSecretDescription {
  readonly secretName: string;
  readonly description: string;
  readonly createTime: string;
  readonly updateTime: string;
  readonly plannedDeleteTime?: string;
  readonly tags: readonly KmsTag[];
}

export interface KmsSecretSummary {
  readonly secretName: string;
  readonly createTime: string;
  readonly updateTime: string;
  readonly plannedDeleteTime?: string;
  readonly tags: readonly KmsTag[];
}

export interface KmsVersionSummary {
  readonly versionId: string;
  readonly createTime: string;
  readonly versionStages: readonly string[];
}

export interface KmsListFilter {
  readonly Key: "SecretName" | "Description" | "TagKey" | "TagValue" | "SecretType";
  readonly Values: readonly string[];
}

export interface KmsClient {
  createSecret(input: {
    secretName: string;
    secretData: string;
    versionId: string;
    description?: string;
    tags?: readonly KmsTag[];
    /** KMS 3.0: the KMS instance to create the secret in, and the instance's key that encrypts it. */
    dkmsInstanceId?: string;
    encryptionKeyId?: string;
  }): Promise<void>;
  getSecretValue(input: { secretName: string; versionId?: string; versionStage?: string }): Promise<KmsSecretValue>;
  /** `versionStages` is always sent: left out, KMS would give the new version ACSCurrent. */
  putSecretValue(input: { secretName: string; secretData: string; versionId: string; versionStages: readonly string[] }): Promise<void>;
  updateSecretVersionStage(input: { secretName: string; versionStage: string; moveToVersion?: string; removeFromVersion?: string }): Promise<void>;
  describeSecret(input: { secretName: string }): Promise<KmsSecretDescription>;
  listSecrets(input: { pageNumber: number; pageSize: number; filters?: readonly KmsListFilter[] }): Promise<{ totalCount: number; secrets: KmsSecretSummary[] }>;
  listSecretVersionIds(input: { secretName: string; pageNumber: number; pageSize: number }): Promise<{ totalCount: number; versions: KmsVersionSummary[] }>;
  updateSecret(input: { secretName: string; description: string }): Promise<void>;
  deleteSecret(input: { secretName: string } & ({ recoveryWindowInDays: number } | { forceDeleteWithoutRecovery: true })): Promise<{ plannedDeleteTime?: string }>;
  restoreSecret(input: { secretName: string }): Promise<void>;
  tagResource(input: { secretName: string; tags: readonly KmsTag[] }): Promise<void>;
  untagResource(input: { secretName: string; tagKeys: readonly string[] }): Promise<void>;
}

/** How a failed call failed, without anything the SDK put in its message (which can quote the request). */
export type KmsFailureKind = "throttling" | "server" | "client" | "network" | "credentials";

export class KmsApiError extends Error {
  override readonly name = "KmsApiError";
  constructor(
    readonly action: string,
    readonly kind: KmsFailureKind,
    /** KMS's error code (e.g. Rejected.ResourceExist), or the socket error code (ECONNRESET) for network failures. */
    readonly code: string,
    readonly httpStatus?: number,
    readonly requestId?: string,
    /** Set by the retry loop: how many times the call was sent. */
    public attempts = 1,
  ) {
    super(`KMS ${action} failed: ${code}${httpStatus === undefined ? "" : ` (HTTP ${httpStatus})`}${requestId ? `, request id ${requestId}` : ""}`);
  }
}

type Body = Record<string, unknown>;

/**
 * A KMS client on an injected openapi-core Config (endpoint, region,
 * credentials: see openApiConfig in cloud-settings.ts). The SDK is required
 * here, not at module load, so provider code that never uses KMS never loads it.
 */
export function createKmsClient(config: $OpenApiUtil.Config): KmsClient {
  const { default: OpenApi, $OpenApiUtil: util } = require("@alicloud/openapi-core") as typeof import("@alicloud/openapi-core");
  const { RuntimeOptions } = require("@alicloud/tea-util") as typeof import("@alicloud/tea-util");
  const sdk = new OpenApi(config);

  async function call(action: string, params: Record<string, string | number | boolean | undefined>): Promise<Body> {
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body[k] = String(v);
    const spec = rpcPostParams(action, KMS_API_VERSION);
    try {
      const response = await sdk.callApi(spec, new util.OpenApiRequest({ body }), new RuntimeOptions({ autoretry: false }));
      return (response.body ?? {}) as Body;
    } catch (e) {
      throw toKmsApiError(action, e);
    }
  }

  return {
    async createSecret(i) {
      await call("CreateSecret", {
        SecretName: i.secretName,
        SecretData: i.secretData,
        VersionId: i.versionId,
        SecretDataType: "text",
        Description: i.description || undefined,
        Tags: i.tags && i.tags.length > 0 ? JSON.stringify(i.tags.map((t) => ({ TagKey: t.key, TagValue: t.value }))) : undefined,
        DKMSInstanceId: i.dkmsInstanceId || undefined,
        EncryptionKeyId: i.encryptionKeyId || undefined,
      });
    },
    async getSecretValue(i) {
      const b = await call("GetSecretValue", { SecretName: i.secretName, VersionId: i.versionId, VersionStage: i.versionStage });
      return {
        secretName: str(b.SecretName),
        secretData: str(b.SecretData),
        versionId: str(b.VersionId),
        versionStages: list(b.VersionStages, "VersionStage").map(String),
        createTime: str(b.CreateTime),
      };
    },
    async putSecretValue(i) {
      await call("PutSecretValue", {
        SecretName: i.secretName,
        SecretData: i.secretData,
        VersionId: i.versionId,
        SecretDataType: "text",
        VersionStages: JSON.stringify(i.versionStages),
      });
    },
    async updateSecretVersionStage(i) {
      await call("UpdateSecretVersionStage", {
        SecretName: i.secretName,
        VersionStage: i.versionStage,
        MoveToVersion: i.moveToVersion,
        RemoveFromVersion: i.removeFromVersion,
      });
    },
    async describeSecret(i) {
      const b = await call("DescribeSecret", { SecretName: i.secretName, FetchTags: true });
      return {
        secretName: str(b.SecretName),
        description: str(b.Description),
        createTime: str(b.CreateTime),
        updateTime: str(b.UpdateTime),
        ...(b.PlannedDeleteTime ? { plannedDeleteTime: str(b.PlannedDeleteTime) } : {}),
        tags: tagsOf(b.Tags),
      };
    },
    async listSecrets(i) {
      const b = await call("ListSecrets", {
        PageNumber: i.pageNumber,
        PageSize: i.pageSize,
        FetchTags: true,
        Filters: i.filters && i.filters.length > 0 ? JSON.stringify(i.filters) : undefined,
      });
      return {
        totalCount: Number(b.TotalCount ?? 0),
        secrets: list(b.SecretList, "Secret").map((s) => {
          const r = s as Body;
          return {
            secretName: str(r.SecretName),
            createTime: str(r.CreateTime),
            updateTime: str(r.UpdateTime),
            ...(r.PlannedDeleteTime ? { plannedDeleteTime: str(r.PlannedDeleteTime) } : {}),
            tags: tagsOf(r.Tags),
          };
        }),
      };
    },
    async listSecretVersionIds(i) {
      const b = await call("ListSecretVersionIds", {
        SecretName: i.secretName,
        IncludeDeprecated: true,
        PageNumber: i.pageNumber,
        PageSize: i.pageSize,
      });
      return {
        totalCount: Number(b.TotalCount ?? 0),
        versions: list(b.VersionIds, "VersionId").map((v) => {
          const r = v as Body;
          return { versionId: str(r.VersionId), createTime: str(r.CreateTime), versionStages: list(r.VersionStages, "VersionStage").map(String) };
        }),
      };
    },
    async updateSecret(i) {
      await call("UpdateSecret", { SecretName: i.secretName, Description: i.description });
    },
    async deleteSecret(i) {
      const b = await call("DeleteSecret", {
        SecretName: i.secretName,
        ...("forceDeleteWithoutRecovery" in i ? { ForceDeleteWithoutRecovery: true } : { RecoveryWindowInDays: i.recoveryWindowInDays }),
      });
      return b.PlannedDeleteTime ? { plannedDeleteTime: str(b.PlannedDeleteTime) } : {};
    },
    async restoreSecret(i) {
      await call("RestoreSecret", { SecretName: i.secretName });
    },
    async tagResource(i) {
      await call("TagResource", { SecretName: i.secretName, Tags: JSON.stringify(i.tags.map((t) => ({ TagKey: t.key, TagValue: t.value }))) });
    },
    async untagResource(i) {
      await call("UntagResource", { SecretName: i.secretName, TagKeys: JSON.stringify(i.tagKeys) });
    },
  };
}

/**
 * openapi-core raises ThrottlingError for codes containing "Throttling",
 * ClientError for other 4xx and ServerError for 5xx; anything without an HTTP
 * status never got an answer (reset, refused, timed out).
 */
function toKmsApiError(action: string, e: unknown): KmsApiError {
  const err = (e ?? {}) as { name?: unknown; code?: unknown; statusCode?: unknown; requestId?: unknown };
  const status = typeof err.statusCode === "number" ? err.statusCode : undefined;
  const code = typeof err.code === "string" && err.code !== "" ? err.code : String(err.name ?? "UnknownError");
  const requestId = typeof err.requestId === "string" && err.requestId !== "" ? err.requestId : undefined;
  if (status === undefined) {
    if (err.name === "RequestTimeoutError" || /^E[A-Z0-9_]+$/.test(code)) return new KmsApiError(action, "network", code);
    // @alicloud/credentials throws a plain Error when its default chain finds nothing; the request was never sent.
    if (/unable to get credentials|credential/i.test(String((e as { message?: unknown })?.message ?? ""))) return new KmsApiError(action, "credentials", "NoCredentials");
    return new KmsApiError(action, "client", "UnexpectedResponse");
  }
  const kind: KmsFailureKind = err.name === "ThrottlingError" || code.includes("Throttling") || status === 429 ? "throttling" : status >= 500 ? "server" : "client";
  return new KmsApiError(action, kind, code, status, requestId);
}

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

/** KMS wraps lists as {"VersionStage": [...]}; an empty list may arrive as a missing key. */
function list(v: unknown, key: string): unknown[] {
  const inner = (v as Record<string, unknown> | undefined)?.[key];
  return Array.isArray(inner) ? inner : [];
}

function tagsOf(v: unknown): KmsTag[] {
  return list(v, "Tag").map((t) => {
    const r = t as Body;
    return { key: str(r.TagKey), value: str(r.TagValue) };
  });
}
