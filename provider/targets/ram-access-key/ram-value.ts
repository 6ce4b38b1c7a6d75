import { ManagedSecretsError } from "../../core/errors";
import { storedJsonObject } from "../../store/stored-json";
import { MAX_ROTATION_SECONDS } from "../../validation/rotation-period";

/**
 * The JSON KMS keeps for managed RAM secrets, field for field, so an
 * application (or Alibaba's managed-credentials providers) that reads a KMS
 * RAM secret reads ours unchanged:
 *
 *   {"AccessKeyId":"LTAI...","AccessKeySecret":"...",
 *    "GenerateTimestamp":"2006-01-02T15:04:05Z","ExpireTimestamp":"2006-02-01T15:04:05Z"}
 *
 * GenerateTimestamp is when this secret took the pair (created it, or adopted
 * it). ExpireTimestamp is when the pair is due to be replaced: generate time
 * plus the rotation period. With automatic rotation off nothing is due, and
 * what KMS writes then is unconfirmed; we write generate time plus the longest
 * interval KMS accepts (8760h), so the field is always present, always
 * parses, and never claims a rotation sooner than the schedule would make one.
 */
export interface RamValue {
  readonly AccessKeyId: string;
  readonly AccessKeySecret: string;
  readonly GenerateTimestamp: string;
  readonly ExpireTimestamp: string;
}

/** Go's `2006-01-02T15:04:05Z`: UTC, whole seconds, no fraction. */
export function kmsTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function ramValueAt(accessKeyId: string, accessKeySecret: string, generatedAt: Date, rotationPeriodSeconds: number | undefined): RamValue {
  const lifetime = (rotationPeriodSeconds ?? MAX_ROTATION_SECONDS) * 1000;
  return {
    AccessKeyId: accessKeyId,
    AccessKeySecret: accessKeySecret,
    GenerateTimestamp: kmsTimestamp(generatedAt),
    ExpireTimestamp: kmsTimestamp(new Date(generatedAt.getTime() + lifetime)),
  };
}

export function encodeRamValue(value: RamValue): string {
  // Fixed key order: the stored text is what consumers diff and what tests compare.
  return JSON.stringify({
    AccessKeyId: value.AccessKeyId,
    AccessKeySecret: value.AccessKeySecret,
    GenerateTimestamp: value.GenerateTimestamp,
    ExpireTimestamp: value.ExpireTimestamp,
  });
}

export function decodeRamValue(text: string): RamValue {
  const v = storedJsonObject(text, "RAM");
  if (typeof v.AccessKeyId !== "string" || typeof v.AccessKeySecret !== "string" || v.AccessKeyId === "" || v.AccessKeySecret === "") {
    throw new ManagedSecretsError("StoreUnreadable", "a stored RAM secret value lacks AccessKeyId or AccessKeySecret");
  }
  return {
    AccessKeyId: v.AccessKeyId,
    AccessKeySecret: v.AccessKeySecret,
    GenerateTimestamp: typeof v.GenerateTimestamp === "string" ? v.GenerateTimestamp : "",
    ExpireTimestamp: typeof v.ExpireTimestamp === "string" ? v.ExpireTimestamp : "",
  };
}

export function keyPairOf(value: RamValue): { accessKeyId: string; accessKeySecret: string } {
  return { accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret };
}
