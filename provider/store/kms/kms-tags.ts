import type { KmsTag } from "../../alicloud/kms-client";
import { ManagedSecretsError } from "../../core/errors";
import { invalid } from "../store-input";

/**
 * A secret's product metadata as KMS tags, so that ListSecrets (with
 * FetchTags) alone tells the runner what every secret manages and when it is
 * due, and an operator sees it in the console.
 *
 * Limits (Alibaba Cloud Resource Management and KMS TagResources):
 * at most 20 tags per resource; keys and values at most 128 characters of
 * letters, digits and / \ _ - . + = : @; keys must not start with "aliyun" or
 * "acs:". The store keeps three tags of its own, which leaves 17 for metadata.
 *
 *   managed-secrets:format      "1": marks the secrets this product manages
 *   managed-secrets:updated-at  when description or metadata last changed; "<time>/pending" from
 *                               the put of an ACSPending version until the next metadata write, so a
 *                               listing alone shows an unfinished rotation (kms-pending-marker.ts)
 *   managed-secrets:binding     authenticates the target entries (kms-binding.ts)
 *   managed-secrets/<key>       one metadata entry
 *
 * A value that is not in the tag alphabet, or too long, is stored as base64:
 * "b64.<parts>:<text>", continued in managed-secrets/<key>/2, /3, ... when
 * it needs more than one tag. Plain values (ids, ISO times, host names,
 * SHA256 fingerprints) stay readable.
 */

export const KMS_MAX_TAGS = 20;
export const KMS_TAG_VALUE_MAX = 128;
const TAG_ALPHABET = /^[A-Za-z0-9/\\_.+=:@-]*$/;

export const FORMAT_TAG = "managed-secrets:format";
export const FORMAT_VERSION = "1";
export const UPDATED_AT_TAG = "managed-secrets:updated-at";
export const METADATA_TAG_PREFIX = "managed-secrets/";
export const BINDING_TAG = "managed-secrets:binding";
/** Reserved even while a secret has no binding, so adding one can never overflow the limit. */
const STORE_TAGS = 3;
export const MAX_METADATA_TAGS = KMS_MAX_TAGS - STORE_TAGS;

/** No "/" (it separates continuation parts) and short enough that key, prefix and part number fit in 128. */
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,96}$/;
const PENDING_SUFFIX = "/pending";
const ENCODED = /^b64\.(\d{1,2}):/;

export function checkMetadataKeys(metadata: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(metadata)) {
    if (!METADATA_KEY.test(key)) {
      throw invalid(`metadata.${key}`, `metadata keys in the kms store must be 1-96 characters of letters, digits and _ . - (they become KMS tag keys)`);
    }
  }
}

/** The tags for one metadata entry: usually one, more for long values outside the tag alphabet. */
export function entryTags(key: string, value: string): KmsTag[] {
  const head = `${METADATA_TAG_PREFIX}${key}`;
  if (value !== "" && value.length <= KMS_TAG_VALUE_MAX && TAG_ALPHABET.test(value) && !value.startsWith("b64.")) {
    return [{ key: head, value }];
  }
  const text = Buffer.from(value, "utf8").toString("base64");
  let parts = 1;
  while (`b64.${parts}:`.length + text.length > parts * KMS_TAG_VALUE_MAX) parts++;
  const firstLength = KMS_TAG_VALUE_MAX - `b64.${parts}:`.length;
  const tags: KmsTag[] = [{ key: head, value: `b64.${parts}:${text.slice(0, firstLength)}` }];
  for (let i = 2, at = firstLength; i <= parts; i++, at += KMS_TAG_VALUE_MAX) {
    tags.push({ key: `${head}/${i}`, value: text.slice(at, at + KMS_TAG_VALUE_MAX) });
  }
  return tags;
}

export function metadataTags(metadata: Readonly<Record<string, string>>): KmsTag[] {
  return Object.keys(metadata)
    .sort()
    .flatMap((key) => entryTags(key, metadata[key]!));
}

/** Every tag the store writes for a secret, refused with InvalidInput when they would not fit KMS's per-secret limit. */
export function storeTags(metadata: Readonly<Record<string, string>>, updatedAt: string, foreignTags = 0): KmsTag[] {
  const entries = metadataTags(metadata);
  if (entries.length + STORE_TAGS + foreignTags > KMS_MAX_TAGS) {
    throw invalid(
      "metadata",
      `metadata needs ${entries.length} KMS tags, but a secret holds at most ${KMS_MAX_TAGS} (${STORE_TAGS} used by the store${foreignTags ? `, ${foreignTags} by others` : ""}); keep fewer or shorter entries`,
    );
  }
  return [{ key: FORMAT_TAG, value: FORMAT_VERSION }, { key: UPDATED_AT_TAG, value: updatedAt }, ...entries];
}

/** The updated-at tag that marks an unfinished rotation: written before an ACSPending version is put. */
export function pendingMarkerTag(at: string): KmsTag {
  return { key: UPDATED_AT_TAG, value: `${at}${PENDING_SUFFIX}` };
}

export function isStoreTag(key: string): boolean {
  return key === FORMAT_TAG || key === UPDATED_AT_TAG || key === BINDING_TAG || key.startsWith(METADATA_TAG_PREFIX);
}

export interface ReadTags {
  /** Carries the format tag: created by this product. */
  readonly managed: boolean;
  readonly metadata: Record<string, string>;
  readonly updatedAt?: string;
  /** An ACSPending version was put after the last metadata write: a rotation may be unfinished. */
  readonly pending: boolean;
  /** Tags someone else put on the secret; they count against the limit. */
  readonly foreign: number;
}

export function readTags(secretName: string, tags: readonly KmsTag[]): ReadTags {
  const byKey = new Map(tags.map((t) => [t.key, t.value]));
  // A Map, then fromEntries: a key such as "__proto__" stays data.
  const metadata = new Map<string, string>();
  for (const [key, value] of byKey) {
    if (!key.startsWith(METADATA_TAG_PREFIX)) continue;
    const name = key.slice(METADATA_TAG_PREFIX.length);
    if (name.includes("/")) continue;
    const encoded = ENCODED.exec(value);
    if (!encoded) {
      metadata.set(name, value);
      continue;
    }
    let text = value.slice(encoded[0].length);
    for (let i = 2; i <= Number(encoded[1]); i++) {
      const part = byKey.get(`${key}/${i}`);
      if (part === undefined) throw unreadable(secretName, key);
      text += part;
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw unreadable(secretName, key);
    metadata.set(name, Buffer.from(text, "base64").toString("utf8"));
  }
  const updatedTag = byKey.get(UPDATED_AT_TAG) ?? "";
  const pending = updatedTag.endsWith(PENDING_SUFFIX);
  const updatedAt = pending ? updatedTag.slice(0, -PENDING_SUFFIX.length) : updatedTag;
  return {
    managed: byKey.get(FORMAT_TAG) === FORMAT_VERSION,
    metadata: Object.fromEntries(metadata),
    ...(updatedAt && !Number.isNaN(Date.parse(updatedAt)) ? { updatedAt } : {}),
    pending,
    foreign: tags.filter((t) => !isStoreTag(t.key)).length,
  };
}

/** What to send to turn `current` tags into `next`: tags to set (changed or new) and keys to remove. */
export function tagChanges(current: readonly KmsTag[], next: readonly KmsTag[]): { set: KmsTag[]; remove: string[] } {
  const have = new Map(current.map((t) => [t.key, t.value]));
  const want = new Set(next.map((t) => t.key));
  return {
    set: next.filter((t) => have.get(t.key) !== t.value),
    remove: current.filter((t) => isStoreTag(t.key) && !want.has(t.key)).map((t) => t.key),
  };
}

function unreadable(secretName: string, key: string): ManagedSecretsError {
  return new ManagedSecretsError("StoreUnreadable", `the KMS tag ${key} of secret "${secretName}" is damaged (a part is missing or not base64); rewrite that metadata entry`, {
    secretName,
  });
}
