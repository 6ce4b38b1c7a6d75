import type { KmsListFilter, KmsSecretSummary, KmsVersionSummary } from "../../alicloud/kms-client";
import type { KmsCall } from "./kms-call";
import { mapBounded } from "../../core/map-bounded";
import { KMS_NOT_FOUND, isKmsCode, notFound, storeErrorFrom } from "./kms-errors";
import { FORMAT_TAG } from "./kms-tags";

/** ListSecrets / ListSecretVersionIds page size: KMS's maximum. */
export const KMS_PAGE_SIZE = 100;
/** ListSecrets with a tag filter returns at most this many secrets (ListSecrets reference). */
export const KMS_TAG_FILTER_MAX = 4000;
/** Secrets described at once by listSecrets: fast, yet far from KMS's per-second quotas. */
export const LIST_CONCURRENCY = 4;

/**
 * ListSecrets filtered by the format tag, at KMS's largest page. A tag
 * filter returns at most KMS_TAG_FILTER_MAX secrets, so a first page that
 * reports that many means the filter may have cut the list short: then
 * every secret of the account is listed and the format tag picked here.
 * The first page tells how many follow; those are read LIST_CONCURRENCY at a
 * time, since a fleet's listing is the one part of a pass that grows with it.
 */
export async function listProductSecrets(call: KmsCall): Promise<KmsSecretSummary[]> {
  const byFormatTag = [{ Key: "TagKey" as const, Values: [FORMAT_TAG] }];
  try {
    let secrets = await listSecretPages(call, byFormatTag);
    if (secrets.totalCount >= KMS_TAG_FILTER_MAX) secrets = await listSecretPages(call);
    return secrets.secrets.filter((s) => s.tags.some((t) => t.key === FORMAT_TAG));
  } catch (e) {
    throw storeErrorFrom(e);
  }
}

/** Every page of ListSecrets (with `filters`, if any), the first telling how many follow, those read LIST_CONCURRENCY at a time. */
export async function listSecretPages(call: KmsCall, filters?: readonly KmsListFilter[]): Promise<{ totalCount: number; secrets: KmsSecretSummary[] }> {
  const page = (pageNumber: number) => call((kms) => kms.listSecrets({ pageNumber, pageSize: KMS_PAGE_SIZE, ...(filters ? { filters } : {}) }));
  const first = await page(1);
  // A tag filter returns at most KMS_TAG_FILTER_MAX: the caller asks again without it when the first page says so.
  if (filters !== undefined && first.totalCount >= KMS_TAG_FILTER_MAX) return first;
  const more = Array.from({ length: Math.max(0, Math.ceil(first.totalCount / KMS_PAGE_SIZE) - 1) }, (_, i) => i + 2);
  const rest = await mapBounded(more, LIST_CONCURRENCY, async (n) => (await page(n)).secrets);
  return { totalCount: first.totalCount, secrets: [first.secrets, ...rest].flat() };
}

/** Every version KMS lists of the secret (the store's own too), page by page. */
export async function listVersions(call: KmsCall, name: string): Promise<KmsVersionSummary[]> {
  const all: KmsVersionSummary[] = [];
  try {
    for (let page = 1; ; page++) {
      const { totalCount, versions } = await call((kms) => kms.listSecretVersionIds({ secretName: name, pageNumber: page, pageSize: KMS_PAGE_SIZE }));
      all.push(...versions);
      if (versions.length === 0 || all.length >= totalCount) return all;
    }
  } catch (e) {
    if (isKmsCode(e, KMS_NOT_FOUND)) throw notFound(name);
    throw storeErrorFrom(e, name);
  }
}
