import type { KmsSecretDescription, KmsSecretSummary, KmsVersionSummary } from "../../alicloud/kms-client";
import { isLeaseVersionId } from "./kms-lease";
import { readTags } from "./kms-tags";
import { VERSION_STAGES, type SecretMeta, type VersionInfo, type VersionStage } from "../secret-store";

/**
 * SecretMeta from what DescribeSecret and ListSecretVersionIds say, with the
 * store's internal versions and stages left out.
 *
 * Times: KMS prints whole seconds ("2006-01-02T15:04:05Z"); they are given
 * out as ISO-8601 with milliseconds, like the local store's.
 *
 * updatedAt: KMS's UpdateTime also moved when an earlier release took or
 * released a lease in the secret's own versions (a PutSecretValue), which
 * must not count as a change of the secret. So it counts only when it is
 * later than the newest such lease version; otherwise the
 * newest of CreateTime, the managed-secrets:updated-at tag (written with
 * every description/metadata change) and the newest value version stands in.
 * A stage move made in the same second as a later lease write is the one
 * change this can miss.
 */

export function isoFromKms(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
}

/** Our clock, at KMS's precision: what the store writes into tags and reports for its own writes. */
export function isoSeconds(at: Date): string {
  return new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString();
}

export function productStages(stages: readonly string[]): VersionStage[] {
  return VERSION_STAGES.filter((s) => stages.includes(s));
}

/** Oldest first: by CreateTime, which has whole seconds, and within one second in KMS's listing order (oldest first). */
export function inCreationOrder<V extends KmsVersionSummary>(versions: readonly V[]): V[] {
  return versions
    .map((v, i) => ({ v, i, at: Date.parse(v.createTime) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ v }) => v);
}

/** Value versions, oldest first (stable for versions created in the same second). */
export function valueVersions(versions: readonly KmsVersionSummary[]): VersionInfo[] {
  return inCreationOrder(versions.filter((v) => !isLeaseVersionId(v.versionId)))
    .map((v) => ({ versionId: v.versionId, stages: productStages(v.versionStages), createdAt: isoFromKms(v.createTime) }));
}

export function secretMeta(description: KmsSecretDescription, versions: readonly KmsVersionSummary[]): SecretMeta {
  const tags = readTags(description.secretName, description.tags);
  const values = valueVersions(versions);
  const newestLease = Math.max(-Infinity, ...versions.filter((v) => isLeaseVersionId(v.versionId)).map((v) => Date.parse(v.createTime)));
  const updateTime = Date.parse(description.updateTime);
  const candidates = [Date.parse(description.createTime), ...values.map((v) => Date.parse(v.createdAt))];
  if (tags.updatedAt !== undefined) candidates.push(Date.parse(tags.updatedAt));
  if (updateTime > newestLease) candidates.push(updateTime);
  const updatedAt = Math.max(...candidates.filter((t) => !Number.isNaN(t)));
  return {
    name: description.secretName,
    description: description.description,
    metadata: tags.metadata,
    createdAt: isoFromKms(description.createTime),
    updatedAt: Number.isFinite(updatedAt) ? new Date(updatedAt).toISOString() : isoFromKms(description.updateTime),
    ...(description.plannedDeleteTime ? { plannedDeleteAt: isoFromKms(description.plannedDeleteTime) } : {}),
    versions: values,
  };
}

/**
 * What a ListSecrets entry says of a secret: its metadata and deletion
 * schedule, no description and no versions, except an ACSPending one (id
 * unknown, "") when the updated-at tag marks an unfinished rotation.
 */
export function scheduleMeta(summary: KmsSecretSummary): SecretMeta {
  const tags = readTags(summary.secretName, summary.tags);
  const createdAt = isoFromKms(summary.createTime);
  const updatedAt = tags.updatedAt !== undefined && Date.parse(tags.updatedAt) > Date.parse(createdAt) ? new Date(tags.updatedAt).toISOString() : createdAt;
  return {
    name: summary.secretName,
    description: "",
    metadata: tags.metadata,
    createdAt,
    updatedAt,
    ...(summary.plannedDeleteTime ? { plannedDeleteAt: isoFromKms(summary.plannedDeleteTime) } : {}),
    versions: tags.pending ? [{ versionId: "", stages: ["ACSPending"], createdAt: updatedAt }] : [],
  };
}
