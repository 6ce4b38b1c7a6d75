import type { $OpenApiUtil } from "@alicloud/openapi-core";
import { CLOUD_API_RETRY, type RetryPolicy } from "../core/retry";
import { cloudCall } from "./cloud-call";
import { signingSecrets } from "./signing-secrets";
import { rpcPostParams } from "./rpc-params";
import { openApiCore, teaUtil } from "./sdk-modules";

/**
 * KMS 2016-01-20 (Secrets Manager, and the asymmetric key calls that sign and
 * check a secret's target binding), one method per API action, nothing more:
 * no error wording, no product rules (those live in the store). Every call
 * is retried here (cloud-call.ts), on throttling (Rejected.Throttling, HTTP
 * 429), KMS server errors (5xx) and network failures, and nowhere above.
 *
 * Retrying is safe for every call, including one whose answer was lost after
 * KMS acted: PutSecretValue, TagResource, UntagResource, UpdateSecret and
 * RestoreSecret are idempotent, the key calls change nothing (a second
 * AsymmetricSign is just another valid signature), RotateSecret rotates once
 * per VersionId and UpdateSecretRotationPolicy sets a state, and the store checks the
 * outcome of CreateSecret, DeleteSecret and UpdateSecretVersionStage when a
 * retried call reports a conflict (CloudApiError.attempts > 1).
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

export interface KmsSecretSummary {
  readonly secretName: string;
  /** Generic, or a type KMS rotates itself (ECS, RAMCredentials, ...); absent where KMS did not say. */
  readonly secretType?: string;
  readonly createTime: string;
  readonly updateTime: string;
  readonly plannedDeleteTime?: string;
  readonly tags: readonly KmsTag[];
}

export interface KmsSecretDescription extends KmsSecretSummary {
  readonly description: string;
  /** The types KMS rotates: ExtendedConfig as KMS answers it (a JSON string), and the rotation fields, as KMS prints them. */
  readonly extendedConfig?: string;
  readonly automaticRotation?: string;
  readonly rotationInterval?: string;
  readonly lastRotationDate?: string;
  readonly nextRotationDate?: string;
}

/** CreateSecret of a type KMS rotates itself (ECS, RAMCredentials): SecretType, ExtendedConfig and the rotation policy besides a generic create's fields. */
export interface KmsManagedSecretInput {
  readonly secretName: string;
  readonly secretType: string;
  /** JSON. */
  readonly extendedConfig: string;
  readonly secretData: string;
  readonly versionId: string;
  readonly description?: string;
  readonly tags?: readonly KmsTag[];
  /** integer[d|h|m|s]; absent: automatic rotation off. */
  readonly rotationInterval?: string;
  readonly dkmsInstanceId?: string;
  readonly encryptionKeyId?: string;
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

/** A version of a KMS key (ListKeyVersions), as KMS prints its creation date: 2006-01-02T15:04:05Z. */
export interface KmsKeyVersion {
  readonly keyVersionId: string;
  readonly creationDate: string;
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
  /** `digest`: base64 of the message's digest under `algorithm` (SHA-256 for ECDSA_SHA_256). Resolves to the signature, base64 as KMS gives it. */
  asymmetricSign(input: { keyId: string; keyVersionId: string; algorithm: string; digest: string }): Promise<{ keyVersionId: string; value: string }>;
  /** The public key of an asymmetric key's version, as PEM (SubjectPublicKeyInfo). */
  getPublicKey(input: { keyId: string; keyVersionId: string }): Promise<{ publicKey: string }>;
  listKeyVersions(input: { keyId: string; pageNumber: number; pageSize: number }): Promise<{ totalCount: number; versions: KmsKeyVersion[] }>;
  /** CreateSecret of a type KMS rotates; resolves to the name KMS gave it (RAMCredentials are created as $Auto). */
  createManagedSecret(input: KmsManagedSecretInput): Promise<{ secretName: string }>;
  /** RotateSecret: KMS rotates now, after answering; a VersionId the secret already has rotates nothing. */
  rotateSecret(input: { secretName: string; versionId: string }): Promise<{ versionId: string }>;
  /** UpdateSecretRotationPolicy; the interval (integer[d|h|m|s]) is required to enable. */
  updateSecretRotationPolicy(input: { secretName: string; enableAutomaticRotation: boolean; rotationInterval?: string }): Promise<void>;
  /** A KMS 3.0 instance's quotas of one resource type ("secret": how many secrets it may hold, and how many it holds). */
  getKmsInstanceQuotaInfos(input: { kmsInstanceId: string; resourceType: string }): Promise<{ kmsInstanceId: string; quotas: KmsInstanceQuota[] }>;
}

export interface KmsInstanceQuota {
  readonly resourceType: string;
  readonly resourceQuota: number;
  readonly usedQuantity: number;
}

type Body = Record<string, unknown>;

/**
 * A KMS client on an injected openapi-core Config (endpoint, region,
 * credentials: see openApiConfig in cloud-settings.ts). The SDK loads here, on
 * first use, so provider code that never uses KMS never loads it.
 */
export function createKmsClient(config: $OpenApiUtil.Config, retry: RetryPolicy = CLOUD_API_RETRY): KmsClient {
  const { default: OpenApi, $OpenApiUtil: util } = openApiCore();
  const { RuntimeOptions } = teaUtil();
  const sdk = new OpenApi(config);

  async function call(action: string, params: Record<string, string | number | boolean | undefined>): Promise<Body> {
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body[k] = String(v);
    const spec = rpcPostParams(action, KMS_API_VERSION);
    const sent = async () => [...(body.SecretData ? [body.SecretData] : []), ...(await signingSecrets(config))];
    const response = await cloudCall({ service: "KMS", action, retry, quoteService: false, sent }, () =>
      sdk.callApi(spec, new util.OpenApiRequest({ body }), new RuntimeOptions({ autoretry: false })),
    );
    return (response.body ?? {}) as Body;
  }

  return {
    async createSecret(i) {
      await call("CreateSecret", createParams(i));
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
      const managed = {
        extendedConfig: b.ExtendedConfig,
        automaticRotation: b.AutomaticRotation,
        rotationInterval: b.RotationInterval,
        lastRotationDate: b.LastRotationDate,
        nextRotationDate: b.NextRotationDate,
      };
      const present = Object.fromEntries(Object.entries(managed).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [k, str(v)]));
      return { ...summaryOf(b), description: str(b.Description), ...present };
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
        secrets: list(b.SecretList, "Secret").map((s) => summaryOf(s as Body)),
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
    async asymmetricSign(i) {
      const b = await call("AsymmetricSign", { KeyId: i.keyId, KeyVersionId: i.keyVersionId, Algorithm: i.algorithm, Digest: i.digest });
      return { keyVersionId: str(b.KeyVersionId), value: str(b.Value) };
    },
    async getPublicKey(i) {
      const b = await call("GetPublicKey", { KeyId: i.keyId, KeyVersionId: i.keyVersionId });
      return { publicKey: str(b.PublicKey) };
    },
    async listKeyVersions(i) {
      const b = await call("ListKeyVersions", { KeyId: i.keyId, PageNumber: i.pageNumber, PageSize: i.pageSize });
      return {
        totalCount: Number(b.TotalCount ?? 0),
        versions: list(b.KeyVersions, "KeyVersion").map((v) => ({ keyVersionId: str((v as Body).KeyVersionId), creationDate: str((v as Body).CreationDate) })),
      };
    },
    async createManagedSecret(i) {
      const b = await call("CreateSecret", {
        ...createParams(i),
        SecretType: i.secretType,
        ExtendedConfig: i.extendedConfig,
        EnableAutomaticRotation: i.rotationInterval !== undefined,
        RotationInterval: i.rotationInterval,
      });
      return { secretName: str(b.SecretName) };
    },
    async rotateSecret(i) {
      const b = await call("RotateSecret", { SecretName: i.secretName, VersionId: i.versionId });
      return { versionId: str(b.VersionId) };
    },
    async updateSecretRotationPolicy(i) {
      await call("UpdateSecretRotationPolicy", { SecretName: i.secretName, EnableAutomaticRotation: i.enableAutomaticRotation, RotationInterval: i.rotationInterval });
    },
    async getKmsInstanceQuotaInfos(i) {
      const b = await call("GetKmsInstanceQuotaInfos", { KmsInstanceId: i.kmsInstanceId, ResourceType: i.resourceType });
      // Unlike the other lists, the reference shows this one bare: an array, not {"KmsInstanceQuotaInfo": [...]}.
      const infos = Array.isArray(b.KmsInstanceQuotaInfos) ? b.KmsInstanceQuotaInfos : list(b.KmsInstanceQuotaInfos, "KmsInstanceQuotaInfo");
      return {
        kmsInstanceId: str(b.KmsInstanceId),
        quotas: infos.map((q) => {
          const r = q as Body;
          return { resourceType: str(r.ResourceType), resourceQuota: Number(r.ResourceQuota), usedQuantity: Number(r.UsedQuantity) };
        }),
      };
    },
  };
}

/** What every CreateSecret sends, whatever the secret's type. */
function createParams(i: { secretName: string; secretData: string; versionId: string; description?: string; tags?: readonly KmsTag[]; dkmsInstanceId?: string; encryptionKeyId?: string }) {
  return {
    SecretName: i.secretName,
    SecretData: i.secretData,
    VersionId: i.versionId,
    SecretDataType: "text",
    Description: i.description || undefined,
    Tags: i.tags && i.tags.length > 0 ? JSON.stringify(i.tags.map((t) => ({ TagKey: t.key, TagValue: t.value }))) : undefined,
    DKMSInstanceId: i.dkmsInstanceId || undefined,
    EncryptionKeyId: i.encryptionKeyId || undefined,
  };
}

/** DescribeSecret and ListSecrets' entries name a secret's dates and tags alike. */
function summaryOf(b: Body): KmsSecretSummary {
  return {
    secretName: str(b.SecretName),
    ...(b.SecretType ? { secretType: str(b.SecretType) } : {}),
    createTime: str(b.CreateTime),
    updateTime: str(b.UpdateTime),
    ...(b.PlannedDeleteTime ? { plannedDeleteTime: str(b.PlannedDeleteTime) } : {}),
    tags: tagsOf(b.Tags),
  };
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
