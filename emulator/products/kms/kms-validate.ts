import type { KmsInstanceRecord } from "../../state/state-types";
import { json, optional } from "../../gateway/params";
import {
  KMS_DESCRIPTION_MAX_LENGTH,
  KMS_MAX_TAGS,
  KMS_SECRET_DATA_MAX_BYTES,
  KMS_SECRET_NAME_MAX_LENGTH,
  KMS_SECRET_NAME_PATTERN,
  KMS_TAG_TEXT_MAX_LENGTH,
  KMS_TAG_TEXT_PATTERN,
  KMS_VERSION_ID_MAX_LENGTH,
  kmsErrors,
} from "./kms-errors";

/** Input rules for generic secrets; every violation is KMS's plain InvalidParameter. */

export function secretName(name: string): string {
  if (name.length > KMS_SECRET_NAME_MAX_LENGTH || !KMS_SECRET_NAME_PATTERN.test(name) || name.startsWith("acs/")) {
    throw kmsErrors.invalidParameter("SecretName");
  }
  return name;
}

/** A managed type's name: the usual rules, under the prefix KMS reserves for it (acs/ecs/ for ECS secrets). */
export function managedSecretName(name: string, prefix: string): string {
  if (name.length > KMS_SECRET_NAME_MAX_LENGTH || !KMS_SECRET_NAME_PATTERN.test(name) || !name.startsWith(prefix) || name.length === prefix.length) {
    throw kmsErrors.invalidParameter(`SecretName must start with ${prefix} and use letters, digits and _/+=.@- (at most ${KMS_SECRET_NAME_MAX_LENGTH}).`);
  }
  return name;
}

export function versionId(id: string): string {
  if (id.length > KMS_VERSION_ID_MAX_LENGTH) throw kmsErrors.invalidParameter("VersionId");
  return id;
}

export function secretData(params: Record<string, string>): { data: string; type: "text" | "binary" } {
  const data = params.SecretData ?? "";
  const type = optional(params, "SecretDataType") ?? "text";
  if (type !== "text" && type !== "binary") throw kmsErrors.invalidParameter("SecretDataType");
  if (Buffer.byteLength(data, "utf8") > KMS_SECRET_DATA_MAX_BYTES) throw kmsErrors.invalidParameter("SecretData");
  if (type === "binary" && (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0)) {
    throw kmsErrors.invalidParameter("SecretData");
  }
  return { data, type };
}

export function description(params: Record<string, string>): string | undefined {
  const d = optional(params, "Description");
  if (d !== undefined && d.length > KMS_DESCRIPTION_MAX_LENGTH) throw kmsErrors.invalidParameter("Description");
  return d;
}

/** Tags arrive as a JSON string: [{"TagKey":"k","TagValue":"v"}]. */
export function tags(params: Record<string, string>, name = "Tags"): Record<string, string> {
  const parsed = json(params, name, () => kmsErrors.invalidParameter(name));
  if (parsed === undefined) return {};
  if (!Array.isArray(parsed) || parsed.length > KMS_MAX_TAGS) throw kmsErrors.invalidParameter(name);
  const out: Record<string, string> = {};
  for (const t of parsed as unknown[]) {
    const tag = t as { TagKey?: unknown; TagValue?: unknown };
    if (typeof tag.TagKey !== "string" || typeof tag.TagValue !== "string" || tag.TagKey === "") {
      throw kmsErrors.invalidParameter(name);
    }
    if (tag.TagKey.startsWith("aliyun") || tag.TagKey.startsWith("acs:")) throw kmsErrors.invalidParameter(name);
    for (const text of [tag.TagKey, tag.TagValue]) {
      if (text.length > KMS_TAG_TEXT_MAX_LENGTH || !KMS_TAG_TEXT_PATTERN.test(text)) throw kmsErrors.invalidParameter(name);
    }
    out[tag.TagKey] = tag.TagValue;
  }
  return out;
}

/**
 * Where CreateSecret puts a secret. An account with KMS instances (KMS 3.0)
 * needs one named; the key, when given, must be one of that instance's, since
 * a secret is encrypted only with a key of its own instance. An account
 * without instances (KMS 1.0) knows no instance id at all.
 */
export function placement(
  params: Record<string, string>,
  instances: Readonly<Record<string, KmsInstanceRecord>> | undefined,
): { dkmsInstanceId?: string; encryptionKeyId?: string } {
  const instanceId = optional(params, "DKMSInstanceId");
  const keyId = optional(params, "EncryptionKeyId");
  const known = instances ?? {};
  if (instanceId === undefined) {
    if (Object.keys(known).length > 0) throw kmsErrors.missingParameter();
    return keyId === undefined ? {} : { encryptionKeyId: keyId };
  }
  const instance = Object.hasOwn(known, instanceId) ? known[instanceId] : undefined;
  if (instance === undefined) throw kmsErrors.instanceNotFound();
  if (keyId !== undefined && !instance.keyIds.includes(keyId)) throw kmsErrors.keyNotFound();
  return { dkmsInstanceId: instanceId, ...(keyId === undefined ? {} : { encryptionKeyId: keyId }) };
}

export function stringArray(params: Record<string, string>, name: string): string[] | undefined {
  const parsed = json(params, name, () => kmsErrors.invalidParameter(name));
  if (parsed === undefined) return undefined;
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === "string" && s !== "")) {
    throw kmsErrors.invalidParameter(name);
  }
  return parsed as string[];
}
