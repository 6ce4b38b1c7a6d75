import { isoSeconds } from "../../core/clock";
import { newKmsKeyId, newKmsKeyVersionId } from "../../core/ids";
import { ApiError } from "../../gateway/api-error";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import { optional, pageParams, paginate } from "../../gateway/params";
import type { EmulatorState } from "../../state/emulator-state";
import type { KmsKeyRecord, KmsKeyVersionRecord } from "../../state/state-types";
import { signDigest, verifyDigest } from "./kms-ecdsa";
import { DEFAULT_KEY_SPEC, defaultUsage, digestLength, generateMaterial, isAsymmetric, isKeySpec, publicKeyPem, usagesOf, type KeyUsage } from "./kms-key-specs";
import { kmsErrors } from "./kms-errors";

/**
 * KMS keys (API 2016-01-20): CreateKey, DescribeKey, ListKeyVersions,
 * GetPublicKey, AsymmetricSign and AsymmetricVerify, as their reference pages
 * describe them. Authorization on the key's ARN
 * (acs:kms:<region>:<account>:key/<keyId>) happens in the gateway before a
 * handler runs (gateway/auth-resources.ts). Codes and messages: the KMS
 * common error table ("Responses": Forbidden.KeyNotFound,
 * Forbidden.KeyVersionNotFound, Rejected.Disabled, InvalidParameter naming the
 * parameter) and AsymmetricEncrypt's Rejected.UnsupportedOperation for a key
 * whose usage does not allow the call (the asymmetric pages name no other).
 * Aliases are not emulated: a KeyId of "alias/..." is an alias not found.
 */

const DESCRIPTION_MAX = 8192;
const LIST_KEY_VERSIONS_PAGE_SIZE = { min: 1, max: 100, default: 10 } as const;

export const keyErrors = {
  invalidParameter: (name: string) => new ApiError(400, "InvalidParameter", `The specified parameter "${name}" is not valid.`),
  keyVersionNotFound: () => new ApiError(404, "Forbidden.KeyVersionNotFound", "The specified Key version is not found."),
  aliasNotFound: () => new ApiError(404, "Forbidden.AliasNotFound", "The specified Alias is not found."),
  unsupportedOperation: () => new ApiError(400, "Rejected.UnsupportedOperation", "Unsupported operation."),
  disabled: () => new ApiError(409, "Rejected.Disabled", "The request was rejected because the key state is Disabled."),
};

export interface CreateKeyInput {
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly description?: string;
  readonly dkmsInstanceId?: string;
}

/** CreateKey's rules, shared with the control surface so a sandbox's key is made exactly as the API makes one. */
export function createKmsKey(state: EmulatorState, input: CreateKeyInput, creator: string, now: Date): KmsKeyRecord {
  const keySpec = input.keySpec ?? DEFAULT_KEY_SPEC;
  if (!isKeySpec(keySpec)) throw keyErrors.invalidParameter("KeySpec");
  const keyUsage = (input.keyUsage ?? defaultUsage(keySpec)) as KeyUsage;
  if (!usagesOf(keySpec).includes(keyUsage)) throw keyErrors.invalidParameter("KeyUsage");
  const description = input.description ?? "";
  if (description.length > DESCRIPTION_MAX) throw keyErrors.invalidParameter("Description");
  const instances = state.data.kmsInstances ?? {};
  const instance = input.dkmsInstanceId === undefined ? undefined : Object.hasOwn(instances, input.dkmsInstanceId) ? instances[input.dkmsInstanceId] : undefined;
  if (input.dkmsInstanceId !== undefined && instance === undefined) throw kmsErrors.instanceNotFound();
  const at = isoSeconds(now);
  const key: KmsKeyRecord = {
    keyId: newKmsKeyId(),
    keySpec,
    keyUsage,
    keyState: "Enabled",
    description,
    creator,
    creationDate: at,
    ...(input.dkmsInstanceId !== undefined ? { dkmsInstanceId: input.dkmsInstanceId } : {}),
    versions: [{ keyVersionId: newKmsKeyVersionId(), creationDate: at, material: generateMaterial(keySpec) }],
  };
  (state.data.kmsKeys ??= {})[key.keyId] = key;
  // A symmetric key of an instance can encrypt that instance's secrets (CreateSecret's EncryptionKeyId).
  if (instance !== undefined && !isAsymmetric(keySpec)) instance.keyIds.push(key.keyId);
  state.changed();
  return key;
}

/** The KeyId parameter's key: an id or the key's ARN. */
function findKey(ctx: ActionContext): KmsKeyRecord {
  const raw = ctx.params.KeyId ?? "";
  if (raw.startsWith("alias/")) throw keyErrors.aliasNotFound();
  const arn = /^acs:kms:([^:]*):([^:]*):key\/(.+)$/.exec(raw);
  if (arn && (arn[1] !== ctx.regionId || arn[2] !== ctx.state.data.accountId)) throw kmsErrors.keyNotFound();
  const keyId = arn ? arn[3]! : raw;
  const keys = ctx.state.data.kmsKeys ?? {};
  const key = Object.hasOwn(keys, keyId) ? keys[keyId] : undefined;
  if (key === undefined) throw kmsErrors.keyNotFound();
  return key;
}

function findVersion(ctx: ActionContext, key: KmsKeyRecord): KmsKeyVersionRecord {
  const version = key.versions.find((v) => v.keyVersionId === ctx.params.KeyVersionId);
  if (version === undefined) throw keyErrors.keyVersionNotFound();
  return version;
}

/** A key that signs: enabled, SIGN/VERIFY, and the version and algorithm it is asked for; the digest decoded and of that algorithm's length. */
function signingInput(ctx: ActionContext): { key: KmsKeyRecord; version: KmsKeyVersionRecord; digest: Buffer } {
  const key = findKey(ctx);
  const version = findVersion(ctx, key);
  if (key.keyState !== "Enabled") throw keyErrors.disabled();
  if (key.keyUsage !== "SIGN/VERIFY") throw keyErrors.unsupportedOperation();
  const length = digestLength(key.keySpec, ctx.params.Algorithm ?? "");
  if (length === undefined) throw keyErrors.invalidParameter("Algorithm");
  const text = ctx.params.Digest ?? "";
  const digest = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || digest.length !== length) throw keyErrors.invalidParameter("Digest");
  return { key, version, digest };
}

function keyMetadata(ctx: ActionContext, key: KmsKeyRecord): Record<string, unknown> {
  return {
    KeyId: key.keyId,
    Arn: `acs:kms:${ctx.regionId}:${ctx.state.data.accountId}:key/${key.keyId}`,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    Description: key.description,
    Creator: key.creator,
    CreationDate: key.creationDate,
    Origin: "Aliyun_KMS",
    ProtectionLevel: "SOFTWARE",
    DeletionProtection: "Disabled",
    AutomaticRotation: "Disabled",
    LastRotationDate: key.versions.at(-1)?.creationDate ?? key.creationDate,
    // DescribeKey documents PrimaryKeyVersion for symmetric keys only.
    ...(isAsymmetric(key.keySpec) ? {} : { PrimaryKeyVersion: key.versions.at(-1)?.keyVersionId ?? "" }),
    ...(key.dkmsInstanceId ? { DKMSInstanceId: key.dkmsInstanceId } : {}),
  };
}

export const createKey: ActionSpec = {
  handle(ctx) {
    const creator = ctx.principal.kind === "root" ? ctx.principal.accountId : ctx.principal.userId;
    const key = createKmsKey(
      ctx.state,
      {
        keySpec: optional(ctx.params, "KeySpec"),
        keyUsage: optional(ctx.params, "KeyUsage"),
        description: optional(ctx.params, "Description"),
        dkmsInstanceId: optional(ctx.params, "DKMSInstanceId"),
      },
      creator,
      ctx.now,
    );
    return { KeyMetadata: keyMetadata(ctx, key) };
  },
};

export const describeKey: ActionSpec = {
  required: ["KeyId"],
  handle: (ctx) => ({ KeyMetadata: keyMetadata(ctx, findKey(ctx)) }),
};

export const listKeyVersions: ActionSpec = {
  required: ["KeyId"],
  handle(ctx) {
    const key = findKey(ctx);
    const { pageNumber, pageSize } = pageParams(ctx.params, LIST_KEY_VERSIONS_PAGE_SIZE, keyErrors.invalidParameter);
    return {
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: key.versions.length,
      KeyVersions: { KeyVersion: paginate(key.versions, pageNumber, pageSize).map((v) => ({ KeyId: key.keyId, KeyVersionId: v.keyVersionId, CreationDate: v.creationDate })) },
    };
  },
};

export const getPublicKey: ActionSpec = {
  required: ["KeyId", "KeyVersionId"],
  handle(ctx) {
    const key = findKey(ctx);
    const version = findVersion(ctx, key);
    if (key.keyState !== "Enabled") throw keyErrors.disabled();
    if (!isAsymmetric(key.keySpec)) throw keyErrors.unsupportedOperation();
    return { KeyId: key.keyId, KeyVersionId: version.keyVersionId, PublicKey: publicKeyPem(version.material) };
  },
};

export const asymmetricSign: ActionSpec = {
  required: ["KeyId", "KeyVersionId", "Algorithm", "Digest"],
  handle(ctx) {
    const { key, version, digest } = signingInput(ctx);
    return { KeyId: key.keyId, KeyVersionId: version.keyVersionId, Value: signDigest(version.material, digest).toString("base64") };
  },
};

export const asymmetricVerify: ActionSpec = {
  required: ["KeyId", "KeyVersionId", "Algorithm", "Digest", "Value"],
  handle(ctx) {
    const { key, version, digest } = signingInput(ctx);
    const value = ctx.params.Value ?? "";
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw keyErrors.invalidParameter("Value");
    const valid = verifyDigest(publicKeyPem(version.material), digest, Buffer.from(value, "base64"));
    return { KeyId: key.keyId, KeyVersionId: version.keyVersionId, Value: valid };
  },
};
